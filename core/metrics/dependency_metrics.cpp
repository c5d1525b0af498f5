#include "core/metrics/dependency_metrics.hpp"

#include <array>
#include <exception>

#include "core/metrics/registry.hpp"

namespace nf::metrics {
namespace {

// 0.25 ms (a Redis GET on loopback) to 10 s (a long ClickHouse insert).
const std::vector<double>& dependency_bounds() {
  static const std::vector<double> bounds = {0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
                                             0.1,     0.25,   0.5,   1,      2.5,   5,    10};
  return bounds;
}

constexpr std::array<const char*, 4> kNames = {"clickhouse", "postgres", "redis", "kafka"};

struct DependencyFamilies {
  Registry registry;
  std::array<Histogram*, 4> durations{};
  std::array<Counter*, 4> errors{};

  DependencyFamilies() {
    auto& duration = registry.histogram("novafeed_dependency_request_duration_seconds",
                                        "one call of this process to a dependency, from sending to its answer or "
                                        "failure (ClickHouse statement, PostgreSQL statement or connect, Redis "
                                        "command or pipeline, Kafka produce until acknowledged)",
                                        dependency_bounds(), {"dependency"});
    auto& error = registry.counter("novafeed_dependency_errors_total",
                                   "calls to a dependency that failed: no connection, a timeout or an error answer",
                                   {"dependency"});
    for (size_t i = 0; i < kNames.size(); ++i) {
      durations[i] = &duration.with({kNames[i]});
      errors[i] = &error.with({kNames[i]});
    }
  }
};

DependencyFamilies& families() {
  // Never destroyed: a client call on a thread that outlives main's statics (a detached
  // librdkafka callback, a test's leftover thread) must still find it.
  static auto* instance = new DependencyFamilies;
  return *instance;
}

}  // namespace

void record_dependency_call(Dependency dependency, double seconds, bool failed) {
  auto& f = families();
  const auto i = static_cast<size_t>(dependency);
  f.durations[i]->observe(seconds);
  if (failed) f.errors[i]->add();
}

void record_dependency_error(Dependency dependency) { families().errors[static_cast<size_t>(dependency)]->add(); }

std::string render_dependency_prometheus() { return families().registry.render_prometheus(); }

DependencyTimer::~DependencyTimer() {
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started_).count();
  record_dependency_call(dependency_, seconds, failed_ || std::uncaught_exceptions() > exceptions_);
}

}  // namespace nf::metrics
