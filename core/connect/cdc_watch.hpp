#pragma once
// Heals CDC by itself: a thread of the ingest (and of `serve --with-ingest`) that runs
// heal_cdc (see commands.hpp) every cdc.watch_interval_ms and logs what it did, so a
// slot left stalled by an orphaned task (a Kafka outage longer than the worker's
// task.shutdown.graceful.timeout.ms) or a FAILED task does not keep CDC silent until a
// human looks. Several processes may watch at once: the stall rule only fires on a
// walsender connected (and silent) for two heartbeat intervals, so a task that has just
// taken the slot is never ended, and ending an already-ended one is a no-op.

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "core/config/config.hpp"

namespace nf::connect {

class CdcWatch {
 public:
  // Starts the thread unless cdc.watch_interval_ms is 0; the first look is one interval in.
  explicit CdcWatch(config::Config config);
  ~CdcWatch();  // stops and joins
  CdcWatch(const CdcWatch&) = delete;
  CdcWatch& operator=(const CdcWatch&) = delete;

 private:
  void run();

  config::Config config_;
  std::chrono::milliseconds interval_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stop_ = false;
  std::thread thread_;
};

}  // namespace nf::connect
