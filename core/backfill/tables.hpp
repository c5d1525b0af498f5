#pragma once
// The captured tables as backfill and verify write SQL for them. The tables themselves
// (columns, keys, soft delete) are the catalog's (core/catalog/tables.hpp), so the COPY
// that fills ClickHouse, the checksum that verifies it and the CDC that keeps it current
// can never disagree about a column.

#include <string>
#include <string_view>

#include "core/catalog/tables.hpp"

namespace nf::backfill {

using TableSpec = catalog::Table;

// PostgreSQL expression for a timestamptz as whole UTC seconds since the epoch, truncated
// (ClickHouse DateTime has no fraction). date_part returns float8, which holds a
// microsecond timestamp exactly enough that floor() never rounds up to the next second.
std::string pg_epoch_seconds(std::string_view column);

// ClickHouse condition, over the latest version of a row (FINAL), for "the row exists":
// live, or soft-deleted (its soft-delete column set). A _deleted row without it is a
// hard-delete tombstone and counts as absent.
std::string ch_present_condition(const TableSpec& table);

}  // namespace nf::backfill
