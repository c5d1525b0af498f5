#pragma once
// The CDC probe of `ingest` (and `serve --with-ingest`): a thread that looks at the
// replication slot and the Debezium connector every cdc.probe_interval_ms (15 s), first
// at start, and keeps what it saw in the ingest's figures for /metrics:
//   novafeed_cdc_slot_active, novafeed_cdc_slot_retained_wal_bytes,
//   novafeed_cdc_slot_stalled (pg::is_stalled, the rule doctor and `connectors heal` use),
//   novafeed_cdc_connector_running (connect::ConnectorStatus::healthy).
// Read-only: healing is CdcWatch's job (core/connect/cdc_watch.hpp). A dependency that
// does not answer reads as not active / not running, and is logged once until it answers.

#include <optional>
#include <string>

#include "core/config/config.hpp"
#include "core/ingest/metrics.hpp"
#include "core/process/periodic.hpp"

namespace nf::ingest {

// One look: the slot from PostgreSQL, the connector from Kafka Connect. Never throws;
// `problem` (when given) gets what could not be read, "" when everything answered.
CdcState probe_cdc(const config::Config& config, const std::optional<int64_t>& last_retained, std::string* problem);

class CdcProbe {
 public:
  // Starts the thread unless cdc.probe_interval_ms is 0; the first look is at once.
  CdcProbe(config::Config config, IngestMetrics& metrics);

 private:
  void look();

  config::Config config_;
  IngestMetrics& metrics_;
  std::string last_problem_;  // logged once until it changes
  process::Periodic thread_;  // last: stopped and joined before the members it reads go
};

}  // namespace nf::ingest
