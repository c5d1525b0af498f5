#include <catch2/catch.hpp>

#include "core/ingest/metrics.hpp"
#include "core/jobs/catalog.hpp"
#include "core/jobs/metrics.hpp"
#include "core/metrics/instruments.hpp"

namespace {

nf::ingest::MetricsSnapshot sample_snapshot() {
  nf::ingest::IngestMetrics metrics;
  metrics.update([](nf::ingest::MetricsSnapshot& m) {
    m.consumed = 12;
    m.inserted_rows = {{"events", 10}, {"posts", 2}};
    m.lag = {{"cdc.posts/0", 0}, {"events/5", 7}};
    m.lag_seconds = {{"cdc.posts", 0.0}, {"events", 2.5}};
    m.cdc_event_age.observe(0.3);
    m.cdc_event_age.observe(1.5);
    m.cdc = nf::ingest::CdcState{true, 4096, false, true};
  });
  metrics.record_dead_letters("events.dlq", 2);
  metrics.record_dead_letters("cdc.dlq", 1);
  metrics.record_insert("events", 10, std::chrono::milliseconds(30));
  return metrics.snapshot();
}

}  // namespace

TEST_CASE("metrics: the ingest's families render per topic, partition, table and dead-letter topic", "[metrics]") {
  const auto snapshot = sample_snapshot();
  CHECK(snapshot.dead_lettered == 3);
  const auto text = nf::ingest::render_prometheus(snapshot);
  CHECK_THAT(text, Catch::Contains("novafeed_ingest_consumed_total 12\n"));
  CHECK_THAT(text, Catch::Contains("novafeed_ingest_inserted_rows_total{table=\"events\"} 20\n"));
  CHECK_THAT(text, Catch::Contains("novafeed_ingest_dead_lettered_total{dlq_topic=\"events.dlq\"} 2\n"));
  CHECK_THAT(text, Catch::Contains("novafeed_ingest_dead_lettered_total{dlq_topic=\"cdc.dlq\"} 1\n"));
  CHECK_THAT(text, Catch::Contains("novafeed_ingest_lag_messages{topic=\"events\",partition=\"5\"} 7\n"));
  CHECK_THAT(text, Catch::Contains("novafeed_ingest_lag_messages{topic=\"cdc.posts\",partition=\"0\"} 0\n"));
  CHECK_THAT(text, Catch::Contains("novafeed_ingest_lag_seconds{topic=\"events\"} 2.5\n"));
  CHECK_THAT(text, Catch::Contains("novafeed_ingest_insert_duration_seconds_bucket{le=\"0.05\"} 1\n"));
  CHECK_THAT(text, Catch::Contains("novafeed_ingest_insert_duration_seconds_count 1\n"));
  CHECK_THAT(text, Catch::Contains("novafeed_cdc_event_age_seconds_bucket{le=\"0.25\"} 0\n"));
  CHECK_THAT(text, Catch::Contains("novafeed_cdc_event_age_seconds_bucket{le=\"0.5\"} 1\n"));
  CHECK_THAT(text, Catch::Contains("novafeed_cdc_event_age_seconds_bucket{le=\"+Inf\"} 2\n"));
  CHECK_THAT(text, Catch::Contains("novafeed_cdc_event_age_seconds_count 2\n"));
  CHECK_THAT(text, Catch::Contains("novafeed_cdc_slot_active 1\n"));
  CHECK_THAT(text, Catch::Contains("novafeed_cdc_slot_retained_wal_bytes 4096\n"));
  CHECK_THAT(text, Catch::Contains("novafeed_cdc_slot_stalled 0\n"));
  CHECK_THAT(text, Catch::Contains("novafeed_cdc_connector_running 1\n"));
  CHECK_THAT(text, Catch::Contains("# TYPE novafeed_cdc_event_age_seconds histogram\n"));
}

TEST_CASE("metrics: before the CDC probe's first look the ingest renders no cdc gauges", "[metrics]") {
  const auto text = nf::ingest::render_prometheus(nf::ingest::MetricsSnapshot{});
  CHECK_THAT(text, !Catch::Contains("novafeed_cdc_slot_active"));
  CHECK_THAT(text, Catch::Contains("novafeed_cdc_event_age_seconds_count 0\n"));
}

TEST_CASE("metrics: a lock-kept histogram counts like the atomic one", "[metrics]") {
  auto snapshot = nf::metrics::HistogramSnapshot::empty({1, 2});
  snapshot.observe(1);    // on a bound: le="1"
  snapshot.observe(1.5);  // le="2"
  snapshot.observe(9);    // +Inf
  CHECK(snapshot.counts == std::vector<uint64_t>{1, 1, 1});
  CHECK(snapshot.count() == 3);
  CHECK(snapshot.sum == Approx(11.5));
}

TEST_CASE("metrics: the jobs' families carry each job's interval", "[metrics]") {
  nf::jobs::JobMetrics metrics;
  metrics.set_interval("hot-posts", 60);
  const auto text = metrics.render_prometheus();
  CHECK_THAT(text, Catch::Contains("novafeed_job_interval_seconds{job=\"hot-posts\"} 60\n"));
  for (const auto& spec : nf::jobs::job_specs())
    CHECK_THAT(text, Catch::Contains("novafeed_job_interval_seconds{job=\"" + std::string(spec.name) + "\"}"));
}

TEST_CASE("metrics: the ingest's lag in time is the oldest last-consumed message of a partition that is behind",
          "[metrics]") {
  nf::ingest::MetricsSnapshot m;
  const int64_t now = 1'800'000'100'000;
  nf::ingest::set_lag(m, {"events", "cdc.posts", "cdc.likes"},
                      {
                          {"events", 0, 5, now - 2'000},        // behind, last consumed 2 s ago
                          {"events", 1, 9, now - 7'500},        // behind, 7.5 s ago: the topic's figure
                          {"events", 2, 0, now - 60'000},       // caught up: an old message does not count
                          {"cdc.posts", 0, 0, now - 90'000},    // caught up
                          {"cdc.likes", 0, 3, std::nullopt},    // behind but nothing consumed yet: unknown, 0
                      },
                      now);
  CHECK(m.lag_seconds.at("events") == Approx(7.5));
  CHECK(m.lag_seconds.at("cdc.posts") == 0);
  CHECK(m.lag_seconds.at("cdc.likes") == 0);
  CHECK(m.lag.at("events/1") == 9);
  CHECK(m.lag.at("cdc.posts/0") == 0);
  CHECK(m.lag.size() == 5);
  // A revoked partition leaves the figures at the next refresh.
  nf::ingest::set_lag(m, {"events"}, {{"events", 0, 0, now}}, now);
  CHECK(m.lag.size() == 1);
  CHECK(m.lag_seconds.at("events") == 0);
}
