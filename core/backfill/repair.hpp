#pragma once
// `backfill --table T --ids 12,13`: the targeted repair `verify` prints. Copies the rows
// whose first key column is one of the ids from the snapshot, and marks deleted (a
// hard-delete tombstone at the snapshot's LSN) every key ClickHouse still holds under
// those ids that PostgreSQL no longer has.

#include <cstdint>
#include <vector>

#include "core/backfill/backfill.hpp"
#include "core/backfill/pg_session.hpp"
#include "core/backfill/tables.hpp"
#include "core/clickhouse/client.hpp"

namespace nf::backfill {

TableResult repair_keys(PgSession& snapshot_session, const ch::Client& client, const TableSpec& table, uint64_t version,
                        const std::vector<uint64_t>& ids);

// The TabSeparated body of tombstones for `keys` (each the table's key columns, in
// order) at `version`.
std::string tombstone_rows(const std::vector<std::vector<uint64_t>>& keys, uint64_t version);

}  // namespace nf::backfill
