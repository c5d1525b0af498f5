#pragma once
// The SQL of one backfill range: a PostgreSQL COPY whose text output already is
// ClickHouse TabSeparated for the INSERT beside it, so rows are passed through byte for
// byte (no parsing in novafeed). PostgreSQL's COPY text escapes (\\ \t \n \r \b \f \v,
// \N for NULL) are exactly what ClickHouse's TabSeparated reads; timestamps travel as
// whole UTC epoch seconds, which ClickHouse parses into DateTime whatever its time zone.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/backfill/ranges.hpp"
#include "core/backfill/tables.hpp"

namespace nf::backfill {

// Which rows of the table one COPY reads.
struct RowFilter {
  std::optional<KeyRange> range;         // on the first key column
  std::vector<uint64_t> keys;            // first key column IN (...) (targeted repair)
  std::optional<int64_t> since_epoch_s;  // updated_at >= this (backfill --since)
};

// The SELECT list: every column as ClickHouse expects it, then _version and _deleted.
std::string copy_select_list(const TableSpec& table, uint64_t version);

// The WHERE clause (with its keyword) for `filter`; "" for no condition.
std::string where_clause(const TableSpec& table, const RowFilter& filter);

// COPY (SELECT … FROM table WHERE …) TO STDOUT.
std::string copy_statement(const TableSpec& table, uint64_t version, const RowFilter& filter);

// INSERT INTO table (columns…, _version, _deleted) FORMAT TabSeparated
std::string insert_statement(const TableSpec& table);

// INSERT of hard-delete tombstones: the key columns, _version and _deleted only.
std::string tombstone_insert_statement(const TableSpec& table);

// "1,2,3" for SQL lists.
std::string join_numbers(const std::vector<uint64_t>& numbers);

}  // namespace nf::backfill
