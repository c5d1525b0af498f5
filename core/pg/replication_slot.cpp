#include "core/pg/replication_slot.hpp"

namespace nf::pg {

std::optional<ReplicationSlot> read_replication_slot(pqxx::transaction_base& tx, const std::string& slot,
                                                     const std::string& heartbeat_table) {
  // wal_status arrived in PostgreSQL 13.
  const int version = tx.exec1("SELECT current_setting('server_version_num')::int")[0].as<int>();
  const std::string wal_status = version >= 130000 ? "coalesce(wal_status, '')" : "''";
  const auto rows = tx.exec_params(
      "SELECT active, coalesce(plugin, ''), pg_wal_lsn_diff(pg_current_wal_lsn(), restart_lsn)::bigint, " +
          wal_status +
          ", pg_wal_lsn_diff(pg_current_wal_lsn(), confirmed_flush_lsn)::bigint, s.active_pid, "
          "(SELECT (extract(epoch FROM now() - a.backend_start) * 1000)::bigint FROM pg_stat_activity a "
          "WHERE a.pid = s.active_pid) "
          "FROM pg_replication_slots s WHERE slot_name = $1",
      slot);
  if (rows.empty()) return std::nullopt;
  ReplicationSlot state;
  state.active = rows[0][0].as<bool>();
  state.plugin = rows[0][1].as<std::string>();
  if (!rows[0][2].is_null()) state.retained_wal_bytes = rows[0][2].as<int64_t>();
  state.wal_status = rows[0][3].as<std::string>();
  if (!rows[0][4].is_null()) state.unconfirmed_wal_bytes = rows[0][4].as<int64_t>();
  if (!rows[0][5].is_null()) state.active_pid = rows[0][5].as<int64_t>();
  if (!rows[0][6].is_null()) state.walsender_age_ms = rows[0][6].as<int64_t>();
  if (tx.exec_params1("SELECT to_regclass($1) IS NOT NULL", heartbeat_table)[0].as<bool>()) {
    // The name is connect::heartbeat_table's: plain identifiers, checked there.
    const auto age = tx.exec1("SELECT (extract(epoch FROM now() - max(ts)) * 1000)::bigint FROM " + heartbeat_table);
    if (!age[0].is_null()) state.heartbeat_age_ms = age[0].as<int64_t>();
  }
  return state;
}

bool is_stalled(const ReplicationSlot& slot, int64_t heartbeat_interval_ms) {
  const int64_t after = stall_after_ms(heartbeat_interval_ms);
  return slot.active && slot.unconfirmed_wal_bytes && *slot.unconfirmed_wal_bytes > 0 && slot.heartbeat_age_ms &&
         *slot.heartbeat_age_ms > after && (!slot.walsender_age_ms || *slot.walsender_age_ms > after);
}

}  // namespace nf::pg
