#pragma once
// serve --with-ingest: the Kafka → ClickHouse ingest on a thread of its own. The ingest
// refuses to start while ClickHouse or Kafka is down (run_ingest throws); serve must not
// die with it (the feed falls back to PostgreSQL), so the thread retries every few
// seconds until the process stops. Its figures: ingest::render_prometheus(metrics()).

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>

#include "core/config/config.hpp"
#include "core/ingest/cdc_probe.hpp"
#include "core/ingest/metrics.hpp"

namespace nf::serve {

// What /readyz says of the in-process ingest: consuming, or why not (what to do).
struct IngestState {
  bool consuming = false;
  std::string name;    // ingest::MetricsSnapshot::state
  std::string detail;  // the state, with the error and what to do when retrying or fenced
};

class BackgroundIngest {
 public:
  explicit BackgroundIngest(const config::Config& config);
  ~BackgroundIngest();
  BackgroundIngest(const BackgroundIngest&) = delete;
  BackgroundIngest& operator=(const BackgroundIngest&) = delete;

  // Asks the ingest to flush, commit and leave its group; waits for it.
  void stop();
  ingest::MetricsSnapshot metrics() const { return metrics_.snapshot(); }
  bool running() const { return running_; }
  std::string last_error() const;
  IngestState state() const;

 private:
  void run();

  const config::Config& config_;
  ingest::IngestMetrics metrics_;
  ingest::CdcProbe probe_;  // the slot and the connector for /metrics, whether the ingest runs or retries
  std::atomic<bool> stop_{false};
  std::atomic<bool> running_{false};
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::string last_error_;
  std::thread thread_;
};


}  // namespace nf::serve
