#pragma once
// The five captured tables as backfill and verify see them: key columns, the columns
// copied to ClickHouse, and how each column kind is written on both sides. One table
// here, so the COPY that fills ClickHouse and the checksum that verifies it can never
// disagree about a column.

#include <string>
#include <string_view>
#include <vector>

namespace nf::backfill {

enum class ColumnKind {
  integer,             // bigint in PostgreSQL, UInt64 in ClickHouse
  text,                // text / String
  timestamp,           // timestamptz / DateTime (UTC seconds, truncated)
  nullable_timestamp,  // timestamptz NULL / Nullable(DateTime)
};

struct Column {
  std::string name;
  ColumnKind kind;
};

struct TableSpec {
  std::string name;
  std::vector<std::string> key;  // primary key; key[0] is the range and bucket column
  std::vector<Column> columns;   // every mirrored column, keys included, in table order
  bool soft_delete = false;      // has deleted_at (→ _deleted = 1 while set)

  const std::string& range_column() const { return key.front(); }
};

// users, posts, follows, likes, comments (the order `--table all` runs them in).
const std::vector<TableSpec>& table_specs();

// Throws nf::Error(usage) for an unknown name.
const TableSpec& table_spec(std::string_view name);

// `--table T|all` → the tables to work on.
std::vector<const TableSpec*> select_tables(std::string_view table_or_all);

// PostgreSQL expression for a timestamptz as whole UTC seconds since the epoch, truncated
// (ClickHouse DateTime has no fraction). date_part returns float8, which holds a
// microsecond timestamp exactly enough that floor() never rounds up to the next second.
std::string pg_epoch_seconds(std::string_view column);

}  // namespace nf::backfill

namespace nf::backfill {

// ClickHouse condition, over the latest version of a row (FINAL), for "the row exists":
// live, or soft-deleted (deleted_at set). A _deleted row without deleted_at is a
// hard-delete tombstone and counts as absent.
std::string ch_present_condition(const TableSpec& table);

}  // namespace nf::backfill
