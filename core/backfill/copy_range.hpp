#pragma once
// Moving one range: COPY rows out of a PostgreSQL session straight into a streaming
// ClickHouse insert. The insert's body callback pulls the next COPY row when it needs
// bytes, so PostgreSQL produces, novafeed forwards and ClickHouse parses at the same time,
// and memory stays at one upload buffer whatever the range size.

#include <cstdint>
#include <functional>

#include "core/backfill/copy_sql.hpp"
#include "core/backfill/pg_session.hpp"
#include "core/clickhouse/client.hpp"

namespace nf::backfill {

// Copies the rows of `table` matching `filter` with _version = `version`; `on_rows` is
// told of rows as they pass (progress). Returns the number of rows copied.
uint64_t copy_rows(PgSession& session, const ch::Client& client, const TableSpec& table, uint64_t version,
                   const RowFilter& filter, const std::function<void(uint64_t)>& on_rows);

}  // namespace nf::backfill
