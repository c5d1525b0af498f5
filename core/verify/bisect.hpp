#pragma once
// Narrowing a difference down to ids, independent of any database (the sides are
// functions, so unit tests drive it with in-memory tables).
//
//   level 0: every row in bucket key % B; count + checksum per bucket on both sides
//   level n: only the mismatched buckets, split F ways (key % (B·F^n)), again on both sides
//   leaf:    once the mismatched buckets hold few rows, fetch those rows and compare fields
//
// Refining keeps exactly the mismatched children: a bucket whose count or checksum differs
// has at least one child that differs, and a matching bucket is assumed consistent (only
// a checksum collision, about 1 in 2^31 for a changed bucket, could hide a difference).

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace nf::verify {

struct BucketStat {
  uint64_t rows = 0;
  uint64_t checksum = 0;  // sum of row hashes (row_hash.hpp)
  bool operator==(const BucketStat&) const = default;
};
using BucketStats = std::map<uint64_t, BucketStat>;  // bucket → stat (empty buckets absent)

// Buckets whose stats differ (a bucket present on one side only included), ascending.
std::vector<uint64_t> mismatched_buckets(const BucketStats& pg, const BucketStats& ch);

// Rows in `buckets` per the stats.
uint64_t rows_in(const BucketStats& stats, const std::vector<uint64_t>& buckets);

// One compared row at the leaf: its key, updated_at (epoch s) and canonical fields.
struct LeafRow {
  std::vector<uint64_t> key;
  int64_t updated_at = 0;
  std::vector<std::string> fields;
};

// Which rows count: updated in [since, cutoff]. A row younger than cutoff on either side
// is in flight (CDC lag) and skipped; a row older than since on both sides is out of the
// window.
struct Window {
  std::optional<int64_t> since_epoch_s;
  int64_t cutoff_epoch_s = 0;
};

struct DifferentRow {
  std::vector<uint64_t> key;
  std::vector<std::string> columns;  // the fields that differ
};

struct RowDrift {
  std::vector<std::vector<uint64_t>> missing;  // in PostgreSQL, not in ClickHouse
  std::vector<std::vector<uint64_t>> extra;    // in ClickHouse, not in PostgreSQL
  std::vector<DifferentRow> different;
  uint64_t skipped_in_flight = 0;
  bool empty() const { return missing.empty() && extra.empty() && different.empty(); }
};

// Compares the leaf rows of both sides; `field_names` names the fields for `different`.
RowDrift diff_rows(std::vector<LeafRow> pg, std::vector<LeafRow> ch, const Window& window,
                   const std::vector<std::string>& field_names);

// One database as bisect() sees it.
struct Side {
  // Stats grouped by key % group_modulus, over rows with key % filter_modulus in
  // filter_buckets (filter_buckets empty: all rows). Window filtering is the side's job.
  std::function<BucketStats(uint64_t group_modulus, uint64_t filter_modulus, const std::vector<uint64_t>& filter_buckets)>
      stats;
  // All rows (no window filter) with key % modulus in buckets.
  std::function<std::vector<LeafRow>(uint64_t modulus, const std::vector<uint64_t>& buckets)> rows;
};

struct BisectOptions {
  uint64_t buckets = 64;      // B
  uint64_t factor = 64;       // F
  uint64_t leaf_rows = 20000; // fetch rows once the mismatched buckets hold at most this many
  int max_levels = 4;         // give up narrowing (report counts only) below this
};

struct BisectResult {
  uint64_t pg_rows = 0, ch_rows = 0;  // in the window, whole table
  uint64_t mismatched_buckets = 0;    // at the first level
  bool narrowed = false;              // leaf reached: `drift` is complete
  RowDrift drift;
};

// Runs the comparison; each level queries both sides concurrently.
BisectResult bisect(const Side& pg, const Side& ch, const Window& window, const std::vector<std::string>& field_names,
                    const BisectOptions& options);

}  // namespace nf::verify
