#include "core/ingest/metrics.hpp"

#include <spdlog/fmt/fmt.h>

#include "core/metrics/registry.hpp"

namespace nf::ingest {

const std::vector<double>& cdc_age_bounds() {
  static const std::vector<double> bounds = {0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 120, 300, 600};
  return bounds;
}

MetricsSnapshot IngestMetrics::snapshot() const {
  std::lock_guard lock(mutex_);
  return data_;
}

void IngestMetrics::record_insert(const std::string& table, size_t rows, std::chrono::duration<double> latency) {
  std::lock_guard lock(mutex_);
  data_.inserted_rows[table] += rows;
  const double seconds = latency.count();
  size_t bucket = 0;
  while (bucket < MetricsSnapshot::kLatencyBounds.size() && seconds > MetricsSnapshot::kLatencyBounds[bucket]) ++bucket;
  ++data_.insert_latency_buckets[bucket];
  ++data_.inserts;
  data_.insert_seconds_sum += seconds;
  data_.insert_seconds_max = std::max(data_.insert_seconds_max, seconds);
}

void IngestMetrics::record_dead_letters(const std::string& dlq_topic, size_t letters) {
  std::lock_guard lock(mutex_);
  data_.dead_lettered += letters;
  data_.dead_lettered_by_topic[dlq_topic] += letters;
}

void set_lag(MetricsSnapshot& m, const std::vector<std::string>& topics, const std::vector<PartitionPosition>& positions,
             int64_t now_ms) {
  m.lag.clear();
  m.lag_seconds.clear();
  for (const auto& topic : topics) m.lag_seconds[topic] = 0.0;
  for (const auto& p : positions) {
    m.lag[p.topic + "/" + std::to_string(p.partition)] = p.behind;
    if (p.behind <= 0 || !p.last_timestamp_ms) continue;
    auto& seconds = m.lag_seconds[p.topic];
    seconds = std::max(seconds, std::max(0.0, static_cast<double>(now_ms - *p.last_timestamp_ms) / 1000.0));
  }
}

std::string render_prometheus(const MetricsSnapshot& m) {
  using metrics::append_header, metrics::append_sample;
  std::string out;
  const auto counter = [&](const char* name, const char* help, uint64_t value) {
    append_header(out, name, help, "counter");
    append_sample(out, name, {}, static_cast<double>(value));
  };
  const auto gauge = [&](const char* name, const char* help, double value) {
    append_header(out, name, help, "gauge");
    append_sample(out, name, {}, value);
  };
  gauge("novafeed_ingest_consuming",
        "1 while the ingest's consumer loop runs; 0 while it starts, retries after an error or is fenced "
        "(serve --with-ingest keeps answering without it: /readyz says why)",
        m.state == "consuming" ? 1 : 0);
  counter("novafeed_ingest_consumed_total", "Kafka messages consumed by the ingest", m.consumed);
  append_header(out, "novafeed_ingest_dead_lettered_total", "messages sent to a dead-letter topic, per topic",
                "counter");
  for (const auto& [topic, letters] : m.dead_lettered_by_topic)
    append_sample(out, "novafeed_ingest_dead_lettered_total", {{"dlq_topic", topic}}, static_cast<double>(letters));
  counter("novafeed_ingest_flushes_total", "batches inserted into ClickHouse and committed", m.flushes);
  counter("novafeed_ingest_failed_flushes_total", "flush attempts that failed and were retried", m.failed_flushes);
  counter("novafeed_ingest_feeds_invalidated_total", "cached feeds deleted after new posts, follows or a user's own "
          "engagement", m.feeds_invalidated);
  counter("novafeed_ingest_feeds_refreshed_total",
          "cached feeds recomputed after the user's own engagement invalidated them (ingest.refresh_feeds)",
          m.feeds_refreshed);
  counter("novafeed_ingest_feed_refreshes_failed_total",
          "feed refreshes that failed (ClickHouse or Redis): those users' next request is a miss", m.feed_refreshes_failed);
  counter("novafeed_ingest_feed_refreshes_dropped_total",
          "feed refreshes dropped because ingest.refresh_max_pending users already waited", m.feed_refreshes_dropped);
  counter("novafeed_ingest_feed_refreshes_late_total",
          "engagements consumed more than ingest.refresh_max_age_ms after Kafka received them (the ingest behind): "
          "no feed refresh for them",
          m.feed_refreshes_late);
  counter("novafeed_ingest_events_counted_before_total",
          "events not counted again: their key was in event_keys (a Kafka replay or a resend)", m.events_counted_before);
  append_header(out, "novafeed_ingest_inserted_rows_total", "rows inserted into ClickHouse, per table", "counter");
  for (const auto& [table, rows] : m.inserted_rows)
    append_sample(out, "novafeed_ingest_inserted_rows_total", {{"table", table}}, static_cast<double>(rows));
  append_header(out, "novafeed_ingest_lag_messages", "messages behind the high watermark, per assigned partition",
                "gauge");
  for (const auto& [topic_partition, lag] : m.lag) {
    const auto slash = topic_partition.rfind('/');
    append_sample(out, "novafeed_ingest_lag_messages",
                  {{"topic", topic_partition.substr(0, slash)}, {"partition", topic_partition.substr(slash + 1)}},
                  static_cast<double>(lag));
  }
  append_header(out, "novafeed_ingest_lag_seconds",
                "how far behind the consumer is in time, per topic: now - the Kafka timestamp of the last message "
                "consumed from a partition that is behind; 0 when caught up",
                "gauge");
  for (const auto& [topic, seconds] : m.lag_seconds)
    append_sample(out, "novafeed_ingest_lag_seconds", {{"topic", topic}}, seconds);

  metrics::HistogramSnapshot inserts = metrics::HistogramSnapshot::empty(
      std::vector<double>(MetricsSnapshot::kLatencyBounds.begin(), MetricsSnapshot::kLatencyBounds.end()));
  inserts.counts.assign(m.insert_latency_buckets.begin(), m.insert_latency_buckets.end());
  inserts.sum = m.insert_seconds_sum;
  append_header(out, "novafeed_ingest_insert_duration_seconds", "one ClickHouse insert of one table's batch",
                "histogram");
  metrics::append_histogram(out, "novafeed_ingest_insert_duration_seconds", {}, inserts);

  append_header(out, "novafeed_cdc_event_age_seconds",
                "per CDC row inserted into ClickHouse: now - the change's commit time in PostgreSQL (Debezium's "
                "source.ts_ms)",
                "histogram");
  metrics::append_histogram(out, "novafeed_cdc_event_age_seconds", {}, m.cdc_event_age);
  if (m.cdc) {
    gauge("novafeed_cdc_slot_active", "1 while a connector streams from the replication slot (cdc.slot)",
          m.cdc->slot_active ? 1 : 0);
    if (m.cdc->retained_wal_bytes)
      gauge("novafeed_cdc_slot_retained_wal_bytes", "WAL PostgreSQL keeps for the slot (current WAL - restart_lsn)",
            static_cast<double>(*m.cdc->retained_wal_bytes));
    gauge("novafeed_cdc_slot_stalled",
          "1 while the slot is stalled as doctor judges it: active, WAL unconfirmed, Debezium's heartbeat too old",
          m.cdc->slot_stalled ? 1 : 0);
    gauge("novafeed_cdc_connector_running", "1 when the Debezium connector and all its tasks are RUNNING",
          m.cdc->connector_running ? 1 : 0);
  }
  return out;
}

std::string render_metrics_line(const MetricsSnapshot& m) {
  std::string inserted;
  for (const auto& [table, rows] : m.inserted_rows) inserted += fmt::format(" {}={}", table, rows);
  int64_t total_lag = 0;
  for (const auto& [partition, lag] : m.lag) total_lag += lag;
  const double mean_ms = m.inserts ? 1000 * m.insert_seconds_sum / static_cast<double>(m.inserts) : 0;
  return fmt::format(
      "consumed {}, inserted{}, dead-lettered {}, tombstones {}, flushes {} ({} failed), feeds invalidated {} "
      "(refreshed {}), lag {} over {} partitions, insert latency mean {:.1f} ms max {:.1f} ms",
      m.consumed, inserted.empty() ? " nothing" : inserted, m.dead_lettered, m.tombstones, m.flushes,
      m.failed_flushes, m.feeds_invalidated, m.feeds_refreshed, total_lag, m.lag.size(), mean_ms, 1000 * m.insert_seconds_max);
}

nlohmann::json metrics_json(const MetricsSnapshot& m) {
  nlohmann::json buckets = nlohmann::json::array();
  uint64_t cumulative = 0;
  for (size_t i = 0; i < m.insert_latency_buckets.size(); ++i) {
    cumulative += m.insert_latency_buckets[i];
    buckets.push_back({{"le", i < MetricsSnapshot::kLatencyBounds.size()
                                  ? nlohmann::json(MetricsSnapshot::kLatencyBounds[i])
                                  : nlohmann::json("+Inf")},
                       {"count", cumulative}});
  }
  return {{"consumed", m.consumed},
          {"tombstones", m.tombstones},
          {"dead_lettered", m.dead_lettered},
          {"flushes", m.flushes},
          {"failed_flushes", m.failed_flushes},
          {"feeds_invalidated", m.feeds_invalidated},
          {"feeds_refreshed", m.feeds_refreshed},
          {"feed_refreshes_failed", m.feed_refreshes_failed},
          {"feed_refreshes_dropped", m.feed_refreshes_dropped},
          {"feed_refreshes_late", m.feed_refreshes_late},
          {"events_counted_before", m.events_counted_before},
          {"inserted_rows", m.inserted_rows},
          {"lag", m.lag},
          {"insert_latency_seconds",
           {{"count", m.inserts}, {"sum", m.insert_seconds_sum}, {"max", m.insert_seconds_max}, {"buckets", buckets}}}};
}

}  // namespace nf::ingest
