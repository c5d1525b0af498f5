#include "core/serve/background_ingest.hpp"

#include <spdlog/spdlog.h>

#include <sstream>

#include "core/error/error.hpp"
#include "core/ingest/ingest.hpp"

namespace nf::serve {

namespace {

constexpr auto kRetryEvery = std::chrono::seconds(5);

}  // namespace

BackgroundIngest::BackgroundIngest(const config::Config& config) : config_(config) {
  thread_ = std::thread([this] { run(); });
}

BackgroundIngest::~BackgroundIngest() { stop(); }

void BackgroundIngest::stop() {
  {
    std::lock_guard lock(mutex_);
    stop_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

std::string BackgroundIngest::last_error() const {
  std::lock_guard lock(mutex_);
  return last_error_;
}

void BackgroundIngest::run() {
  ingest::IngestRequest request;
  request.streams = "all";
  while (!stop_) {
    try {
      running_ = true;
      const auto summary = ingest::run_ingest(config_, request, metrics_, stop_);
      running_ = false;
      spdlog::info("{}", ingest::render_summary_text(summary));
    } catch (const std::exception& e) {
      running_ = false;
      {
        std::lock_guard lock(mutex_);
        last_error_ = e.what();
      }
      spdlog::error("ingest: {}; retrying in {} s (the API keeps serving)", e.what(), kRetryEvery.count());
    }
    std::unique_lock lock(mutex_);
    wake_.wait_for(lock, kRetryEvery, [this] { return stop_.load(); });
  }
}

std::string render_ingest_prometheus(const ingest::MetricsSnapshot& m) {
  std::ostringstream out;
  auto counter = [&](const char* name, const char* help, uint64_t value) {
    out << "# HELP " << name << ' ' << help << "\n# TYPE " << name << " counter\n" << name << ' ' << value << '\n';
  };
  counter("novafeed_ingest_consumed_total", "Kafka messages consumed by the in-process ingest.", m.consumed);
  counter("novafeed_ingest_dead_lettered_total", "Messages sent to a dead-letter topic.", m.dead_lettered);
  counter("novafeed_ingest_flushes_total", "Batches inserted into ClickHouse and committed.", m.flushes);
  counter("novafeed_ingest_failed_flushes_total", "Flush attempts that failed and were retried.", m.failed_flushes);
  counter("novafeed_ingest_feeds_invalidated_total", "Cached feeds deleted after new posts or follows.",
          m.feeds_invalidated);
  counter("novafeed_ingest_events_counted_before_total",
          "Events not counted again: their key was in event_keys (a Kafka replay or a resend).", m.events_counted_before);
  out << "# HELP novafeed_ingest_inserted_rows_total Rows inserted into ClickHouse, per table.\n"
         "# TYPE novafeed_ingest_inserted_rows_total counter\n";
  for (const auto& [table, rows] : m.inserted_rows)
    out << "novafeed_ingest_inserted_rows_total{table=\"" << table << "\"} " << rows << '\n';
  out << "# HELP novafeed_ingest_lag_messages Messages behind the high watermark, per partition.\n"
         "# TYPE novafeed_ingest_lag_messages gauge\n";
  for (const auto& [partition, lag] : m.lag)
    out << "novafeed_ingest_lag_messages{partition=\"" << partition << "\"} " << lag << '\n';
  out << "# HELP novafeed_ingest_insert_duration_seconds One ClickHouse insert of one table's batch.\n"
         "# TYPE novafeed_ingest_insert_duration_seconds histogram\n";
  uint64_t cumulative = 0;
  for (size_t i = 0; i < ingest::MetricsSnapshot::kLatencyBounds.size(); ++i) {
    cumulative += m.insert_latency_buckets[i];
    out << "novafeed_ingest_insert_duration_seconds_bucket{le=\"" << ingest::MetricsSnapshot::kLatencyBounds[i]
        << "\"} " << cumulative << '\n';
  }
  cumulative += m.insert_latency_buckets.back();
  out << "novafeed_ingest_insert_duration_seconds_bucket{le=\"+Inf\"} " << cumulative << '\n'
      << "novafeed_ingest_insert_duration_seconds_sum " << m.insert_seconds_sum << '\n'
      << "novafeed_ingest_insert_duration_seconds_count " << m.inserts << '\n';
  return out.str();
}

}  // namespace nf::serve
