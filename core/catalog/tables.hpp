#pragma once
// The five tables novafeed captures from PostgreSQL and mirrors in ClickHouse, declared
// once: ingest (CDC decoding), backfill (COPY), verify (row checksums), the `cdc.tables`
// default and the `--table` choices of backfill and verify all read this. The migrations
// that create the tables (schema/postgres/0001_core_tables.sql,
// schema/clickhouse/0001_cdc_tables.sql) are versioned history and stay SQL; a unit test
// holds them to this catalog (tests/unit/catalog/).
//
// Every ClickHouse mirror has the table's columns, in the same order, then three
// bookkeeping columns: _version (UInt64, the ReplacingMergeTree version: the change's
// source LSN), _deleted (UInt8, 1 for a delete or a soft-deleted row) and _ingested_at
// (DateTime DEFAULT now()). It is ordered by the primary key.

#include <string>
#include <string_view>
#include <vector>

namespace nf::catalog {

// A column's type on both sides. Every column but a nullable timestamp is NOT NULL.
enum class ColumnType {
  uint64,             // bigint       → UInt64 (ids are never negative)
  string,             // text         → String
  date_time,          // timestamptz  → DateTime (UTC seconds, truncated)
  nullable_date_time  // timestamptz NULL → Nullable(DateTime)
};

struct Column {
  std::string name;
  ColumnType type;
};

struct Table {
  std::string name;
  std::vector<Column> columns;     // every mirrored column, keys included, in table order
  std::vector<std::string> key;    // primary key; key[0] is the range and bucket column
  std::string soft_delete_column;  // set ⇒ the row is deleted (_deleted = 1); "" when none

  bool soft_delete() const { return !soft_delete_column.empty(); }
  const std::string& range_column() const { return key.front(); }
};

// The bookkeeping columns of every ClickHouse mirror (see above).
inline constexpr std::string_view kVersionColumn = "_version";
inline constexpr std::string_view kDeletedColumn = "_deleted";
inline constexpr std::string_view kIngestedAtColumn = "_ingested_at";
// Every table has it, kept by a trigger in PostgreSQL: the window of backfill --since
// and verify.
inline constexpr std::string_view kUpdatedAtColumn = "updated_at";

// users, posts, follows, likes, comments: the order `--table all` runs them in.
const std::vector<Table>& tables();

// nullptr for a table novafeed does not capture.
const Table* find_table(std::string_view name);

// Throws nf::Error(usage), naming the tables, for an unknown name.
const Table& table(std::string_view name);

// `--table T|all` → the tables to work on; throws like table() for an unknown name.
std::vector<const Table*> select_tables(std::string_view table_or_all);

// The choices of `--table`: every table's name, then "all".
std::vector<std::string> table_choices();

// "users,posts,follows,likes,comments": the default of cdc.tables.
const std::string& table_list();

// The column's type as the migrations spell it: "bigint", "text", "timestamptz" (with
// NOT NULL unless nullable()); "UInt64", "String", "DateTime", "Nullable(DateTime)".
std::string_view postgres_type(ColumnType type);
std::string_view clickhouse_type(ColumnType type);
bool nullable(ColumnType type);

}  // namespace nf::catalog
