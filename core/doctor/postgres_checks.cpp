// PostgreSQL's side of CDC: the server, wal_level, the replication slot Debezium streams
// from, and the publication it reads.

#include <algorithm>

#include "core/connect/debezium_config.hpp"
#include "core/doctor/checks.hpp"
#include "core/pg/connection.hpp"

namespace nf::doctor {
namespace {

std::optional<PublicationState> fetch_publication(pqxx::transaction_base& tx, const std::string& publication) {
  const auto found = tx.exec_params("SELECT puballtables FROM pg_publication WHERE pubname = $1", publication);
  if (found.empty()) return std::nullopt;
  PublicationState state;
  state.all_tables = found[0][0].as<bool>();
  const auto tables = tx.exec_params(
      "SELECT schemaname || '.' || tablename FROM pg_publication_tables WHERE pubname = $1 ORDER BY 1", publication);
  for (const auto& row : tables) state.tables.push_back(row[0].as<std::string>());
  return state;
}

}  // namespace

std::vector<CheckResult> check_postgres(const config::Config& config) {
  const auto settings = pg::settings_from(config);
  const std::string where = pg::describe(settings);
  const std::string slot = config.get("cdc.slot");
  const std::string publication = config.get("cdc.publication");
  std::vector<std::string> expected_tables;
  for (const auto& table : config.get_list("cdc.tables")) expected_tables.push_back(config.get("cdc.schema") + "." + table);

  std::vector<CheckResult> results;
  std::unique_ptr<pqxx::connection> connection;
  try {
    connection = pg::connect(settings);
  } catch (const std::exception& e) {
    return {result_from_error("postgres", e,
                              "is PostgreSQL running? (locally `scripts/stack up postgres`); else check postgres.url "
                              "(`novafeed config --print`)")};
  }
  // The check a failure is reported under: the one being worked out when it happened.
  std::string step = "postgres";
  try {
    pqxx::read_transaction tx(*connection);
    // Catalog reads answer in milliseconds; the bound only matters on a stuck server.
    tx.exec("SET LOCAL statement_timeout = " + std::to_string(settings.connect_timeout_s * 1000));
    const auto row = tx.exec1(
        "SELECT current_setting('server_version'), current_setting('server_version_num')::int, "
        "current_setting('wal_level')");
    const std::string version = row[0].as<std::string>();
    const int version_num = row[1].as<int>();
    CheckResult server{"postgres", Status::ok, "PostgreSQL " + version + " at " + where, ""};
    server.figures = {{"server_version", version}, {"server_version_num", version_num}};
    results.push_back(std::move(server));
    results.push_back(judge_wal_level(row[2].as<std::string>()));
    step = "slot";
    const auto slot_state = pg::read_replication_slot(tx, slot, connect::heartbeat_table(config));
    results.push_back(judge_slot(slot, slot_state, config.get_int("doctor.max_slot_lag_bytes"),
                                 config.get_int("cdc.heartbeat_interval_ms")));
    step = "publication";
    results.push_back(judge_publication(publication, fetch_publication(tx, publication), expected_tables));
  } catch (const pqxx::broken_connection& e) {
    results.push_back({step, Status::unreachable, "PostgreSQL at " + where + " dropped the connection: " + first_line(e.what()),
                       "is PostgreSQL running? `novafeed doctor` again once it is"});
  } catch (const std::exception& e) {
    results.push_back(result_from_error(step, e, ""));
  }
  return results;
}

CheckResult judge_wal_level(const std::string& wal_level) {
  CheckResult result{"wal_level", Status::ok, "wal_level = " + wal_level, ""};
  result.figures = {{"wal_level", wal_level}};
  if (wal_level != "logical") {
    result.status = Status::fail;
    result.detail += " (logical decoding, which Debezium needs, requires logical)";
    result.hint = "ALTER SYSTEM SET wal_level = logical; then restart PostgreSQL";
  }
  return result;
}

CheckResult judge_slot(const std::string& name, const std::optional<SlotState>& state, int64_t max_lag_bytes,
                       int64_t heartbeat_interval_ms) {
  CheckResult result{"slot", Status::ok, "", ""};
  if (!state) {
    result.status = Status::fail;
    result.detail = "replication slot " + name + " does not exist (cdc.slot)";
    result.hint = "Debezium creates it when the connector starts: novafeed connectors apply --wait";
    result.figures = {{"slot", name}, {"exists", false}};
    return result;
  }
  result.figures = {{"slot", name},
                    {"exists", true},
                    {"active", state->active},
                    {"plugin", state->plugin},
                    {"retained_wal_bytes", state->retained_wal_bytes ? nlohmann::json(*state->retained_wal_bytes)
                                                                     : nlohmann::json(nullptr)},
                    {"max_slot_lag_bytes", max_lag_bytes}};
  if (!state->wal_status.empty()) result.figures["wal_status"] = state->wal_status;
  const auto optional_figure = [](const std::optional<int64_t>& value) {
    return value ? nlohmann::json(*value) : nlohmann::json(nullptr);
  };
  result.figures["unconfirmed_wal_bytes"] = optional_figure(state->unconfirmed_wal_bytes);
  result.figures["active_pid"] = optional_figure(state->active_pid);
  result.figures["heartbeat_age_ms"] = optional_figure(state->heartbeat_age_ms);
  const bool stalled = pg::is_stalled(*state, heartbeat_interval_ms);
  result.figures["stalled"] = stalled;

  const std::string retained = state->retained_wal_bytes ? human_bytes(*state->retained_wal_bytes) : "no";
  const std::string limit = human_bytes(max_lag_bytes);
  if (state->wal_status == "lost") {
    result.status = Status::fail;
    result.detail = "replication slot " + name + " has lost WAL it needed (wal_status lost): CDC cannot resume from it";
    result.hint = "recreate the slot and re-snapshot: novafeed connectors delete, "
                  "SELECT pg_drop_replication_slot('" + name + "'), novafeed connectors apply --wait";
    return result;
  }
  if (state->retained_wal_bytes && *state->retained_wal_bytes > max_lag_bytes) {
    result.status = Status::fail;
    result.detail = "replication slot " + name + (state->active ? " (active)" : " (inactive)") + " retains " +
                    retained + " of WAL, above " + limit + " (doctor.max_slot_lag_bytes)";
    result.hint = state->active
                      ? "the connector is not confirming its position; check it: novafeed connectors status"
                      : "nothing streams from the slot and WAL piles up on disk: start the connector "
                        "(novafeed connectors status), or drop the slot if CDC is retired";
    return result;
  }
  if (stalled) {
    const std::string pid = state->active_pid ? std::to_string(*state->active_pid) : "?";
    result.status = Status::fail;
    result.detail = "replication slot " + name + " is stalled: active (walsender pid " + pid + ") but " +
                    human_bytes(*state->unconfirmed_wal_bytes) + " of WAL unconfirmed and Debezium's heartbeat " +
                    std::to_string(*state->heartbeat_age_ms / 1000) + " s old (every " +
                    std::to_string(heartbeat_interval_ms / 1000) + " s while it streams)";
    result.hint = "whoever holds the slot stopped streaming (after a Kafka outage: an orphaned task, see "
                  "docs/connectors.md). End its walsender: SELECT pg_terminate_backend(" + pid +
                  "); then novafeed connectors status (restart a FAILED task), or restart the Connect worker";
    return result;
  }
  if (!state->active) {
    result.status = Status::fail;
    result.detail = "replication slot " + name + " is inactive (no connector streams from it); retains " + retained +
                    " of WAL";
    result.hint = "check the connector: novafeed connectors status";
    return result;
  }
  result.detail = "replication slot " + name + " active, retains " + retained + " of WAL (limit " + limit + ")";
  return result;
}

CheckResult judge_publication(const std::string& name, const std::optional<PublicationState>& state,
                              const std::vector<std::string>& expected_tables) {
  CheckResult result{"publication", Status::ok, "", ""};
  if (!state) {
    result.status = Status::fail;
    result.detail = "publication " + name + " does not exist (cdc.publication)";
    result.hint = "novafeed schema apply --target postgres";
    result.figures = {{"publication", name}, {"exists", false}};
    return result;
  }
  result.figures = {{"publication", name}, {"exists", true}, {"all_tables", state->all_tables}, {"tables", state->tables}};
  std::string missing;
  if (!state->all_tables)
    for (const auto& table : expected_tables)
      if (std::find(state->tables.begin(), state->tables.end(), table) == state->tables.end())
        missing += (missing.empty() ? "" : ", ") + table;
  if (!missing.empty()) {
    result.status = Status::fail;
    result.detail = "publication " + name + " lacks " + missing + " (cdc.tables)";
    result.hint = "novafeed schema apply --target postgres";
    return result;
  }
  result.detail = "publication " + name + (state->all_tables ? " covers all tables"
                                                            : " covers " + std::to_string(state->tables.size()) + " tables");
  return result;
}

}  // namespace nf::doctor
