#pragma once
// Key ranges: the unit of parallel work and of checkpoints. A table is split on its
// first key column into inclusive ranges of about `chunk_rows` rows each (the key
// density is taken as even; a skewed table only makes some ranges bigger). On resume the
// key space minus the finished ranges is split again, so a table that grew or shrank
// between the runs is still covered exactly once.

#include <cstdint>
#include <vector>

namespace nf::backfill {

struct KeyRange {
  uint64_t start = 0;  // inclusive
  uint64_t end = 0;    // inclusive
  bool operator==(const KeyRange&) const = default;
};

// Splits [min_key, max_key] into ranges of about `chunk_rows` rows, given an estimate of
// the rows in it. Returns nothing when min_key > max_key (an empty table).
std::vector<KeyRange> split_ranges(uint64_t min_key, uint64_t max_key, uint64_t estimated_rows, uint64_t chunk_rows);

// The parts of `whole` not covered by any of `done` (which may overlap, be unsorted or
// reach outside `whole`), in key order.
std::vector<KeyRange> subtract_ranges(KeyRange whole, std::vector<KeyRange> done);

// The ranges still to copy: `whole` minus `done`, each gap split like split_ranges with
// the key density of `whole`.
std::vector<KeyRange> plan_ranges(KeyRange whole, uint64_t estimated_rows, uint64_t chunk_rows,
                                  const std::vector<KeyRange>& done);

}  // namespace nf::backfill
