#pragma once
// The ingest's figures: logged periodically at info, printed as the summary on exit, and
// rendered as Prometheus families (render_prometheus below) on serve's /metrics when it
// runs the ingest in-process (--with-ingest) and on `ingest --metrics-listen`.

#include <array>
#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include <optional>

#include <nlohmann/json.hpp>

#include "core/metrics/instruments.hpp"

namespace nf::ingest {

// What the CDC probe (cdc_probe.hpp) last saw of the replication slot and the connector.
struct CdcState {
  bool slot_active = false;  // false too when the slot is missing or PostgreSQL did not answer
  std::optional<int64_t> retained_wal_bytes;  // the last value read (kept while unreadable)
  bool slot_stalled = false;                  // pg::is_stalled, as doctor judges it
  bool connector_running = false;             // connector and every task RUNNING
};

// The CDC event age histogram's bounds: 50 ms to 10 min.
const std::vector<double>& cdc_age_bounds();

struct MetricsSnapshot {
  uint64_t consumed = 0;        // messages read from Kafka
  uint64_t tombstones = 0;      // of those, Debezium tombstones (nothing to write)
  uint64_t dead_lettered = 0;   // delivered to a dead-letter topic
  std::map<std::string, uint64_t> dead_lettered_by_topic;  // the same, per dead-letter topic
  uint64_t flushes = 0;         // batches inserted and committed
  uint64_t failed_flushes = 0;  // attempts that failed (retried; nothing committed)
  uint64_t feeds_invalidated = 0;
  // The feed refresher (feed_refresher.hpp): feeds recomputed, and those not (failed, dropped).
  uint64_t feeds_refreshed = 0, feed_refreshes_failed = 0, feed_refreshes_dropped = 0;
  // Engagements consumed past ingest.refresh_max_age_ms (the ingest behind): no refresh for them.
  uint64_t feed_refreshes_late = 0;
  uint64_t events_counted_before = 0;  // events whose key event_keys held (a replay or a resend): not counted again
  std::map<std::string, uint64_t> inserted_rows;  // per ClickHouse table
  std::map<std::string, int64_t> lag;             // "topic/partition" → messages behind the high watermark
  // Per subscribed topic: now - the Kafka timestamp of the last message consumed from a
  // partition that is behind (the oldest such); 0 when every partition is caught up.
  std::map<std::string, double> lag_seconds;
  // now - the Debezium source.ts_ms (the commit in PostgreSQL), per CDC row inserted.
  metrics::HistogramSnapshot cdc_event_age = metrics::HistogramSnapshot::empty(cdc_age_bounds());
  std::optional<CdcState> cdc;  // nullopt until the probe's first look
  // Where the consumer loop stands: "starting" (not joined yet), "consuming", "stopped";
  // serve's in-process ingest adds "retrying" (after an error, every few seconds) and
  // "fenced" (another process took its instance id: it does not retry). Exported as
  // novafeed_ingest_consuming, and in serve's /readyz.
  std::string state = "starting";

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
  void record_dead_letters(const std::string& dlq_topic, size_t letters);

 private:
  mutable std::mutex mutex_;
  MetricsSnapshot data_;
};

// Where the consumer stands on one assigned partition.
struct PartitionPosition {
  std::string topic;
  int32_t partition = 0;
  int64_t behind = 0;                          // messages between its position and the high watermark
  std::optional<int64_t> last_timestamp_ms;    // Kafka timestamp of the last message consumed from it
};
// Sets m.lag ("topic/partition" → behind) and m.lag_seconds: per topic of `topics`, now -
// the last consumed message's timestamp of its partitions that are behind, the largest;
// 0 when none is behind (or none has consumed anything yet).
void set_lag(MetricsSnapshot& m, const std::vector<std::string>& topics, const std::vector<PartitionPosition>& positions,
             int64_t now_ms);

// The ingest's families in Prometheus text format: novafeed_ingest_* (consumed, inserted
// rows per table, dead letters per topic, lag in messages and seconds, flushes, insert
// latency) and novafeed_cdc_* (event age, slot, connector).
std::string render_prometheus(const MetricsSnapshot& metrics);

// One log line: "consumed 1200, inserted events=1000 posts=3, dead-lettered 1, …".
std::string render_metrics_line(const MetricsSnapshot& metrics);
nlohmann::json metrics_json(const MetricsSnapshot& metrics);

}  // namespace nf::ingest
