#include "core/connect/cdc_watch.hpp"

#include <spdlog/spdlog.h>

#include "core/connect/commands.hpp"

namespace nf::connect {

CdcWatch::CdcWatch(config::Config config)
    : config_(std::move(config)), interval_(std::max<int64_t>(0, config_.get_int("cdc.watch_interval_ms"))) {
  if (interval_.count() > 0) thread_ = std::thread([this] { run(); });
}

CdcWatch::~CdcWatch() {
  {
    std::lock_guard lock(mutex_);
    stop_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void CdcWatch::run() {
  std::string last_problem;  // logged once until it changes, not every interval
  std::unique_lock lock(mutex_);
  while (!wake_.wait_for(lock, interval_, [this] { return stop_; })) {
    lock.unlock();
    std::string problem;
    try {
      const auto outcome = heal_cdc(config_);
      for (const auto& action : outcome.actions)
        spdlog::warn("cdc watch: {}; CDC should resume within a heartbeat (novafeed doctor shows the slot)", action);
      if (!outcome.slot)
        problem = "replication slot " + outcome.slot_name + " does not exist (novafeed connectors apply --wait)";
      else if (!outcome.connect_error.empty())
        problem = "cannot check the connector: " + outcome.connect_error;
    } catch (const std::exception& e) {
      problem = std::string("cannot check the replication slot: ") + e.what();
    }
    if (!problem.empty() && problem != last_problem) spdlog::warn("cdc watch: {}", problem);
    if (problem.empty() && !last_problem.empty()) spdlog::info("cdc watch: slot and connector reachable again");
    last_problem = problem;
    lock.lock();
  }
}

}  // namespace nf::connect
