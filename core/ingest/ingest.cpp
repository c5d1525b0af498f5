#include "core/ingest/ingest.hpp"

#include <optional>

#include <spdlog/fmt/fmt.h>

#include "core/connect/cdc_watch.hpp"
#include "core/ingest/cdc_probe.hpp"
#include "core/ingest/ingest_loop.hpp"
#include "core/metrics/dependency_metrics.hpp"
#include "core/metrics/metrics_server.hpp"
#include "core/process/shutdown_signals.hpp"

namespace nf::ingest {

IngestSummary run_ingest(const config::Config& config, const IngestRequest& request, IngestMetrics& metrics,
                         const std::atomic<bool>& stop) {
  IngestLoop loop(config, request, metrics);
  // The CDC side heals itself (a stalled slot, a FAILED task) while its messages are read.
  std::optional<connect::CdcWatch> watch;
  if (request.streams != "events") watch.emplace(config);
  metrics.update([](MetricsSnapshot& m) { m.state = "consuming"; });
  auto summary = loop.run(stop);
  metrics.update([](MetricsSnapshot& m) { m.state = "stopped"; });
  return summary;
}

IngestSummary run_ingest(const config::Config& config, const IngestRequest& request) {
  // Before librdkafka starts its threads, so they inherit the blocked signals.
  process::ShutdownSignals signals;
  IngestMetrics metrics;
  std::optional<metrics::MetricsServer> server;
  if (request.metrics_listen)
    server.emplace(*request.metrics_listen,
                   [&metrics] { return render_prometheus(metrics.snapshot()) + metrics::render_dependency_prometheus(); },
                   "--metrics-listen");
  std::optional<CdcProbe> probe;
  if (request.streams != "events") probe.emplace(config, metrics);
  return run_ingest(config, request, metrics, signals.requested());
}

std::string render_summary_text(const IngestSummary& summary) {
  const auto& m = summary.metrics;
  std::string text = fmt::format("ingest stopped ({}): consumed {}, dead-lettered {}, tombstones {}, flushes {}",
                                 summary.stopped_by, m.consumed, m.dead_lettered, m.tombstones, m.flushes);
  if (m.failed_flushes) text += fmt::format(" ({} failed attempts)", m.failed_flushes);
  text += "\n";
  for (const auto& [table, rows] : m.inserted_rows) text += fmt::format("  inserted {:>10} rows into {}\n", rows, table);
  if (summary.uncommitted)
    text += fmt::format("  {} messages not committed (the last flush failed): they will be read again\n", summary.uncommitted);
  return text;
}

nlohmann::json summary_json(const IngestSummary& summary) {
  return {{"stopped_by", summary.stopped_by}, {"uncommitted", summary.uncommitted}, {"metrics", metrics_json(summary.metrics)}};
}

}  // namespace nf::ingest
