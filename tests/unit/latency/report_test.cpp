// novafeed latency's judging and rendering, from hand-built probes (no stack).
#include <catch2/catch.hpp>

#include "core/error/error.hpp"
#include "core/latency/report.hpp"

using namespace nf::latency;

namespace {

Probe complete(std::vector<double> reached) { return Probe{std::move(reached), "", ""}; }

Probe stopped(std::vector<double> reached, std::string stage) { return Probe{std::move(reached), std::move(stage), "why"}; }

}  // namespace

TEST_CASE("latency summaries are nearest-rank percentiles") {
  std::vector<double> values;
  for (int i = 1; i <= 20; ++i) values.push_back(i * 10.0);
  const auto s = summarize(values);
  CHECK(s.samples == 20);
  CHECK(s.p50 == 100.0);  // the 10th of 20
  CHECK(s.p95 == 190.0);  // the 19th
  CHECK(s.p99 == 200.0);
  CHECK(s.max == 200.0);
  CHECK(summarize({}).samples == 0);
  CHECK(summarize({7.0}).p95 == 7.0);
}

TEST_CASE("latency stage times are each stage's own share, never negative") {
  PathRun run{Path::events, {complete({5, 40, 300, 320}), complete({5, 30, 20, 400}), stopped({6, 50}, "clickhouse")}, 0, ""};
  const auto stages = stage_summaries(run);
  REQUIRE(stages.size() == 4);
  CHECK(stages[0].samples == 3);    // api reached by all three
  CHECK(stages[1].samples == 3);
  CHECK(stages[2].samples == 2);    // clickhouse by two
  CHECK(stages[2].max == 260.0);    // 300 - 40
  CHECK(stages[2].p50 == 0.0);      // 20 - 30 counts as instant
  const auto total = end_to_end_summary(run);
  CHECK(total.samples == 2);
  CHECK(total.max == 400.0);
}

TEST_CASE("latency --gate takes figures, paths and durations, and refuses the rest") {
  const auto gate = parse_gate("p95=1s,cdc.p99=2500ms,events.max=3s");
  REQUIRE(gate.size() == 3);
  CHECK(!gate[0].path);
  CHECK(gate[0].figure == "p95");
  CHECK(gate[0].bound_ms == 1000.0);
  CHECK(gate[1].path == Path::cdc);
  CHECK(gate[1].bound_ms == 2500.0);
  CHECK(gate[2].path == Path::events);
  CHECK(gate[2].figure == "max");
  CHECK(parse_gate("").empty());
  for (const char* bad : {"p97=1s", "p95", "p95=", "kafka.p95=1s", "p95=1s,", "p95=0s", "p95=soon"}) {
    INFO(bad);
    CHECK_THROWS_AS(parse_gate(bad), nf::Error);
  }
  try {
    parse_gate("p97=1s");
  } catch (const nf::Error& e) {
    CHECK(e.code() == nf::ExitCode::usage);
    CHECK_THAT(e.what(), Catch::Contains("p50, p95, p99 or max"));
  }
}

TEST_CASE("latency judging: a bound exceeded names the path, the figure and the slowest stage") {
  std::vector<Probe> probes;
  for (int i = 0; i < 20; ++i) probes.push_back(complete({5, 30, 30 + (i == 19 ? 1500.0 : 100.0), 40 + (i == 19 ? 1600.0 : 150.0)}));
  const std::vector<PathRun> runs{{Path::events, probes, 0, ""}};
  const auto passed = judge(runs, parse_gate("p95=1s"), 30000);
  CHECK(passed.passed);
  const auto failed = judge(runs, parse_gate("p99=1s"), 30000);
  REQUIRE_FALSE(failed.passed);
  REQUIRE(failed.failures.size() == 1);
  CHECK_THAT(failed.failures[0], Catch::Contains("events path: p99 1.64 s exceeds the gate p99=1s"));
  CHECK_THAT(failed.failures[0], Catch::Contains("slowest stage: clickhouse"));
  // A bound for the other path does not apply.
  CHECK(judge(runs, parse_gate("cdc.p99=1s"), 30000).passed);
}

TEST_CASE("latency judging: a probe that stopped short fails the run, gate or no gate, naming its stage") {
  const std::vector<PathRun> runs{{Path::cdc, {complete({2, 300, 400, 500}), stopped({2}, "kafka"), stopped({2}, "kafka")}, 0, ""}};
  const auto verdict = judge(runs, {}, 5000);
  REQUIRE_FALSE(verdict.passed);
  REQUIRE(verdict.failures.size() == 1);
  CHECK_THAT(verdict.failures[0], Catch::Contains("cdc path: 2 of 3 probes stopped at the kafka stage"));
  CHECK_THAT(verdict.failures[0], Catch::Contains("5.00 s"));
}

TEST_CASE("latency reports: every stage and the end to end in text, every probe in JSON") {
  Report report;
  report.api_url = "http://127.0.0.1:8080";
  report.timeout_ms = 30000;
  report.runs = {{Path::events, {complete({4, 20, 300, 350}), stopped({4, 20}, "clickhouse")}, 0, ""}};
  report.gate = parse_gate("p95=1s");
  report.verdict = judge(report.runs, report.gate, report.timeout_ms);
  const auto text = render_text(report);
  for (const char* row : {"api", "kafka", "clickhouse", "feed", "end to end", "probe 2 stopped at clickhouse: why",
                          "gate p95=1s: FAILED"}) {
    INFO(row);
    CHECK_THAT(text, Catch::Contains(row));
  }
  const auto json = render_json(report);
  CHECK(json["paths"][0]["path"] == "events");
  CHECK(json["paths"][0]["stages"].size() == 4);
  CHECK(json["paths"][0]["stages"][2]["stage"] == "clickhouse");
  CHECK(json["paths"][0]["end_to_end"]["p95_ms"] == 350.0);
  CHECK(json["paths"][0]["probes"][1]["stopped_at"] == "clickhouse");
  CHECK(json["paths"][0]["probes"][1]["total_ms"].is_null());
  CHECK(json["paths"][0]["failed"] == 1);
  CHECK(json["passed"] == false);
}

