#pragma once
// `novafeed latency`: real probes through the real pipeline, each stage timed (SPEC §5, §6).
//
//   run_latency(config, request)
//     reachable?      the feed API (/healthz), PostgreSQL, ClickHouse, Kafka: else exit 3
//     probe world     reader follows author (probe_world.hpp), the follow in ClickHouse
//     per sample      cdc probe:    INSERT post -> cdc.posts -> ClickHouse posts -> reader's feed holds it
//                     events probe: POST like of that post -> events topic -> its L in
//                                   ClickHouse -> the reader's recomputed feed no longer holds it
//     cleanup         the run's posts soft-deleted, even when a probe failed
//
// Probes run one after another, so each measures the pipeline, not its own queue. A path
// stops after three probes in a row stopped short (the rest are reported as not run), so a
// broken pipeline fails in a few timeouts, not in samples x timeout.

#include <chrono>
#include <string>

#include "core/config/config.hpp"
#include "core/error/error.hpp"
#include "core/latency/report.hpp"

namespace nf::latency {

struct LatencyRequest {
  int samples = 20;
  std::string path = "all";  // events, cdc or all
  std::string gate;          // "p95=1s,p99=2s"; empty: no bounds
  std::string api_url;       // empty: from serve.listen
  std::chrono::milliseconds timeout{30000};
  bool progress = false;     // a line per probe on stderr (a terminal)
};

// Throws nf::Error(usage) for a bad request, nf::Error(unreachable) naming the dependency
// that does not answer at the start. Probe failures are in the report (judge()).
Report run_latency(const config::Config& config, const LatencyRequest& request);

// ok, or check_failed when the verdict failed.
ExitCode exit_code(const Report& report);

}  // namespace nf::latency
