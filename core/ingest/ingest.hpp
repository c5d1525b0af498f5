#pragma once
// `novafeed ingest [cdc|events|all]`: Kafka → ClickHouse with an exactly-once effect.
//
// A librdkafka consumer in group ingest.group reads the CDC topics (cdc.tables through
// cdc.topic_format) and/or the events topic (kafka.events_topic), decodes each message
// (cdc_decode.hpp, event_decode.hpp) into a pending batch, and flushes the batch by size
// (ingest.batch_rows) or age (ingest.batch_ms):
//   1. events without an author get it from PostgreSQL (unknown post → dead letter)
//   2. one JSONEachRow insert per ClickHouse table
//   3. dead letters delivered (acks=all)
//   4. stale cached feeds deleted in Redis (best effort)
//   5. the next offsets recorded in ingest_offsets, then committed to Kafka (synchronously)
// Nothing is committed before what precedes it is in ClickHouse, so a crash loses
// nothing; every table written is idempotent under replay (docs/design.md), so a crash
// counts nothing twice. See docs/ingest.md.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "core/config/config.hpp"
#include "core/ingest/metrics.hpp"

namespace nf::ingest {

struct IngestRequest {
  std::string streams = "all";  // cdc, events or all
  // Bounds for tests and one-shot catch-ups; the service runs until SIGINT/SIGTERM.
  std::optional<uint64_t> max_messages;               // stop after consuming this many
  std::optional<std::chrono::milliseconds> idle_exit;  // stop after this long without a message
  std::chrono::milliseconds metrics_interval{10000};  // how often the figures are logged
  // HOST:PORT to serve GET /metrics on (the ingest's families and its dependency calls).
  std::optional<std::string> metrics_listen;
};

struct IngestSummary {
  MetricsSnapshot metrics;
  std::string stopped_by;    // "signal", "max-messages", "idle"
  uint64_t uncommitted = 0;  // messages left for redelivery (the last flush failed)
};

// Runs until SIGINT/SIGTERM (or a bound in `request`), then flushes, commits and leaves
// the group. With CDC streams, the CDC probe (cdc_probe.hpp) runs beside it; with
// request.metrics_listen, GET /metrics answers there. Throws nf::Error: usage (bad config), unreachable (ClickHouse or Kafka down
// at startup), check_failed (schema not applied, topics missing).
IngestSummary run_ingest(const config::Config& config, const IngestRequest& request);

// The same, stopping when `stop` becomes true, with figures in `metrics` (for serve
// --with-ingest, which owns the signals and exposes the figures).
IngestSummary run_ingest(const config::Config& config, const IngestRequest& request, IngestMetrics& metrics,
                         const std::atomic<bool>& stop);

std::string render_summary_text(const IngestSummary& summary);
nlohmann::json summary_json(const IngestSummary& summary);

}  // namespace nf::ingest
