#include "core/jobs/jobs.hpp"

#include <thread>

#include <spdlog/spdlog.h>

#include "core/feed/feed_service.hpp"
#include "core/metrics/dependency_metrics.hpp"
#include "core/metrics/metrics_server.hpp"
#include "core/process/shutdown_signals.hpp"
#include "core/redis/pool.hpp"
#include "core/time/clock.hpp"

namespace nf::jobs {

JobContext make_context(const config::Config& config, redis::Pool& redis, feed::FeedService& feeds,
                        const std::atomic<bool>* stop) {
  auto clickhouse = ch::settings_from(config);
  clickhouse.timeout_ms = config.get_int("jobs.clickhouse_timeout_ms");
  JobContext context{&config,          &redis, ch::Client(clickhouse), pg::settings_from(config), ranking::params_from(config),
                     &feeds,           process::this_instance(), stop};
  return context;
}

ExitCode OnceReport::exit_code() const {
  bool failed = false, unreachable = false, all_skipped = !runs.empty();
  for (const auto& run : runs) {
    if (run.state == RunState::failed) {
      failed = true;
      unreachable = unreachable || run.error_code == ExitCode::unreachable;
    }
    if (run.state != RunState::skipped) all_skipped = false;
  }
  if (unreachable) return ExitCode::unreachable;
  if (failed) return ExitCode::check_failed;
  return all_skipped ? ExitCode::skipped : ExitCode::ok;
}

OnceReport run_once(const config::Config& config, const std::string& job) {
  const auto specs = select_jobs(job);
  for (const auto* spec : specs) interval_of(config, *spec);  // bad configuration: exit 2 before anything runs
  redis::Pool redis(redis::settings_from(config));
  feed::FeedService feeds(config, redis);
  const std::atomic<bool> never{false};
  auto context = make_context(config, redis, feeds, &never);
  LockSession session(context.postgres, context.instance);
  OnceReport report;
  for (const auto* spec : specs)
    report.runs.push_back(run_under_lock(context, session, *spec, RunOptions{true, time::now_ms()}));
  return report;
}

std::string render_once_text(const OnceReport& report) {
  std::string out;
  for (const auto& run : report.runs) out += run_line(run) + "\n";
  return out;
}

nlohmann::json render_once_json(const OnceReport& report) {
  nlohmann::json runs = nlohmann::json::array();
  for (const auto& run : report.runs) runs.push_back(run_json(run));
  return {{"runs", runs}, {"exit_code", static_cast<int>(report.exit_code())}};
}

void run_schedule(const config::Config& config, const std::string& job,
                  const std::optional<std::string>& metrics_listen) {
  const auto specs = select_jobs(job);
  // Before any thread starts, so every thread inherits the blocked SIGINT/SIGTERM.
  process::ShutdownSignals signals;
  JobMetrics metrics;
  std::optional<metrics::MetricsServer> server;
  if (metrics_listen)
    server.emplace(*metrics_listen,
                   [&metrics] { return metrics.render_prometheus() + metrics::render_dependency_prometheus(); },
                   "--metrics-listen");
  redis::Pool redis(redis::settings_from(config));
  feed::FeedService feeds(config, redis);
  auto context = make_context(config, redis, feeds, &signals.requested());
  Scheduler scheduler(context, specs, &metrics);
  scheduler.start();
  while (!signals.requested()) std::this_thread::sleep_for(std::chrono::milliseconds(200));
  spdlog::info("jobs: stopping (signal): running jobs end early, then their locks are released");
  scheduler.stop();
}

InProcessJobs::InProcessJobs(const config::Config& config, redis::Pool& redis, feed::FeedService& feeds,
                             const std::atomic<bool>& stop)
    : context_(make_context(config, redis, feeds, &stop)) {
  std::vector<const JobSpec*> all;
  for (const auto& spec : job_specs()) all.push_back(&spec);
  scheduler_ = std::make_unique<Scheduler>(context_, all, &metrics_);
  scheduler_->start();
}

InProcessJobs::~InProcessJobs() { scheduler_->stop(); }

}  // namespace nf::jobs
