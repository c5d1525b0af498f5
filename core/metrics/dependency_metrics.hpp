#pragma once
// How the dependencies answer this process: every call novafeed's clients make to
// ClickHouse (core/clickhouse), PostgreSQL (core/pg), Redis (core/redis) and Kafka (the
// events producer), timed where the call is made.
//
//   novafeed_dependency_request_duration_seconds{dependency}  one call, answer or failure
//   novafeed_dependency_errors_total{dependency}              calls that failed (no answer,
//                                                             a timeout, an error reply)
//
// Process-wide on purpose: the clients are built in many places (serve's pools, the
// ingest, every job, the CLI), and what an on-call engineer asks ("is Redis slow for this
// serve?") is a fact of the process, not of one client object. Threading a metrics object
// through every client would be wiring without information. The label set is fixed (four
// dependencies), every series exists from the start, and recording is lock-free.

#include <chrono>
#include <string>

namespace nf::metrics {

enum class Dependency { clickhouse, postgres, redis, kafka };

// Records one call: its duration (seconds) and whether it failed.
void record_dependency_call(Dependency dependency, double seconds, bool failed);
// A failure that took no measurable call (e.g. refused at once while known down).
void record_dependency_error(Dependency dependency);

// The two families in Prometheus text format, for a process's /metrics.
std::string render_dependency_prometheus();

// Times a call from construction to destruction; a destruction during stack unwinding
// (the call threw) or after failed() counts as an error.
class DependencyTimer {
 public:
  explicit DependencyTimer(Dependency dependency)
      : dependency_(dependency), started_(std::chrono::steady_clock::now()), exceptions_(std::uncaught_exceptions()) {}
  ~DependencyTimer();
  DependencyTimer(const DependencyTimer&) = delete;
  DependencyTimer& operator=(const DependencyTimer&) = delete;
  void failed() { failed_ = true; }

 private:
  Dependency dependency_;
  std::chrono::steady_clock::time_point started_;
  int exceptions_;
  bool failed_ = false;
};

}  // namespace nf::metrics
