#pragma once
// Debezium change events (JSON converter, schemas off) to rows of the ClickHouse CDC
// tables. A pure function: the message's key and value in, a row or a reason out.
//
//   op c, u, r  → `after` with _version = source.lsn, _deleted = 1 when the table's
//                 soft-delete column (deleted_at) is set, else 0
//   op d        → the key columns from `before` (else from the message key), the other
//                 columns from `before` when it has them (REPLICA IDENTITY FULL), else
//                 their defaults; _version = source.lsn, _deleted = 1
//   op t        → a TRUNCATE of the table (skipped.operations=none): no row, only its LSN;
//                 row = {_version: source.lsn, _deleted: 1}, read as "every row of the table
//                 older than this version is deleted" (applied by truncate.hpp)
//   null value  → a tombstone (Kafka compaction's marker after a delete): nothing
//
// ReplacingMergeTree(_version) keeps the highest LSN per key, so a replayed change is the
// same row again, and the order rows arrive in does not matter.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>
#include <tl/expected.hpp>

#include "core/ingest/cdc_tables.hpp"

namespace nf::ingest {

struct CdcChange {
  char op = 'c';         // c, u, d, r or t (truncate: `row` holds only _version and _deleted)
  uint64_t version = 0;  // source.lsn
  bool deleted = false;
  nlohmann::json row;    // every column of the table, plus _version and _deleted
  std::optional<int64_t> source_ts_ms;  // source.ts_ms: the commit time in PostgreSQL (epoch ms)
};

// nullopt for a tombstone; an error says what is wrong ("after.caption: expected a
// string, got number").
tl::expected<std::optional<CdcChange>, std::string> decode_cdc_message(const CdcTable& table, std::string_view key,
                                                                       std::optional<std::string_view> value);

}  // namespace nf::ingest
