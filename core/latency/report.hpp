#pragma once
// What `novafeed latency` measured, and the judging of it: per path, each probe's time at
// each stage; summaries (p50/p95/p99/max) per stage and end to end; the gate. Pure data and
// functions, unit tested without a stack (tests/unit/latency/).

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace nf::latency {

enum class Path { events, cdc };
std::string_view path_name(Path path);

// The stages of a path, in the order a probe passes them. A stage's time is measured from
// the end of the stage before it (the first from the probe's start).
//   events: api (POST /api/v1/events -> 202), kafka (on the events topic), clickhouse
//           (the post's L as ranking reads it), feed (the liker's feed, recomputed, no
//           longer holds the liked post: seen)
//   cdc:    postgres (INSERT committed), kafka (Debezium's message on cdc.posts),
//           clickhouse (the row in posts), feed (the follower's feed holds the post)
const std::vector<std::string>& stage_names(Path path);

// One probe: `reached_ms[i]` is the time since its start at which stage i was seen done;
// it holds the stages reached, in order. A probe that stopped short names the stage it
// stopped at and why.
struct Probe {
  std::vector<double> reached_ms;
  std::string stopped_at;  // empty when every stage was reached
  std::string why;
  bool complete(Path path) const { return reached_ms.size() == stage_names(path).size(); }
};

struct PathRun {
  Path path = Path::events;
  std::vector<Probe> probes;
  int not_run = 0;        // probes left out after consecutive failures
  std::string not_run_why;
};

struct Summary {
  size_t samples = 0;  // complete probes
  double p50 = 0, p95 = 0, p99 = 0, max = 0;
};

// Nearest-rank percentiles of `values` (empty: all zero, samples 0).
Summary summarize(std::vector<double> values);
// Per stage (each stage's own time, over the probes that reached it), then end to end
// over the complete probes.
std::vector<Summary> stage_summaries(const PathRun& run);
Summary end_to_end_summary(const PathRun& run);

// --- the gate: "p95=1s,p99=2s", a bound may name its path: "cdc.p95=2s" ---
struct GateBound {
  std::optional<Path> path;  // nullopt: every path measured
  std::string figure;        // "p50", "p95", "p99" or "max"
  double bound_ms = 0;
  std::string text;          // as written, for messages
};
// Throws nf::Error(usage) naming --gate and the accepted form.
std::vector<GateBound> parse_gate(const std::string& text);

struct Verdict {
  bool passed = true;
  std::vector<std::string> failures;  // one sentence each, naming path, figure and slowest stage
};
// Fails when a bound is exceeded (naming the slowest stage at that figure) and when any
// probe stopped short (naming the stage), gate or no gate: a probe that never became
// visible is a broken pipeline.
Verdict judge(const std::vector<PathRun>& runs, const std::vector<GateBound>& gate, int64_t timeout_ms);

struct Report {
  std::string api_url;
  int64_t timeout_ms = 0;
  std::vector<PathRun> runs;
  std::vector<GateBound> gate;
  Verdict verdict;
};

std::string render_text(const Report& report);
nlohmann::json render_json(const Report& report);

}  // namespace nf::latency
