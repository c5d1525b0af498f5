#pragma once
// What the routes of serve work with: one of each dependency, shared by every worker
// thread. Plain struct; built and owned by run_serve (serve.cpp).

#include <memory>
#include <string>

#include "core/events/intake.hpp"
#include "core/feed/feed_service.hpp"
#include "core/metrics/serve_metrics.hpp"
#include "core/redis/pool.hpp"
#include "core/serve/readiness.hpp"

namespace nf::serve {

struct Backend {
  std::string jwt_secret;
  int64_t retry_after_s = 5;
  redis::Pool* redis = nullptr;
  feed::FeedService* feed = nullptr;
  events::Intake* intake = nullptr;
  metrics::ServeMetrics* metrics = nullptr;
  Readiness* readiness = nullptr;
};

}  // namespace nf::serve
