#include "core/connect/cdc_watch.hpp"

#include <spdlog/spdlog.h>

#include "core/connect/commands.hpp"

namespace nf::connect {

CdcWatch::CdcWatch(config::Config config)
    : config_(std::move(config)),
      thread_("cdc watch", std::chrono::milliseconds(std::max<int64_t>(0, config_.get_int("cdc.watch_interval_ms"))),
              process::Periodic::First::after_interval, [this] { look(); }) {}

void CdcWatch::look() {
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
  if (!problem.empty() && problem != last_problem_) spdlog::warn("cdc watch: {}", problem);
  if (problem.empty() && !last_problem_.empty()) spdlog::info("cdc watch: slot and connector reachable again");
  last_problem_ = problem;
}

}  // namespace nf::connect
