#include <catch2/catch.hpp>

#include <thread>
#include <vector>

#include "core/metrics/registry.hpp"

namespace m = nf::metrics;

TEST_CASE("metrics: a small registry renders the Prometheus 0.0.4 text exactly", "[metrics]") {
  m::Registry registry;
  auto& requests = registry.counter("test_requests_total", "requests \\ by\nroute", {"route", "code"});
  auto& up = registry.gauge("test_up", "1 when up");
  auto& seconds = registry.histogram("test_seconds", "durations", {0.25, 0.5, 1}, {"route"});

  requests.with({"/a", "200"}).add(3);
  requests.with({"/b\"x\\\n", "500"}).add();
  up.with({}).set(1);
  auto& a = seconds.with({"/a"});
  a.observe(0.125);
  a.observe(0.25);  // on a bound: counted in le="0.25"
  a.observe(0.75);
  a.observe(3);  // above every bound: only +Inf

  const std::string expected =
      "# HELP test_requests_total requests \\\\ by\\nroute\n"
      "# TYPE test_requests_total counter\n"
      "test_requests_total{route=\"/a\",code=\"200\"} 3\n"
      "test_requests_total{route=\"/b\\\"x\\\\\\n\",code=\"500\"} 1\n"
      "# HELP test_up 1 when up\n"
      "# TYPE test_up gauge\n"
      "test_up 1\n"
      "# HELP test_seconds durations\n"
      "# TYPE test_seconds histogram\n"
      "test_seconds_bucket{route=\"/a\",le=\"0.25\"} 2\n"
      "test_seconds_bucket{route=\"/a\",le=\"0.5\"} 2\n"
      "test_seconds_bucket{route=\"/a\",le=\"1\"} 3\n"
      "test_seconds_bucket{route=\"/a\",le=\"+Inf\"} 4\n"
      "test_seconds_sum{route=\"/a\"} 4.125\n"
      "test_seconds_count{route=\"/a\"} 4\n";
  CHECK(registry.render_prometheus() == expected);
}

TEST_CASE("metrics: histogram buckets are cumulative and _count equals +Inf", "[metrics]") {
  m::Histogram histogram({0.001, 0.01, 0.1});
  for (double value : {0.0005, 0.0005, 0.005, 0.05, 0.05, 0.05, 7.0}) histogram.observe(value);
  const auto snapshot = histogram.snapshot();
  CHECK(snapshot.counts == std::vector<uint64_t>{2, 1, 3, 1});  // per bucket
  CHECK(snapshot.count() == 7);
  CHECK(snapshot.sum == Approx(7.156).epsilon(1e-12));

  m::Registry registry;
  registry.histogram("h", "help", {0.001, 0.01, 0.1}).with({});
  auto& child = registry.histogram("h2", "help", {0.001, 0.01, 0.1}).with({});
  for (double value : {0.0005, 0.0005, 0.005, 0.05, 0.05, 0.05, 7.0}) child.observe(value);
  const auto text = registry.render_prometheus();
  CHECK_THAT(text, Catch::Contains("h_bucket{le=\"+Inf\"} 0\nh_sum 0\nh_count 0\n"));
  CHECK_THAT(text, Catch::Contains("h2_bucket{le=\"0.001\"} 2\n"
                                   "h2_bucket{le=\"0.01\"} 3\n"
                                   "h2_bucket{le=\"0.1\"} 6\n"
                                   "h2_bucket{le=\"+Inf\"} 7\n"));
  CHECK_THAT(text, Catch::Contains("h2_count 7\n"));
}

TEST_CASE("metrics: p95 is interpolated within its bucket as histogram_quantile does", "[metrics]") {
  m::Histogram histogram({0.0005, 0.001, 0.0025, 0.005, 0.01});
  for (int i = 0; i < 90; ++i) histogram.observe(0.0008);  // (0.0005, 0.001]
  for (int i = 0; i < 10; ++i) histogram.observe(0.004);   // (0.0025, 0.005]
  // rank 0.95 * 100 = 95: cumulative 90 up to 0.0025, 100 at 0.005, so
  // 0.0025 + (0.005 - 0.0025) * (95 - 90) / 10 = 0.00375.
  const auto p95 = histogram.snapshot().quantile(0.95);
  REQUIRE(p95.has_value());
  CHECK(*p95 == Approx(0.00375).epsilon(1e-12));
  // rank 50 falls in (0.0005, 0.001]: 0.0005 + 0.0005 * 50 / 90.
  CHECK(*histogram.snapshot().quantile(0.5) == Approx(0.0005 + 0.0005 * 50.0 / 90.0).epsilon(1e-12));

  m::Histogram slow({0.1, 1});
  slow.observe(30);  // beyond the last bound: the estimate is that bound
  CHECK(*slow.snapshot().quantile(0.95) == 1.0);
  CHECK_FALSE(m::Histogram({0.1}).snapshot().quantile(0.95).has_value());
}

TEST_CASE("metrics: concurrent increments from 4 threads sum exactly", "[metrics]") {
  m::Registry registry;
  auto& family = registry.counter("c_total", "help", {"k"});
  auto& histogram = registry.histogram("d", "help", {0.5}).with({});
  constexpr int kPerThread = 100'000;
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        family.with({"shared"}).add();
        family.with({"thread" + std::to_string(t % 2)}).add();  // children made while others update
        histogram.observe(i % 2 == 0 ? 0.25 : 1.0);
      }
    });
  for (auto& thread : threads) thread.join();
  CHECK(family.with({"shared"}).value() == 4 * kPerThread);
  CHECK(family.with({"thread0"}).value() == 2 * kPerThread);
  CHECK(family.with({"thread1"}).value() == 2 * kPerThread);
  const auto snapshot = histogram.snapshot();
  CHECK(snapshot.counts == std::vector<uint64_t>{2 * kPerThread, 2 * kPerThread});
  CHECK(snapshot.sum == 4.0 * kPerThread / 2 * 0.25 + 4.0 * kPerThread / 2 * 1.0);  // exact in binary
}

TEST_CASE("metrics: a metric name declared twice or bad bounds are programming errors", "[metrics]") {
  m::Registry registry;
  registry.counter("x_total", "help");
  CHECK_THROWS_AS(registry.gauge("x_total", "help"), std::logic_error);
  CHECK_THROWS_AS(registry.histogram("y", "help", {1.0, 0.5}), std::logic_error);
}

TEST_CASE("metrics: values are formatted as Prometheus reads them", "[metrics]") {
  CHECK(m::format_value(0.0005) == "0.0005");
  CHECK(m::format_value(5) == "5");
  CHECK(m::format_value(4.125) == "4.125");
  CHECK(m::format_value(0) == "0");
  CHECK(m::format_value(1e-9) == "1e-09");
  CHECK(m::format_value(1.0 / 0.0) == "+Inf");
  CHECK(m::format_value(-1.0 / 0.0) == "-Inf");
  CHECK(m::escape_label_value("a\"b\\c\nd") == "a\\\"b\\\\c\\nd");
}
