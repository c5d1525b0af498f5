#pragma once
// The ClickHouse CDC tables `ingest cdc` writes (schema/clickhouse/0001_cdc_tables.sql):
// their source columns, which of them form the primary key, and which one marks a soft
// delete. The bookkeeping columns _version, _deleted and _ingested_at are added to every
// row by the decoder and the batch.

#include <string>
#include <string_view>
#include <vector>

namespace nf::ingest {

enum class ColumnType {
  uint64,             // PostgreSQL bigint
  string,             // text
  date_time,          // timestamptz NOT NULL → DateTime
  nullable_date_time  // timestamptz NULL → Nullable(DateTime)
};

struct CdcColumn {
  std::string name;
  ColumnType type;
};

struct CdcTable {
  std::string name;
  std::vector<CdcColumn> columns;      // in table order
  std::vector<std::string> key;        // primary key columns
  std::string soft_delete_column;      // set ⇒ deleted; "" when the table has none
};

// The tables novafeed captures; nullptr for a table it does not know.
const CdcTable* find_cdc_table(std::string_view name);
const std::vector<CdcTable>& cdc_tables();

}  // namespace nf::ingest
