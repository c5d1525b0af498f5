#pragma once
// Heals CDC by itself: a thread of the ingest (and of `serve --with-ingest`) that runs
// heal_cdc (see commands.hpp) every cdc.watch_interval_ms and logs what it did, so a
// slot left stalled by an orphaned task (a Kafka outage longer than the worker's
// task.shutdown.graceful.timeout.ms) or a FAILED task does not keep CDC silent until a
// human looks. Several processes may watch at once: the stall rule only fires on a
// walsender connected (and silent) for two heartbeat intervals, so a task that has just
// taken the slot is never ended, and ending an already-ended one is a no-op.

#include <string>

#include "core/config/config.hpp"
#include "core/process/periodic.hpp"

namespace nf::connect {

class CdcWatch {
 public:
  // Starts the thread unless cdc.watch_interval_ms is 0; the first look is one interval in.
  explicit CdcWatch(config::Config config);

 private:
  void look();

  config::Config config_;
  std::string last_problem_;  // logged once until it changes, not every interval
  process::Periodic thread_;  // last: stopped and joined before the members it reads go
};

}  // namespace nf::connect
