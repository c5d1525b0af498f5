#pragma once
// GET /readyz: each dependency's state, checked at most once a second however often a
// load balancer asks. Ready means the feed can be answered: ClickHouse (ranked) or
// PostgreSQL (timeline) reachable. Redis (cache) and Kafka (events intake) being down
// degrade the service but do not take it out of rotation; they are reported.

#include <chrono>
#include <functional>
#include <mutex>
#include <string>

#include <nlohmann/json.hpp>

#include "core/clickhouse/client.hpp"
#include "core/config/config.hpp"
#include "core/pg/connection.hpp"
#include "core/redis/pool.hpp"

namespace nf::serve {

struct DependencyState {
  std::string name;
  bool up = false;
  std::string detail;  // the error when down, a version or state when up
};

struct ReadinessReport {
  bool ready = false;
  std::vector<DependencyState> dependencies;
};

nlohmann::json to_json(const ReadinessReport& report);

// The verdict from the states alone (pure, unit tested).
bool judge_ready(const std::vector<DependencyState>& dependencies);

class Readiness {
 public:
  // `extra` adds states known elsewhere (the ClickHouse breaker, the Kafka producer).
  Readiness(const config::Config& config, redis::Pool& redis,
            std::function<std::vector<DependencyState>()> extra);

  ReadinessReport check();

 private:
  ReadinessReport probe();

  ch::Client clickhouse_;
  pg::Settings postgres_;
  redis::Pool& redis_;
  std::function<std::vector<DependencyState>()> extra_;
  std::mutex mutex_;
  std::chrono::steady_clock::time_point checked_at_{};
  ReadinessReport last_;
};

}  // namespace nf::serve
