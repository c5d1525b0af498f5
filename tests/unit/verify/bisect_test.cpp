#include <catch2/catch.hpp>

#include <atomic>
#include <functional>
#include <map>

#include "core/verify/bisect.hpp"
#include "core/verify/row_hash.hpp"

using namespace nf::verify;

namespace {

// An in-memory table: key → (updated_at, fields). Its Side computes what the SQL computes.
struct FakeTable {
  std::map<uint64_t, LeafRow> rows;
  Window window;
  std::atomic<int> stats_calls{0};
  std::atomic<uint64_t> rows_fetched{0};

  void put(uint64_t key, int64_t updated_at, std::vector<std::string> fields) {
    rows[key] = LeafRow{{key}, updated_at, std::move(fields)};
  }

  bool in_window(const LeafRow& row) const {
    return row.updated_at <= window.cutoff_epoch_s && (!window.since_epoch_s || row.updated_at >= *window.since_epoch_s);
  }

  Side side() {
    Side s;
    s.stats = [this](uint64_t group, uint64_t filter, const std::vector<uint64_t>& buckets) {
      ++stats_calls;
      BucketStats stats;
      for (const auto& [key, row] : rows) {
        if (!in_window(row)) continue;
        if (!buckets.empty() && std::find(buckets.begin(), buckets.end(), key % filter) == buckets.end()) continue;
        auto& stat = stats[key % group];
        stat.rows += 1;
        stat.checksum += std::hash<std::string>{}(canonical_text(row.fields));
      }
      return stats;
    };
    s.rows = [this](uint64_t modulus, const std::vector<uint64_t>& buckets) {
      std::vector<LeafRow> out;
      for (const auto& [key, row] : rows)
        if (std::find(buckets.begin(), buckets.end(), key % modulus) != buckets.end()) out.push_back(row);
      rows_fetched += out.size();
      return out;
    };
    return s;
  }
};

const std::vector<std::string> kFields = {"id", "caption", "deleted"};

std::vector<std::string> fields_of(uint64_t key, const std::string& caption = "c", bool deleted = false) {
  return {std::to_string(key), caption, deleted ? "1" : "0"};
}

}  // namespace

TEST_CASE("mismatched_buckets: differing counts or checksums, and one-sided buckets") {
  BucketStats pg = {{0, {2, 10}}, {1, {1, 5}}, {3, {4, 4}}};
  BucketStats ch = {{0, {2, 10}}, {1, {1, 6}}, {2, {1, 1}}};
  CHECK(mismatched_buckets(pg, ch) == std::vector<uint64_t>{1, 2, 3});
  CHECK(mismatched_buckets(pg, pg).empty());
  CHECK(rows_in(pg, {1, 3, 9}) == 5);
}

TEST_CASE("diff_rows classifies missing, extra and different (naming the columns)") {
  Window window{std::nullopt, 1000};
  std::vector<LeafRow> pg = {{{1}, 10, fields_of(1)}, {{2}, 10, fields_of(2)}, {{3}, 10, fields_of(3, "old")}};
  std::vector<LeafRow> ch = {{{3}, 10, fields_of(3, "new")}, {{2}, 10, fields_of(2)}, {{4}, 10, fields_of(4)}};
  const RowDrift drift = diff_rows(pg, ch, window, kFields);
  CHECK(drift.missing == std::vector<std::vector<uint64_t>>{{1}});
  CHECK(drift.extra == std::vector<std::vector<uint64_t>>{{4}});
  REQUIRE(drift.different.size() == 1);
  CHECK(drift.different[0].key == std::vector<uint64_t>{3});
  CHECK(drift.different[0].columns == std::vector<std::string>{"caption"});
}

