#include <catch2/catch.hpp>

#include <algorithm>
#include <atomic>
#include <thread>
#include <vector>

#include "core/events/parse.hpp"
#include "core/metrics/daily_figures.hpp"
#include "core/metrics/serve_metrics.hpp"

namespace m = nf::metrics;

namespace {

// 2027-01-15T08:00:00Z and the last millisecond of that UTC day.
constexpr int64_t kMorning = 1'800'000'000'000;
constexpr int64_t kLastMsOfDay = 1'800'057'599'999;  // 2027-01-15T23:59:59.999Z

}  // namespace

TEST_CASE("metrics: serve figures render with their names and labels", "[metrics]") {
  std::atomic<int64_t> now{kMorning};
  m::ServeMetrics metrics(m::serve_routes(), [&now] { return now.load(); });
  metrics.record_request("/api/v1/feed", 200, 0.003);
  metrics.record_request("/api/v1/feed", 200, 0.004);
  metrics.record_request("/wp-admin/../../etc/passwd", 404, 0.0001);  // unknown route → other
  metrics.record_request("/api/v1/events", 999, 0.01);                 // out-of-range status → other
  metrics.record_feed("ranked", true, false);
  metrics.record_feed("timeline", false, true);
  metrics.record_events(5, 2);
  metrics.record_rejected("invalid_ts");
  metrics.record_events_unavailable();
  metrics.set_breaker_open(true);
  metrics.set_redis_up(true);
  metrics.set_kafka_up(false);
  metrics.set_extra_text([] { return std::string("# TYPE novafeed_ingest_consumed_total counter\nnovafeed_ingest_consumed_total 9\n"); });

  const auto text = metrics.render_prometheus();
  CHECK_THAT(text, Catch::Contains("novafeed_http_requests_total{route=\"/api/v1/feed\",code=\"200\"} 2\n"));
  CHECK_THAT(text, Catch::Contains("novafeed_http_requests_total{route=\"other\",code=\"404\"} 1\n"));
  CHECK_THAT(text, Catch::Contains("novafeed_http_requests_total{route=\"/api/v1/events\",code=\"other\"} 1\n"));
  CHECK_THAT(text, !Catch::Contains("passwd"));
  CHECK_THAT(text, Catch::Contains("# TYPE novafeed_http_request_duration_seconds histogram\n"));
  CHECK_THAT(text, Catch::Contains("novafeed_http_request_duration_seconds_bucket{route=\"/api/v1/feed\",le=\"0.0005\"} 0\n"));
  CHECK_THAT(text, Catch::Contains("novafeed_http_request_duration_seconds_bucket{route=\"/api/v1/feed\",le=\"0.005\"} 2\n"));
  CHECK_THAT(text, Catch::Contains("novafeed_http_request_duration_seconds_bucket{route=\"/api/v1/feed\",le=\"5\"} 2\n"));
  CHECK_THAT(text, Catch::Contains("novafeed_http_request_duration_seconds_count{route=\"/api/v1/feed\"} 2\n"));
  CHECK_THAT(text, Catch::Contains("novafeed_feed_requests_total{algo=\"ranked\",cached=\"true\"} 1\n"));
  CHECK_THAT(text, Catch::Contains("novafeed_feed_requests_total{algo=\"ranked\",cached=\"false\"} 0\n"));
  CHECK_THAT(text, Catch::Contains("novafeed_feed_requests_total{algo=\"timeline\",cached=\"false\"} 1\n"));
  CHECK_THAT(text, Catch::Contains("novafeed_feed_fallbacks_total 1\n"));
  CHECK_THAT(text, Catch::Contains("novafeed_events_accepted_total 5\n"));
  CHECK_THAT(text, Catch::Contains("novafeed_events_duplicates_total 2\n"));
  CHECK_THAT(text, Catch::Contains("novafeed_events_rejected_total{reason=\"invalid_ts\"} 1\n"));
  CHECK_THAT(text, Catch::Contains("novafeed_events_unavailable_total 1\n"));
  CHECK_THAT(text, Catch::Contains("novafeed_clickhouse_breaker_open 1\n"));
  CHECK_THAT(text, Catch::Contains("novafeed_redis_up 1\n"));
  CHECK_THAT(text, Catch::Contains("novafeed_kafka_up 0\n"));
  CHECK_THAT(text, Catch::EndsWith("novafeed_ingest_consumed_total 9\n"));
}

