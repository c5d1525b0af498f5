#include <catch2/catch.hpp>

#include "core/backfill/ranges.hpp"

using nf::backfill::KeyRange;
using nf::backfill::plan_ranges;
using nf::backfill::split_ranges;
using nf::backfill::subtract_ranges;

namespace {

// Every key in [lo, hi] is in exactly one range, and the ranges are ordered.
void require_exact_cover(const std::vector<KeyRange>& ranges, uint64_t lo, uint64_t hi) {
  REQUIRE_FALSE(ranges.empty());
  CHECK(ranges.front().start == lo);
  CHECK(ranges.back().end == hi);
  for (size_t i = 0; i < ranges.size(); ++i) {
    CHECK(ranges[i].start <= ranges[i].end);
    if (i > 0) CHECK(ranges[i].start == ranges[i - 1].end + 1);
  }
}

}  // namespace

TEST_CASE("split_ranges cuts the key span into ranges of about chunk_rows rows") {
  // 1,000,000 rows over keys 1..20,000 (50 per key), 100,000 per range → 2,000 keys each.
  const auto ranges = split_ranges(1, 20000, 1'000'000, 100'000);
  REQUIRE(ranges.size() == 10);
  CHECK(ranges[0] == KeyRange{1, 2000});
  CHECK(ranges[9] == KeyRange{18001, 20000});
  require_exact_cover(ranges, 1, 20000);
}

TEST_CASE("split_ranges rounds the width up, so the last range is the short one") {
  const auto ranges = split_ranges(10, 19, 10, 3);  // 3 keys per range
  REQUIRE(ranges.size() == 4);
  CHECK(ranges[3] == KeyRange{19, 19});
  require_exact_cover(ranges, 10, 19);
}

TEST_CASE("split_ranges: one key per range at least, an empty table has no ranges") {
  const auto dense = split_ranges(1, 5, 5'000'000, 1000);  // 1M rows per key
  CHECK(dense.size() == 5);
  require_exact_cover(dense, 1, 5);
  CHECK(split_ranges(1, 0, 0, 100).empty());
  CHECK(split_ranges(7, 7, 0, 100) == std::vector<KeyRange>{{7, 7}});
}

TEST_CASE("split_ranges copes with the top of the key space without overflowing") {
  const uint64_t max = UINT64_MAX;
  const auto ranges = split_ranges(max - 9, max, 10, 4);
  REQUIRE(ranges.size() == 3);
  require_exact_cover(ranges, max - 9, max);
}

TEST_CASE("subtract_ranges leaves the gaps between finished ranges") {
  CHECK(subtract_ranges({1, 100}, {}) == std::vector<KeyRange>{{1, 100}});
  CHECK(subtract_ranges({1, 100}, {{1, 100}}).empty());
  CHECK(subtract_ranges({1, 100}, {{21, 40}, {1, 10}}) == std::vector<KeyRange>{{11, 20}, {41, 100}});
  // Overlapping and out-of-span finished ranges.
  CHECK(subtract_ranges({10, 100}, {{1, 15}, {12, 30}, {90, 200}}) == std::vector<KeyRange>{{31, 89}});
  CHECK(subtract_ranges({10, 100}, {{200, 300}}) == std::vector<KeyRange>{{10, 100}});
}

TEST_CASE("plan_ranges on resume covers exactly what is left, even when the table grew") {
  // First run planned 1..20,000 in 2,000-key ranges and finished three of them.
  const std::vector<KeyRange> done = {{1, 2000}, {4001, 6000}, {2001, 4000}};
  // Now the table reaches key 21,000.
  const auto left = plan_ranges({1, 21000}, 1'050'000, 100'000, done);
  require_exact_cover(left, 6001, 21000);
  for (const auto& range : left) CHECK(range.end - range.start + 1 <= 2000);
}
