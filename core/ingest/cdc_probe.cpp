#include "core/ingest/cdc_probe.hpp"

#include <spdlog/spdlog.h>

#include "core/connect/client.hpp"
#include "core/connect/debezium_config.hpp"
#include "core/pg/connection.hpp"
#include "core/pg/replication_slot.hpp"

namespace nf::ingest {

CdcState probe_cdc(const config::Config& config, const std::optional<int64_t>& last_retained, std::string* problem) {
  CdcState state;
  state.retained_wal_bytes = last_retained;
  std::string problems;
  const std::string slot_name = config.get("cdc.slot");
  try {
    auto settings = pg::settings_from(config);
    settings.connect_timeout_s = std::min(settings.connect_timeout_s, 5);
    auto connection = pg::connect(settings);
    pqxx::read_transaction tx(*connection);
    tx.exec("SET LOCAL statement_timeout = 5000");
    if (const auto slot = pg::read_replication_slot(tx, slot_name, connect::heartbeat_table(config))) {
      state.slot_active = slot->active;
      if (slot->retained_wal_bytes) state.retained_wal_bytes = slot->retained_wal_bytes;
      state.slot_stalled = pg::is_stalled(*slot, config.get_int("cdc.heartbeat_interval_ms"));
    } else {
      problems = "replication slot " + slot_name + " does not exist (novafeed connectors apply --wait)";
    }
  } catch (const std::exception& e) {
    problems = std::string("cannot read replication slot ") + slot_name + ": " + e.what();
  }
  const std::string connector = config.get("connect.connector");
  try {
    auto settings = connect::settings_from(config);
    settings.timeout_ms = std::min<long>(settings.timeout_ms, 5000);
    const auto status = connect::Client(settings).get_status(connector);
    state.connector_running = status && status->healthy();
  } catch (const std::exception& e) {
    problems += (problems.empty() ? "" : "; ") + std::string("cannot read connector ") + connector + ": " + e.what();
  }
  if (problem) *problem = problems;
  return state;
}

CdcProbe::CdcProbe(config::Config config, IngestMetrics& metrics)
    : config_(std::move(config)),
      metrics_(metrics),
      thread_("cdc probe", std::chrono::milliseconds(std::max<int64_t>(0, config_.get_int("cdc.probe_interval_ms"))),
              process::Periodic::First::now, [this] { look(); }) {}

void CdcProbe::look() {
  const auto last = metrics_.snapshot().cdc;
  std::string problem;
  const auto state = probe_cdc(config_, last ? last->retained_wal_bytes : std::nullopt, &problem);
  metrics_.update([&state](MetricsSnapshot& m) { m.cdc = state; });
  if (!problem.empty() && problem != last_problem_) spdlog::warn("cdc probe: {}", problem);
  if (problem.empty() && !last_problem_.empty()) spdlog::info("cdc probe: slot and connector readable again");
  last_problem_ = problem;
}

}  // namespace nf::ingest