TEST_CASE("metrics: today's figures count the day and estimate the feed p95", "[metrics]") {
  std::atomic<int64_t> now{kMorning};
  m::ServeMetrics metrics(m::serve_routes(), [&now] { return now.load(); });
  // 20 feed requests: 19 at 2 ms, 1 at 40 ms; 3 other requests that do not count for p95.
  for (int i = 0; i < 19; ++i) metrics.record_request("/api/v1/feed", 200, 0.002);
  metrics.record_request("/api/v1/feed", 200, 0.040);
  for (int i = 0; i < 3; ++i) metrics.record_request("/metrics", 200, 4.0);
  for (int i = 0; i < 15; ++i) metrics.record_feed("ranked", true, false);
  for (int i = 0; i < 4; ++i) metrics.record_feed("ranked", false, false);
  metrics.record_feed("timeline", false, true);
  metrics.record_events(7, 1);

  const auto today = metrics.today_json(kMorning);
  CHECK(today["date"] == "2027-01-15");
  CHECK(today["requests"] == 23);
  CHECK(today["feed_requests"] == 20);
  CHECK(today["cache_hits"] == 15);
  CHECK(today["cache_hit_rate"].get<double>() == Approx(0.75));
  CHECK(today["fallback_rate"].get<double>() == Approx(0.05));
  CHECK(today["events_accepted"] == 7);
  // rank 0.95 * 20 = 19: the 19 fast ones fill (0.001, 0.0025], so the p95 is that
  // bucket's upper edge: 0.001 + 0.0015 * 19 / 19 = 0.0025 s.
  CHECK(today["p95_ms"].get<double>() == Approx(2.5).epsilon(1e-12));
}

TEST_CASE("metrics: today's figures reset at UTC midnight, not before", "[metrics]") {
  m::DailyFigures figures(m::request_duration_bounds());
  figures.record_request(kMorning, true, 0.01);
  figures.record_feed(kMorning, true, false);
  figures.record_events_accepted(kMorning, 3);
  figures.record_request(kLastMsOfDay, false, 0.01);  // still the same day
  auto today = figures.today_json(kLastMsOfDay);
  CHECK(today["date"] == "2027-01-15");
  CHECK(today["requests"] == 2);
  CHECK(today["events_accepted"] == 3);

  // One millisecond later it is the 16th: everything starts from zero.
  today = figures.today_json(kLastMsOfDay + 1);
  CHECK(today["date"] == "2027-01-16");
  CHECK(today["requests"] == 0);
  CHECK(today["feed_requests"] == 0);
  CHECK(today["cache_hits"] == 0);
  CHECK(today["events_accepted"] == 0);
  CHECK(today["cache_hit_rate"].is_null());
  CHECK(today["fallback_rate"].is_null());
  CHECK(today["p95_ms"].is_null());

  figures.record_request(kLastMsOfDay + 5, true, 0.002);
  // A reader with an older clock does not move the day back nor reset again.
  today = figures.today_json(kLastMsOfDay);
  CHECK(today["date"] == "2027-01-16");
  CHECK(today["requests"] == 1);
}

