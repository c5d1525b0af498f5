#pragma once
// The ClickHouse tables that hold Nova's data: the five captured tables, the events, the
// aggregates ranking reads, and the backfill checkpoints that describe their contents.
// `seed --truncate` empties exactly these, so that a seed is the whole world afterwards
// (no post or follow left from an earlier seed or test tops a ranking). Not emptied: the
// pipeline's Kafka positions (ingest_offsets: emptying them would re-read every topic)
// and the migrations table. Materialized views are not tables and hold nothing.

#include <string>
#include <vector>

#include "core/config/config.hpp"

namespace nf::schema {

// Every data table of the ClickHouse migrations, in the order they are emptied (the
// views' targets after their sources, so a concurrent insert leaves less behind).
const std::vector<std::string>& clickhouse_data_tables();

// TRUNCATEs each of them in the configured database and returns their names. Throws
// nf::Error(unreachable) when ClickHouse does not answer, nf::Error(check_failed) when
// it refuses (e.g. the schema is not applied: run `novafeed schema apply`).
std::vector<std::string> truncate_clickhouse_data(const config::Config& config);

}  // namespace nf::schema
