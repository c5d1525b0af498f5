#pragma once
// What every job gets and gives back. A job is a plain function of a JobContext (the
// dependencies, built once per process and shared by the jobs' threads) that returns a
// JobOutcome, or throws nf::Error when it cannot do its work (check_failed, or
// unreachable naming the dependency). Locking, the run record and the schedule are the
// runner's (runner.hpp), never the job's.

#include <atomic>
#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

#include "core/clickhouse/client.hpp"
#include "core/config/config.hpp"
#include "core/pg/connection.hpp"
#include "core/process/instance.hpp"
#include "core/ranking/ranking.hpp"
#include "core/redis/pool.hpp"

namespace nf::feed {
class FeedService;
}

namespace nf::jobs {

struct JobContext {
  const config::Config* config = nullptr;
  redis::Pool* redis = nullptr;
  ch::Client clickhouse;           // with jobs.clickhouse_timeout_ms: job statements are heavy
  pg::Settings postgres;           // for the locks and the run records
  ranking::Params params;
  feed::FeedService* feeds = nullptr;  // the warmer ranks through the same code as serve
  process::Instance instance;
  const std::atomic<bool>* stop = nullptr;  // set on SIGTERM: long jobs end early

  bool stopping() const { return stop && stop->load(); }
};

struct RunOptions {
  // A run asked for by hand or by cron (`--once`): do all of the job's work now, even
  // parts that are not due yet (hot-posts computes every window).
  bool forced = false;
  int64_t now_ms = 0;
};

struct JobOutcome {
  uint64_t rows = 0;       // keys, feeds, partitions written or dropped
  std::string detail;      // one line for people: "hot:posts:1h 200, 24h 200, 7d 200"
  nlohmann::json facts = nlohmann::json::object();  // the same for scripts (--json)
};

}  // namespace nf::jobs