TEST_CASE("metrics: the last hour slides by the minute and survives midnight", "[metrics]") {
  m::DailyFigures figures(m::request_duration_bounds());
  const int64_t t0 = kLastMsOfDay - 30 * 60'000;  // 23:29:59.999
  figures.record_feed(t0, true, false);
  figures.record_feed(t0 + 1, false, false);
  figures.record_feed(kLastMsOfDay + 1, true, false);  // 00:00 the next day
  auto hour = figures.today_json(kLastMsOfDay + 1)["last_hour"];
  CHECK(hour["feed_requests"] == 3);
  CHECK(hour["cache_hits"] == 2);
  CHECK(hour["cache_hit_rate"].get<double>() == Approx(2.0 / 3));
  // 61 minutes after t0's minute began, its two requests have left the window.
  hour = figures.today_json(t0 + 61 * 60'000)["last_hour"];
  CHECK(hour["feed_requests"] == 1);
  CHECK(hour["cache_hits"] == 1);
  // t0's bucket is reused an hour later: its hit is gone, the new minute's miss counts
  // (beside 23:30's miss and 00:00's hit, still inside the hour).
  figures.record_feed(t0 + 60 * 60'000, false, false);
  hour = figures.today_json(t0 + 60 * 60'000)["last_hour"];
  CHECK(hour["feed_requests"] == 3);
  CHECK(hour["cache_hits"] == 1);
  CHECK(m::DailyFigures(m::request_duration_bounds()).today_json(t0)["last_hour"]["cache_hit_rate"].is_null());
}

TEST_CASE("metrics: utc dates", "[metrics]") {
  CHECK(m::utc_date(m::utc_day(0)) == "1970-01-01");
  CHECK(m::utc_date(m::utc_day(kMorning)) == "2027-01-15");
  CHECK(m::utc_date(m::utc_day(1'803'859'200'000)) == "2027-03-01");  // after a non-leap February
  CHECK(m::utc_date(m::utc_day(1'803'859'199'999)) == "2027-02-28");
}

TEST_CASE("metrics: serve counters from 4 threads sum exactly", "[metrics]") {
  m::ServeMetrics metrics(m::serve_routes(), [] { return kMorning; });
  constexpr int kPerThread = 50'000;
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&] {
      for (int i = 0; i < kPerThread; ++i) {
        metrics.record_request("/api/v1/feed", 200, 0.001);
        metrics.record_feed("ranked", i % 2 == 0, false);
      }
    });
  for (auto& thread : threads) thread.join();
  const auto text = metrics.render_prometheus();
  CHECK_THAT(text, Catch::Contains("novafeed_http_requests_total{route=\"/api/v1/feed\",code=\"200\"} 200000\n"));
  CHECK_THAT(text, Catch::Contains("novafeed_http_request_duration_seconds_count{route=\"/api/v1/feed\"} 200000\n"));
  CHECK_THAT(text, Catch::Contains("novafeed_feed_requests_total{algo=\"ranked\",cached=\"true\"} 100000\n"));
  const auto today = metrics.today_json(kMorning);
  CHECK(today["requests"] == 4 * kPerThread);
  CHECK(today["cache_hits"] == 2 * kPerThread);
}

TEST_CASE("metrics: a status's counter first used by 4 threads at once counts every request once", "[metrics]") {
  m::ServeMetrics metrics(m::serve_routes(), [] { return kMorning; });
  constexpr int kPerThread = 20'000;
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&] {
      for (int i = 0; i < kPerThread; ++i) {
        metrics.record_request("/api/v1/events", i % 2 ? 202 : 429, 0.001);  // no counter before the first
        metrics.record_request("/nowhere", 1000, 0.001);                     // other route, other code
        metrics.record_feed("other", false, false);
      }
    });
  for (auto& thread : threads) thread.join();
  const auto text = metrics.render_prometheus();
  CHECK_THAT(text, Catch::Contains("novafeed_http_requests_total{route=\"/api/v1/events\",code=\"202\"} 40000\n"));
  CHECK_THAT(text, Catch::Contains("novafeed_http_requests_total{route=\"/api/v1/events\",code=\"429\"} 40000\n"));
  CHECK_THAT(text, Catch::Contains("novafeed_http_requests_total{route=\"other\",code=\"other\"} 80000\n"));
  CHECK_THAT(text, Catch::Contains("novafeed_feed_requests_total{algo=\"other\",cached=\"false\"} 80000\n"));
}

TEST_CASE("metrics: every series a dashboard plots exists from the start, at 0", "[metrics]") {
  m::ServeMetrics metrics(m::serve_routes(), [] { return kMorning; });
  const auto text = metrics.render_prometheus();
  for (const char* source : {"follow", "trending", "affinity"}) {
    INFO(source);
    CHECK_THAT(text, Catch::Contains("novafeed_feed_items_served_total{source=\"" + std::string(source) + "\"} 0\n"));
    CHECK_THAT(text, Catch::Contains("novafeed_feed_dwell_seconds_count{source=\"" + std::string(source) + "\"} 0\n"));
    for (const char* action : {"impression", "view", "like", "comment", "share"})
      CHECK_THAT(text, Catch::Contains("novafeed_feed_source_events_total{source=\"" + std::string(source) +
                                       "\",action=\"" + action + "\"} 0\n"));
  }
  for (const char* algo : {"ranked", "timeline"})
    for (const char* cached : {"false", "true"})
      CHECK_THAT(text, Catch::Contains("novafeed_feed_request_duration_seconds_count{algo=\"" + std::string(algo) +
                                       "\",cached=\"" + cached + "\"} 0\n"));
  for (const auto reason : nf::events::rejection_reasons())
    CHECK_THAT(text, Catch::Contains("novafeed_events_rejected_total{reason=\"" + std::string(reason) + "\"} 0\n"));
  CHECK_THAT(text, Catch::Contains("novafeed_events_rejected_total{reason=\"other\"} 0\n"));
  for (const char* dependency : {"clickhouse", "postgres", "redis", "kafka"}) {
    CHECK_THAT(text, Catch::Contains("novafeed_dependency_errors_total{dependency=\"" + std::string(dependency) + "\"}"));
    CHECK_THAT(text, Catch::Contains("novafeed_dependency_request_duration_seconds_count{dependency=\"" +
                                     std::string(dependency) + "\"}"));
  }
}

