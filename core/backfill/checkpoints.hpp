#pragma once
// Backfill checkpoints in ClickHouse's backfill_checkpoints, beside the data they
// describe: one row per finished range, plus one "run marker" per fresh run (table name
// "<table>#run", snapshot_lsn = the run's snapshot). A range belongs to the latest run
// when its snapshot_lsn is at least the marker's: LSNs only grow, so ranges of older runs
// are ignored without ever deleting them.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/backfill/ranges.hpp"
#include "core/clickhouse/client.hpp"

namespace nf::backfill {

struct Checkpoint {
  KeyRange range;
  uint64_t snapshot_lsn = 0;
  uint64_t rows = 0;
};

// Records that a fresh run of `table` started at `snapshot_lsn`.
void write_run_marker(const ch::Client& client, const std::string& table, uint64_t snapshot_lsn);

void write_checkpoint(const ch::Client& client, const std::string& table, const Checkpoint& checkpoint);

// The finished ranges of the latest run of `table`; nullopt when no run ever started.
std::optional<std::vector<Checkpoint>> finished_ranges(const ch::Client& client, const std::string& table);

}  // namespace nf::backfill
