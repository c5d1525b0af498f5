#include "core/ingest/metrics.hpp"

#include <spdlog/fmt/fmt.h>

namespace nf::ingest {

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

std::string render_metrics_line(const MetricsSnapshot& m) {
  std::string inserted;
  for (const auto& [table, rows] : m.inserted_rows) inserted += fmt::format(" {}={}", table, rows);
  int64_t total_lag = 0;
  for (const auto& [partition, lag] : m.lag) total_lag += lag;
  const double mean_ms = m.inserts ? 1000 * m.insert_seconds_sum / static_cast<double>(m.inserts) : 0;
  return fmt::format(
      "consumed {}, inserted{}, dead-lettered {}, tombstones {}, flushes {} ({} failed), feeds invalidated {}, "
      "lag {} over {} partitions, insert latency mean {:.1f} ms max {:.1f} ms",
      m.consumed, inserted.empty() ? " nothing" : inserted, m.dead_lettered, m.tombstones, m.flushes,
      m.failed_flushes, m.feeds_invalidated, total_lag, m.lag.size(), mean_ms, 1000 * m.insert_seconds_max);
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
          {"events_counted_before", m.events_counted_before},
          {"inserted_rows", m.inserted_rows},
          {"lag", m.lag},
          {"insert_latency_seconds",
           {{"count", m.inserts}, {"sum", m.insert_seconds_sum}, {"max", m.insert_seconds_max}, {"buckets", buckets}}}};
}

}  // namespace nf::ingest