TEST_CASE("diff_rows skips rows in flight on either side and rows outside the window") {
  Window window{100, 1000};
  std::vector<LeafRow> pg = {{{1}, 1001, fields_of(1, "new")},  // just changed in PostgreSQL: CDC lag
                             {{2}, 50, fields_of(2)},           // old on both sides: outside --since
                             {{3}, 500, fields_of(3, "pg")}};
  std::vector<LeafRow> ch = {{{1}, 900, fields_of(1, "old")}, {{3}, 50, fields_of(3, "ch")}};
  const RowDrift drift = diff_rows(pg, ch, window, kFields);
  CHECK(drift.skipped_in_flight == 1);
  CHECK(drift.missing.empty());  // 2 is outside the window
  REQUIRE(drift.different.size() == 1);  // 3 is in the window on the PostgreSQL side
  CHECK(drift.different[0].key == std::vector<uint64_t>{3});
}

TEST_CASE("bisect narrows planted drift in 100,000 rows down to the ids, fetching few rows") {
  FakeTable pg, ch;
  pg.window = ch.window = Window{std::nullopt, 1'000'000};
  for (uint64_t key = 1; key <= 100'000; ++key) {
    pg.put(key, 10, fields_of(key));
    ch.put(key, 10, fields_of(key));
  }
  ch.rows.erase(777);                                   // missing in ClickHouse
  ch.put(200'001, 10, fields_of(200'001));              // extra in ClickHouse
  ch.put(4242, 10, fields_of(4242, "changed"));         // different caption
  ch.put(31337, 10, fields_of(31337, "c", true));       // deleted in ClickHouse only
  BisectOptions options;
  options.buckets = 16;
  options.factor = 16;
  options.leaf_rows = 500;
  const BisectResult result = bisect(pg.side(), ch.side(), pg.window, kFields, options);
  CHECK(result.pg_rows == 100'000);
  CHECK(result.ch_rows == 100'000);
  CHECK(result.mismatched_buckets >= 1);
  REQUIRE(result.narrowed);
  CHECK(result.drift.missing == std::vector<std::vector<uint64_t>>{{777}});
  CHECK(result.drift.extra == std::vector<std::vector<uint64_t>>{{200'001}});
  REQUIRE(result.drift.different.size() == 2);
  CHECK(result.drift.different[0].key == std::vector<uint64_t>{4242});
  CHECK(result.drift.different[0].columns == std::vector<std::string>{"caption"});
  CHECK(result.drift.different[1].key == std::vector<uint64_t>{31337});
  CHECK(result.drift.different[1].columns == std::vector<std::string>{"deleted"});
  // Narrowing fetched a few buckets' rows, not the table.
  CHECK(pg.rows_fetched < 2000);
  CHECK(ch.rows_fetched < 2000);
}

TEST_CASE("bisect of consistent tables is one pass per side") {
  FakeTable pg, ch;
  pg.window = ch.window = Window{std::nullopt, 1000};
  for (uint64_t key = 1; key <= 1000; ++key) {
    pg.put(key, 10, fields_of(key));
    ch.put(key, 10, fields_of(key));
  }
  ch.put(5000, 2000, fields_of(5000));  // in flight: younger than the cutoff, not compared
  const BisectResult result = bisect(pg.side(), ch.side(), pg.window, kFields, {});
  CHECK(result.mismatched_buckets == 0);
  CHECK(result.drift.empty());
  CHECK(pg.stats_calls == 1);
  CHECK(ch.stats_calls == 1);
}

TEST_CASE("bisect gives up listing ids when drift is too large, but still counts") {
  FakeTable pg, ch;
  pg.window = ch.window = Window{std::nullopt, 1000};
  for (uint64_t key = 1; key <= 5000; ++key) pg.put(key, 10, fields_of(key));  // ClickHouse is empty
  BisectOptions options;
  options.buckets = 4;
  options.factor = 2;
  options.leaf_rows = 100;
  options.max_levels = 2;
  const BisectResult result = bisect(pg.side(), ch.side(), pg.window, kFields, options);
  CHECK_FALSE(result.narrowed);
  CHECK(result.pg_rows == 5000);
  CHECK(result.ch_rows == 0);
  CHECK(result.mismatched_buckets == 4);
}
