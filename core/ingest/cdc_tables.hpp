#pragma once
// The ClickHouse CDC tables `ingest cdc` writes, by the names the ingest uses: the
// catalog's tables (core/catalog/tables.hpp, the one declaration of their columns, keys
// and soft-delete column). The bookkeeping columns _version, _deleted and _ingested_at
// are added to every row by the decoder and the batch.

#include <string_view>
#include <vector>

#include "core/catalog/tables.hpp"

namespace nf::ingest {

using catalog::ColumnType;
using CdcColumn = catalog::Column;
using CdcTable = catalog::Table;

// The tables novafeed captures; nullptr for a table it does not know.
inline const CdcTable* find_cdc_table(std::string_view name) { return catalog::find_table(name); }
inline const std::vector<CdcTable>& cdc_tables() { return catalog::tables(); }

}  // namespace nf::ingest
