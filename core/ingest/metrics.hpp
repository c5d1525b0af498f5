#pragma once
// The ingest's figures: logged periodically at info, printed as the summary on exit, and
// read by serve's /metrics when it runs the ingest in-process (--with-ingest).

#include <array>
#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>

#include <nlohmann/json.hpp>

namespace nf::ingest {

struct MetricsSnapshot {
  uint64_t consumed = 0;        // messages read from Kafka
  uint64_t tombstones = 0;      // of those, Debezium tombstones (nothing to write)
  uint64_t dead_lettered = 0;   // delivered to a dead-letter topic
  uint64_t flushes = 0;         // batches inserted and committed
  uint64_t failed_flushes = 0;  // attempts that failed (retried; nothing committed)
  uint64_t feeds_invalidated = 0;
  uint64_t events_counted_before = 0;  // events whose key event_keys held (a replay or a resend): not counted again
  std::map<std::string, uint64_t> inserted_rows;  // per ClickHouse table
  std::map<std::string, int64_t> lag;             // "topic/partition" → messages behind the high watermark

  // Insert latency (one ClickHouse insert of one table's batch), as a histogram.
  static constexpr std::array<double, 9> kLatencyBounds = {0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5};
  std::array<uint64_t, kLatencyBounds.size() + 1> insert_latency_buckets{};  // last one: +Inf
  uint64_t inserts = 0;
  double insert_seconds_sum = 0;
  double insert_seconds_max = 0;
};

// Guards a MetricsSnapshot shared between the ingest loop and a reader thread.
class IngestMetrics {
 public:
  MetricsSnapshot snapshot() const;
  template <typename Update>
  void update(Update update) {
    std::lock_guard lock(mutex_);
    update(data_);
  }
  void record_insert(const std::string& table, size_t rows, std::chrono::duration<double> latency);

 private:
  mutable std::mutex mutex_;
  MetricsSnapshot data_;
};

// One log line: "consumed 1200, inserted events=1000 posts=3, dead-lettered 1, …".
std::string render_metrics_line(const MetricsSnapshot& metrics);
nlohmann::json metrics_json(const MetricsSnapshot& metrics);

}  // namespace nf::ingest
