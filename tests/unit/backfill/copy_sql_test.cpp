#include <catch2/catch.hpp>

#include "core/backfill/copy_sql.hpp"
#include "core/backfill/repair.hpp"
#include "core/backfill/backfill.hpp"
#include "core/backfill/progress.hpp"
#include "core/catalog/tables.hpp"
#include "core/error/error.hpp"

using namespace nf::backfill;
using nf::catalog::table;

TEST_CASE("the COPY writes ClickHouse's columns: epoch seconds, the snapshot LSN and the delete flag") {
  RowFilter filter;
  filter.range = KeyRange{100, 199};
  CHECK(copy_statement(table("posts"), 23849824, filter) ==
        "COPY (SELECT id, author_id, caption, floor(date_part('epoch', created_at))::bigint, "
        "floor(date_part('epoch', updated_at))::bigint, floor(date_part('epoch', deleted_at))::bigint, 23849824, "
        "(deleted_at IS NOT NULL)::int FROM posts WHERE id BETWEEN 100 AND 199) TO STDOUT");
  CHECK(insert_statement(table("posts")) ==
        "INSERT INTO posts (id, author_id, caption, created_at, updated_at, deleted_at, _version, _deleted) "
        "FORMAT TabSeparated");
}

TEST_CASE("tables without soft delete are never marked deleted, ranges use the first key column") {
  RowFilter filter;
  filter.range = KeyRange{1, 10};
  filter.since_epoch_s = 1763890185;
  const std::string sql = copy_statement(table("follows"), 7, filter);
  CHECK(sql.find(", 7, 0 FROM follows WHERE follower_id BETWEEN 1 AND 10 AND updated_at >= to_timestamp(1763890185)") !=
        std::string::npos);
}

TEST_CASE("targeted repair filters by key list and writes key-only tombstones") {
  RowFilter filter;
  filter.keys = {12, 13};
  CHECK(where_clause(table("likes"), filter) == " WHERE user_id IN (12,13)");
  CHECK(tombstone_insert_statement(table("likes")) ==
        "INSERT INTO likes (user_id, post_id, _version, _deleted) FORMAT TabSeparated");
  CHECK(tombstone_rows({{12, 5}, {13, 6}}, 99) == "12\t5\t99\t1\n13\t6\t99\t1\n");
}

TEST_CASE("the epoch expression truncates (DateTime has no fraction, CDC truncates too)") {
  CHECK(pg_epoch_seconds("created_at") == "floor(date_part('epoch', created_at))::bigint");
}

TEST_CASE("backfill: ids and since flag parsing") {
  CHECK(parse_ids("13, 12,13", "--ids") == std::vector<uint64_t>{12, 13});
  CHECK_THROWS_AS(parse_ids("12,x", "--ids"), nf::Error);
  CHECK_THROWS_AS(parse_ids("12,,13", "--ids"), nf::Error);
  CHECK_THROWS_AS(parse_ids("-1", "--ids"), nf::Error);
  CHECK_FALSE(parse_since("all", "--since").has_value());
  CHECK_FALSE(parse_since("0", "--since").has_value());
  CHECK(parse_since("24h", "--since") == 86400);
  CHECK_THROWS_AS(parse_since("yesterday", "--since"), nf::Error);
}

TEST_CASE("LSNs print as PostgreSQL does and parse back") {
  CHECK(format_lsn(0x16B3748) == "0/16B3748");
  CHECK(format_lsn((uint64_t{3} << 32) | 0xA0) == "3/A0");
  CHECK(parse_lsn("3/A0") == ((uint64_t{3} << 32) | 0xA0));
  CHECK_THROWS_AS(parse_lsn("nonsense"), nf::Error);
}

TEST_CASE("the progress line shows rows, rate and ETA") {
  CHECK(group_thousands(1234567) == "1,234,567");
  CHECK(group_thousands(999) == "999");
  CHECK(render_progress("follows", 500000, 1000000, 2.0) ==
        "follows [############............]  500,000 / ~1,000,000 rows  250,000 rows/s  ETA 2 s");
  CHECK(render_progress("likes", 10, 0, 1.0) == "likes  10 rows  10 rows/s");
}
