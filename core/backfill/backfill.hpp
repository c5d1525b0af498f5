#pragma once
// `novafeed backfill`: copies PostgreSQL tables into their ClickHouse mirrors from one
// consistent snapshot, in parallel key ranges, with checkpoints for --resume.
//
//   export a snapshot (coordinator) → per table: plan ranges (minus finished ones)
//   → workers import the snapshot and pump COPY rows into streaming inserts
//   → a checkpoint after each range → summary
//
// Every row is written with _version = the snapshot's LSN, so a change captured by CDC
// after the snapshot (a larger LSN) always wins over the backfilled copy.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/config/config.hpp"

namespace nf::backfill {

struct BackfillRequest {
  std::string table = "all";
  std::optional<int64_t> since_s;  // only rows with updated_at in the last since_s seconds
  int jobs = 2;
  uint64_t chunk_rows = 100000;
  bool resume = false;
  std::vector<uint64_t> ids;  // targeted repair: these values of the first key column
  bool progress = false;      // draw the progress bar on stderr
};

struct TableResult {
  std::string table;
  uint64_t rows = 0;             // copied by this run
  uint64_t ranges = 0;           // copied by this run
  uint64_t resumed_ranges = 0;   // finished by an earlier run and skipped
  uint64_t resumed_rows = 0;
  uint64_t tombstones = 0;       // --ids: keys gone from PostgreSQL, marked deleted
  double seconds = 0;
};

struct BackfillReport {
  uint64_t snapshot_lsn = 0;
  bool resumed = false;
  bool targeted = false;
  std::vector<TableResult> tables;
  double seconds = 0;
};

// Throws nf::Error: usage for bad requests, unreachable for a database that cannot be
// reached, check_failed when a copy fails (finished ranges stay checkpointed).
BackfillReport run_backfill(const config::Config& config, const BackfillRequest& request);

std::string render_text(const BackfillReport& report);
nlohmann::json render_json(const BackfillReport& report);

// "12,13,14" → {12, 13, 14}; throws nf::Error(usage) naming `what` for anything else.
std::vector<uint64_t> parse_ids(std::string_view text, std::string_view what);

// "all" or "0" → nullopt (everything), else a duration ("24h") in seconds; throws
// nf::Error(usage).
std::optional<int64_t> parse_since(std::string_view text, std::string_view what);

// "0/16B3748" for an LSN number.
std::string format_lsn(uint64_t lsn);

}  // namespace nf::backfill
