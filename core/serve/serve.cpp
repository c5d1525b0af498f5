#include "core/serve/serve.hpp"

#include <spdlog/spdlog.h>

#include <chrono>
#include <optional>
#include <thread>

#include "core/auth/jwt.hpp"
#include "core/events/intake.hpp"
#include "core/feed/feed_service.hpp"
#include "core/http/server.hpp"
#include "core/jobs/jobs.hpp"
#include "core/process/shutdown_signals.hpp"
#include "core/metrics/serve_metrics.hpp"
#include "core/redis/pool.hpp"
#include "core/serve/backend.hpp"
#include "core/serve/background_ingest.hpp"
#include "core/serve/config_reload.hpp"
#include "core/serve/readiness.hpp"
#include "core/serve/routes.hpp"
#include "core/time/clock.hpp"

namespace nf::serve {

namespace {

// The states readiness learns from the feed's breaker and the event producer.
// The in-process ingest is reported, not judged: the feed answers without it.
std::vector<DependencyState> live_states(feed::FeedService& feed, events::Intake& intake,
                                         const std::optional<BackgroundIngest>& ingest) {
  const auto breaker = feed.clickhouse_breaker();
  std::vector<DependencyState> states = {
      {"clickhouse_breaker", breaker.state != feed::BreakerState::open, feed::to_string(breaker.state)},
      {"kafka", intake.kafka_ready(), intake.kafka_state()},
  };
  if (ingest) {
    const auto state = ingest->state();
    states.push_back({"ingest", state.consuming, state.detail});
  }
  return states;
}

}  // namespace

void run_serve(const config::Config& config, const ServeRequest& request,
               const std::function<void(const Listening&)>& on_listening) {
  // Before any thread starts, so every thread inherits the blocked SIGHUP, SIGINT, SIGTERM.
  HangupSignal hangup;
  process::ShutdownSignals signals;

  // Configuration errors first, before anything is started.
  const auto secret = auth::jwt_secret(config);
  auto options = http::server_options_from(config);
  if (request.listen) options.listen = *request.listen;

  // One of each dependency, shared by every worker thread. None is required at start:
  // each request degrades on its own (timeline, no cache, 503 for events) and /readyz
  // tells which dependency is down.
  redis::Pool redis(redis::settings_from(config));
  feed::FeedService feed(config, redis);
  feed.keep_hits_in_process();  // hits from memory, kept right by Redis's change messages
  feed.keep_engagement_in_process(config);  // misses read only the figures that changed
  events::Intake intake(config, redis);
  metrics::ServeMetrics metrics;
  metrics.set_ranked_percent(feed.canary().percent());
  std::optional<BackgroundIngest> ingest;
  Readiness readiness(config, redis, [&] { return live_states(feed, intake, ingest); });
  Backend backend{secret, config.get_int("events.retry_after_s"), &redis, &feed, &intake, &metrics, &readiness};

  std::optional<jobs::InProcessJobs> scheduled_jobs;
  metrics.set_extra_text([&ingest, &scheduled_jobs] {
    return (ingest ? ingest::render_prometheus(ingest->metrics()) : std::string()) +
           (scheduled_jobs ? scheduled_jobs->metrics().render_prometheus() : std::string());
  });

  // The routes, then the server in front of them.
  const auto router = build_router(backend, time::now_ms);
  http::Server server(options, router, [&](const http::Request& req, const http::Response& res, auto elapsed) {
    metrics.record_request(router.route_of(req), res.status, std::chrono::duration<double>(elapsed).count());
  });
  // The rest of the backend in-process, before the first request can read `ingest` or
  // `scheduled_jobs` (/readyz, /metrics); both only start threads here. The jobs'
  // schedule: with several serve instances each job still runs once per interval (its
  // lock and run records are in PostgreSQL, see core/jobs/scheduler.hpp).
  if (request.with_ingest) ingest.emplace(config);
  if (request.with_jobs) scheduled_jobs.emplace(config, redis, feed, signals.requested());
  server.start();

  Listening listening;
  listening.address = options.listen.substr(0, options.listen.rfind(':') + 1) + std::to_string(server.port());
  listening.with_ingest = request.with_ingest;
  listening.with_jobs = request.with_jobs;
  if (on_listening) on_listening(listening);

  // Until SIGINT/SIGTERM: keep the gauges current; SIGHUP re-reads the configuration.
  auto in_force = config;
  while (!signals.requested()) {
    if (hangup.received()) in_force = reload_config(in_force, request.reload_config, feed.canary());
    metrics.set_ranked_percent(feed.canary().percent());
    metrics.set_breaker_open(feed.clickhouse_breaker().state == feed::BreakerState::open);
    metrics.set_engagement_snapshot_posts(feed.engagement_snapshot_posts());
    metrics.set_redis_up(redis.healthy());
    metrics.set_kafka_up(intake.kafka_ready());
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }

  // Drain: no new connections, in-flight requests answered, accepted events flushed,
  // then the ingest commits and leaves its group.
  spdlog::info("serve: stopping (signal): draining requests");
  server.stop();
  intake.close(std::chrono::milliseconds(config.get_int("serve.shutdown_timeout_ms")));
  if (ingest) ingest->stop();
  scheduled_jobs.reset();  // a running job ends early (it sees the signal), its lock goes
  spdlog::info("serve: stopped");
}

}  // namespace nf::serve
