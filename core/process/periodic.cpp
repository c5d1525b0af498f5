#include "core/process/periodic.hpp"

#include <algorithm>

#include <spdlog/spdlog.h>

#include "core/process/thread_name.hpp"

namespace nf::process {

Periodic::Periodic(std::string name, std::chrono::milliseconds interval, First first, std::function<void()> tick)
    : name_(std::move(name)), interval_(interval), tick_(std::move(tick)) {
  if (interval_.count() > 0)
    thread_ = std::thread([this, first] {
      std::string thread_name = "nf-" + name_;  // "cdc probe" -> nf-cdc-probe
      std::replace(thread_name.begin(), thread_name.end(), ' ', '-');
      name_this_thread(thread_name);
      run(first);
    });
}

Periodic::~Periodic() {
  {
    std::lock_guard lock(mutex_);
    stop_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void Periodic::run(First first) {
  std::unique_lock lock(mutex_);
  const auto stopped = [this] { return stop_; };
  if (first == First::after_interval && wake_.wait_for(lock, interval_, stopped)) return;
  do {
    lock.unlock();
    try {
      tick_();
    } catch (const std::exception& e) {
      spdlog::error("{}: {} (a bug: this step should not throw; it runs again in {} ms)", name_, e.what(),
                    interval_.count());
    }
    lock.lock();
  } while (!wake_.wait_for(lock, interval_, stopped));
}

}  // namespace nf::process