TEST_CASE("metrics: ranking quality counts served items, events on them by source, and dwell of views", "[metrics]") {
  m::ServeMetrics metrics(m::serve_routes(), [] { return kMorning; });
  metrics.record_served_items(3, 1, 0);
  metrics.record_served_items(1, 0, 2);
  metrics.record_source_event("trending", "impression", 0);
  metrics.record_source_event("trending", "like", 0);
  metrics.record_source_event("affinity", "view", 4500);  // 4.5 s: in le="5", not in le="3"
  metrics.record_source_event("editorial", "like", 0);    // not a source: not counted
  metrics.record_source_event("follow", "poke", 0);       // not an action: not counted
  metrics.record_feed_duration("ranked", false, 0.02);
  metrics.record_feed_duration("timeline", false, 0.2);
  metrics.record_rejected("invalid_post_id", 2);
  metrics.record_rejected("no_such_reason");  // → other

  const auto text = metrics.render_prometheus();
  CHECK_THAT(text, Catch::Contains("novafeed_feed_items_served_total{source=\"follow\"} 4\n"));
  CHECK_THAT(text, Catch::Contains("novafeed_feed_items_served_total{source=\"trending\"} 1\n"));
  CHECK_THAT(text, Catch::Contains("novafeed_feed_items_served_total{source=\"affinity\"} 2\n"));
  CHECK_THAT(text, Catch::Contains("novafeed_feed_source_events_total{source=\"trending\",action=\"impression\"} 1\n"));
  CHECK_THAT(text, Catch::Contains("novafeed_feed_source_events_total{source=\"trending\",action=\"like\"} 1\n"));
  CHECK_THAT(text, Catch::Contains("novafeed_feed_source_events_total{source=\"affinity\",action=\"view\"} 1\n"));
  CHECK_THAT(text, !Catch::Contains("editorial"));
  CHECK_THAT(text, !Catch::Contains("poke"));
  CHECK_THAT(text, Catch::Contains("novafeed_feed_dwell_seconds_bucket{source=\"affinity\",le=\"3\"} 0\n"));
  CHECK_THAT(text, Catch::Contains("novafeed_feed_dwell_seconds_bucket{source=\"affinity\",le=\"5\"} 1\n"));
  CHECK_THAT(text, Catch::Contains("novafeed_feed_dwell_seconds_sum{source=\"affinity\"} 4.5\n"));
  CHECK_THAT(text, Catch::Contains("novafeed_feed_request_duration_seconds_count{algo=\"ranked\",cached=\"false\"} 1\n"));
  CHECK_THAT(text, Catch::Contains("novafeed_feed_request_duration_seconds_count{algo=\"timeline\",cached=\"false\"} 1\n"));
  CHECK_THAT(text, Catch::Contains("novafeed_events_rejected_total{reason=\"invalid_post_id\"} 2\n"));
  CHECK_THAT(text, Catch::Contains("novafeed_events_rejected_total{reason=\"other\"} 1\n"));
}

TEST_CASE("metrics: an event's rejection maps to a bounded reason", "[metrics]") {
  CHECK(nf::events::rejection_reason("event_id: empty") == "invalid_event_id");
  CHECK(nf::events::rejection_reason("post_id: expected a positive integer up to 2^63-1, got -1") == "invalid_post_id");
  CHECK(nf::events::rejection_reason("action: \"poke\" is not one of impression, view, like, comment, share") ==
        "invalid_action");
  CHECK(nf::events::rejection_reason("ts: 1 is more than 2592000 s in the past") == "invalid_ts");
  CHECK(nf::events::rejection_reason("dwell_ms: expected an integer") == "invalid_dwell_ms");
  CHECK(nf::events::rejection_reason("user_id: 7 differs from the token's user 8") == "user_mismatch");
  CHECK(nf::events::rejection_reason("expected an event object, got a string") == "invalid_event");
  // Every word it returns is in the declared set (each a series from the start).
  const auto& reasons = nf::events::rejection_reasons();
  for (const char* error : {"event_id: x", "post_id: x", "action: x", "ts: x", "dwell_ms: x", "user_id: x", "x"})
    CHECK(std::find(reasons.begin(), reasons.end(), nf::events::rejection_reason(error)) != reasons.end());
}
