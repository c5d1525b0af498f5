#pragma once
// The CDC probe of `ingest` (and `serve --with-ingest`): a thread that looks at the
// replication slot and the Debezium connector every cdc.probe_interval_ms (15 s), first
// at start, and keeps what it saw in the ingest's figures for /metrics:
//   novafeed_cdc_slot_active, novafeed_cdc_slot_retained_wal_bytes,
//   novafeed_cdc_slot_stalled (pg::is_stalled, the rule doctor and `connectors heal` use),
//   novafeed_cdc_connector_running (connect::ConnectorStatus::healthy).
// Read-only: healing is CdcWatch's job (core/connect/cdc_watch.hpp). A dependency that
// does not answer reads as not active / not running, and is logged once until it answers.

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "core/config/config.hpp"
#include "core/ingest/metrics.hpp"

namespace nf::ingest {

// One look: the slot from PostgreSQL, the connector from Kafka Connect. Never throws;
// `problem` (when given) gets what could not be read, "" when everything answered.
CdcState probe_cdc(const config::Config& config, const std::optional<int64_t>& last_retained, std::string* problem);

class CdcProbe {
 public:
  // Starts the thread unless cdc.probe_interval_ms is 0.
  CdcProbe(config::Config config, IngestMetrics& metrics);
  ~CdcProbe();  // stops and joins
  CdcProbe(const CdcProbe&) = delete;
  CdcProbe& operator=(const CdcProbe&) = delete;

 private:
  void run();

  config::Config config_;
  IngestMetrics& metrics_;
  std::chrono::milliseconds interval_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stop_ = false;
  std::thread thread_;
};

}  // namespace nf::ingest
