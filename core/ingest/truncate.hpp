#pragma once
// A TRUNCATE in PostgreSQL, applied to a ClickHouse CDC table (Debezium's op "t", decoded
// by cdc_decode.hpp to its LSN). ClickHouse keeps every change as a row and the highest
// _version per key wins (ReplacingMergeTree), so a truncate at LSN T is:
//
//   1. T recorded in cdc_truncates (schema/clickhouse/0007), the table's "truncated
//      before" mark, read by every ingest process of the group;
//   2. one INSERT … SELECT inside ClickHouse: for every key whose latest row is older than
//      T and still present, the same row again with _version = T, _deleted = 1 and
//      deleted_at NULL (a hard-delete tombstone). Materialized views fed by the table (posts
//      → posts_by_author) receive the tombstones as they receive any delete.
//
// Exactly-once effect: a replay finds nothing left to tombstone (the tombstones are
// themselves the latest rows), and a row of a later change (_version > T, from another
// partition of the topic) is never touched. A truncate has no message key, so Kafka
// orders it with nothing: a change older than T may be consumed after it. Such a row is
// dropped on arrival when this process knows T (TruncateMarks::covers), and after every
// insert the marks are read again and the tombstones re-applied wherever an inserted row
// is older than its table's mark — which also covers a mark another process has just
// written (it wrote the mark before its tombstones, so either it saw our row or we see
// its mark). Why not ALTER TABLE … DELETE: docs/ingest.md, "TRUNCATE".

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "core/clickhouse/client.hpp"
#include "core/ingest/cdc_tables.hpp"

namespace nf::ingest {

// Table name → the LSN of its latest truncate (absent: never truncated).
using TruncateMarks = std::map<std::string, uint64_t>;

// True when a change of `table` at `version` predates the table's latest known truncate
// (the row is gone in PostgreSQL: nothing to write).
bool covered_by_truncate(const TruncateMarks& marks, const std::string& table, uint64_t version);

// The INSERT … SELECT of step 2 for `table` at `lsn`. Pure, so it is unit tested; runs
// unchanged on 18.16 and current servers. FINAL in a subquery, filtered outside it: a
// condition on _version or _deleted inside would pick an older version of a key.
std::string tombstone_rows_sql(const CdcTable& table, uint64_t lsn);

// The marks query: one row per truncated table, {table_name, lsn}.
std::string truncate_marks_sql();
TruncateMarks parse_truncate_marks(const std::vector<nlohmann::json>& rows);

// Reads every table's mark. Throws nf::Error (unreachable / check_failed) from the client.
TruncateMarks read_truncate_marks(const ch::Client& clickhouse);

// Steps 1 and 2 for `table` at `lsn` (idempotent: safe to repeat after any failure).
void apply_truncate(const ch::Client& clickhouse, const CdcTable& table, uint64_t lsn);

// The Redis key patterns whose values were computed from `table`'s rows and are now wrong
// (posts: cached feeds and hot-post lists; follows: cached feeds and suggestions; users:
// suggestions; likes and comments: none, the ranking reads the events instead).
std::vector<std::string> caches_stale_after_truncate(const std::string& table);

}  // namespace nf::ingest
