#pragma once
// The state of a logical replication slot as doctor judges it and `connectors heal` acts
// on it, and the one rule for "stalled" both use.

#include <cstdint>
#include <optional>
#include <string>

#include <pqxx/pqxx>

namespace nf::pg {

struct ReplicationSlot {
  bool active = false;
  std::string plugin;                            // pgoutput
  std::optional<int64_t> retained_wal_bytes;     // current WAL - restart_lsn; nullopt when restart_lsn is NULL
  std::string wal_status;                        // PostgreSQL 13+: reserved, extended, unreserved, lost
  std::optional<int64_t> unconfirmed_wal_bytes;  // current WAL - confirmed_flush_lsn
  std::optional<int64_t> active_pid;             // the walsender streaming from it
  std::optional<int64_t> heartbeat_age_ms;       // since Debezium last wrote its heartbeat table
  std::optional<int64_t> walsender_age_ms;       // since the walsender connected
};

// The slot named `slot`, nullopt when there is none; `heartbeat_table` (as the action
// query names it, see connect::heartbeat_table) gives heartbeat_age_ms when it exists.
std::optional<ReplicationSlot> read_replication_slot(pqxx::transaction_base& tx, const std::string& slot,
                                                     const std::string& heartbeat_table);

// How old Debezium's heartbeat may get before an active slot with unconfirmed WAL counts
// as stalled: two heartbeat intervals and 5 s of grace.
inline int64_t stall_after_ms(int64_t heartbeat_interval_ms) { return 2 * heartbeat_interval_ms + 5000; }

// Active, WAL written past its confirmed position, no heartbeat for stall_after_ms, and
// the walsender connected longer ago than that (a task that has just taken the slot has
// not had time to beat): whoever holds the slot has stopped streaming (e.g. the orphan
// of a Kafka outage). A missing heartbeat table or row never counts as stalled.
bool is_stalled(const ReplicationSlot& slot, int64_t heartbeat_interval_ms);

}  // namespace nf::pg
