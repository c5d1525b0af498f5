#include "core/latency/report.hpp"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "core/error/error.hpp"
#include "core/time/duration.hpp"

namespace nf::latency {

std::string_view path_name(Path path) { return path == Path::events ? "events" : "cdc"; }

const std::vector<std::string>& stage_names(Path path) {
  static const std::vector<std::string> events = {"api", "kafka", "clickhouse", "feed"};
  static const std::vector<std::string> cdc = {"postgres", "kafka", "clickhouse", "feed"};
  return path == Path::events ? events : cdc;
}

Summary summarize(std::vector<double> values) {
  Summary s;
  s.samples = values.size();
  if (values.empty()) return s;
  std::sort(values.begin(), values.end());
  // Nearest rank: the smallest value with at least q of the samples at or below it.
  const auto rank = [&](double q) {
    const auto n = static_cast<double>(values.size());
    const auto index = static_cast<size_t>(std::max(1.0, std::ceil(q * n))) - 1;
    return values[std::min(index, values.size() - 1)];
  };
  s.p50 = rank(0.50);
  s.p95 = rank(0.95);
  s.p99 = rank(0.99);
  s.max = values.back();
  return s;
}

std::vector<Summary> stage_summaries(const PathRun& run) {
  const size_t stages = stage_names(run.path).size();
  std::vector<Summary> out;
  for (size_t i = 0; i < stages; ++i) {
    std::vector<double> own;
    for (const auto& probe : run.probes)
      if (probe.reached_ms.size() > i)
        // Clocks are read by different threads (the Kafka watch, the polls): a stage seen
        // a hair before the one it follows counts as instant, never negative.
        own.push_back(std::max(0.0, probe.reached_ms[i] - (i ? probe.reached_ms[i - 1] : 0.0)));
    out.push_back(summarize(std::move(own)));
  }
  return out;
}

Summary end_to_end_summary(const PathRun& run) {
  std::vector<double> totals;
  for (const auto& probe : run.probes)
    if (probe.complete(run.path)) totals.push_back(probe.reached_ms.back());
  return summarize(std::move(totals));
}

namespace {

double figure_of(const Summary& s, const std::string& figure) {
  if (figure == "p50") return s.p50;
  if (figure == "p95") return s.p95;
  if (figure == "p99") return s.p99;
  return s.max;
}

std::string ms_text(double ms) {
  if (ms < 10) return fmt::format("{:.1f} ms", ms);
  if (ms < 1000) return fmt::format("{:.0f} ms", ms);
  return fmt::format("{:.2f} s", ms / 1000);
}

[[noreturn]] void bad_gate(const std::string& part, const std::string& why) {
  fail_usage("--gate: '" + part + "' " + why +
             "; write FIGURE=DURATION[,...] with FIGURE p50, p95, p99 or max, optionally after a path "
             "(events.p95=1s, cdc.p95=2s), e.g. --gate p95=1s,p99=2s");
}

size_t failed_count(const PathRun& run) {
  return static_cast<size_t>(std::count_if(run.probes.begin(), run.probes.end(),
                                           [&](const Probe& p) { return !p.complete(run.path); }));
}

}  // namespace

std::vector<GateBound> parse_gate(const std::string& text) {
  std::vector<GateBound> bounds;
  if (text.empty()) return bounds;
  size_t start = 0;
  while (start <= text.size()) {
    const size_t comma = std::min(text.find(',', start), text.size());
    const std::string part = text.substr(start, comma - start);
    start = comma + 1;
    const auto equals = part.find('=');
    if (part.empty() || equals == std::string::npos) bad_gate(part, "is not FIGURE=DURATION");
    GateBound bound;
    bound.text = part;
    std::string figure = part.substr(0, equals);
    if (const auto dot = figure.find('.'); dot != std::string::npos) {
      const std::string path = figure.substr(0, dot);
      if (path == "events") bound.path = Path::events;
      else if (path == "cdc") bound.path = Path::cdc;
      else bad_gate(part, "names path '" + path + "' (events or cdc)");
      figure = figure.substr(dot + 1);
    }
    if (figure != "p50" && figure != "p95" && figure != "p99" && figure != "max")
      bad_gate(part, "names figure '" + figure + "'");
    bound.figure = figure;
    const auto duration = time::parse_duration(part.substr(equals + 1), "--gate " + part);
    if (duration.count() <= 0) bad_gate(part, "has a bound that is not above zero");
    bound.bound_ms = static_cast<double>(duration.count());
    bounds.push_back(std::move(bound));
    if (comma == text.size()) break;
  }
  return bounds;
}

Verdict judge(const std::vector<PathRun>& runs, const std::vector<GateBound>& gate, int64_t timeout_ms) {
  Verdict verdict;
  for (const auto& run : runs) {
    const std::string path(path_name(run.path));
    const auto& names = stage_names(run.path);
    // Probes that never became visible, grouped by the stage they stopped at.
    std::vector<size_t> stopped(names.size(), 0);
    for (const auto& probe : run.probes)
      if (!probe.complete(run.path)) ++stopped[probe.reached_ms.size()];
    for (size_t i = 0; i < names.size(); ++i)
      if (stopped[i])
        verdict.failures.push_back(fmt::format(
            "{} path: {} of {} probes stopped at the {} stage (not done within {})", path, stopped[i],
            run.probes.size(), names[i], ms_text(static_cast<double>(timeout_ms))));
    const auto total = end_to_end_summary(run);
    const auto stages = stage_summaries(run);
    for (const auto& bound : gate) {
      if (bound.path && *bound.path != run.path) continue;
      if (total.samples == 0) continue;  // every probe failed: said above
      const double value = figure_of(total, bound.figure);
      if (value <= bound.bound_ms) continue;
      size_t slowest = 0;
      for (size_t i = 1; i < stages.size(); ++i)
        if (figure_of(stages[i], bound.figure) > figure_of(stages[slowest], bound.figure)) slowest = i;
      verdict.failures.push_back(fmt::format("{} path: {} {} exceeds the gate {} (slowest stage: {}, {} {})", path,
                                             bound.figure, ms_text(value), bound.text, names[slowest], bound.figure,
                                             ms_text(figure_of(stages[slowest], bound.figure))));
    }
  }
  verdict.passed = verdict.failures.empty();
  return verdict;
}

namespace {

std::string path_title(Path path) {
  return path == Path::events ? "events path: a like through the API until the liker's recomputed feed reflects it"
                              : "cdc path: a post INSERTed in PostgreSQL until the follower's feed holds it";
}

std::string summary_row(const std::string& name, const Summary& s) {
  if (s.samples == 0) return fmt::format("  {:<12} {:>10} {:>10} {:>10} {:>10} {:>8}\n", name, "-", "-", "-", "-", 0);
  return fmt::format("  {:<12} {:>10} {:>10} {:>10} {:>10} {:>8}\n", name, ms_text(s.p50), ms_text(s.p95),
                     ms_text(s.p99), ms_text(s.max), s.samples);
}

nlohmann::json summary_json(const Summary& s) {
  return {{"samples", s.samples}, {"p50_ms", s.p50}, {"p95_ms", s.p95}, {"p99_ms", s.p99}, {"max_ms", s.max}};
}

}  // namespace

std::string render_text(const Report& report) {
  std::string out;
  for (const auto& run : report.runs) {
    const auto& names = stage_names(run.path);
    out += fmt::format("{} ({} probes, {} failed)\n", path_title(run.path), run.probes.size(), failed_count(run));
    out += fmt::format("  {:<12} {:>10} {:>10} {:>10} {:>10} {:>8}\n", "stage", "p50", "p95", "p99", "max", "samples");
    const auto stages = stage_summaries(run);
    for (size_t i = 0; i < names.size(); ++i) out += summary_row(names[i], stages[i]);
    out += summary_row("end to end", end_to_end_summary(run));
    for (size_t i = 0; i < run.probes.size(); ++i) {
      const auto& probe = run.probes[i];
      if (probe.complete(run.path)) continue;
      out += fmt::format("  probe {} stopped at {}: {}\n", i + 1, probe.stopped_at, probe.why);
    }
    if (run.not_run) out += fmt::format("  {} probes not run: {}\n", run.not_run, run.not_run_why);
  }
  if (!report.gate.empty()) {
    std::string gate;
    for (const auto& bound : report.gate) gate += (gate.empty() ? "" : ",") + bound.text;
    out += "gate " + gate + ": " + (report.verdict.passed ? "passed" : "FAILED") + "\n";
  }
  for (const auto& failure : report.verdict.failures) out += "  " + failure + "\n";
  return out;
}

nlohmann::json render_json(const Report& report) {
  auto paths = nlohmann::json::array();
  for (const auto& run : report.runs) {
    const auto& names = stage_names(run.path);
    const auto stages = stage_summaries(run);
    auto stage_list = nlohmann::json::array();
    for (size_t i = 0; i < names.size(); ++i) {
      auto s = summary_json(stages[i]);
      s["stage"] = names[i];
      stage_list.push_back(std::move(s));
    }
    auto probes = nlohmann::json::array();
    for (const auto& probe : run.probes) {
      nlohmann::json p = {{"reached_ms", probe.reached_ms}};
      p["total_ms"] = probe.complete(run.path) ? nlohmann::json(probe.reached_ms.back()) : nlohmann::json(nullptr);
      p["stopped_at"] = probe.stopped_at.empty() ? nlohmann::json(nullptr) : nlohmann::json(probe.stopped_at);
      p["why"] = probe.why.empty() ? nlohmann::json(nullptr) : nlohmann::json(probe.why);
      probes.push_back(std::move(p));
    }
    paths.push_back({{"path", path_name(run.path)},
                     {"stages", std::move(stage_list)},
                     {"end_to_end", summary_json(end_to_end_summary(run))},
                     {"probes", std::move(probes)},
                     {"failed", failed_count(run)},
                     {"not_run", run.not_run}});
  }
  auto gate = nlohmann::json::array();
  for (const auto& bound : report.gate) gate.push_back(bound.text);
  return {{"api", report.api_url},       {"timeout_ms", report.timeout_ms}, {"paths", std::move(paths)},
          {"gate", std::move(gate)},     {"passed", report.verdict.passed}, {"failures", report.verdict.failures}};
}

}  // namespace nf::latency
