// A TRUNCATE applied to ClickHouse (core/ingest/truncate.hpp): the tombstone statement,
// the marks, and which caches a truncated table makes stale. The statement is run against
// real servers in tests/integration/truncate_test.cpp.
#include <catch2/catch.hpp>

#include "core/ingest/truncate.hpp"

using nf::ingest::TruncateMarks;

TEST_CASE("truncate: the tombstones of a soft-delete table clear deleted_at and skip rows already hard-deleted") {
  const auto* posts = nf::ingest::find_cdc_table("posts");
  REQUIRE(posts != nullptr);
  CHECK(nf::ingest::tombstone_rows_sql(*posts, 24070000) ==
        "INSERT INTO posts (id, author_id, caption, created_at, updated_at, deleted_at, _version, _deleted) "
        "SELECT id, author_id, caption, created_at, updated_at, CAST(NULL AS Nullable(DateTime)), "
        "toUInt64(24070000), toUInt8(1) "
        "FROM (SELECT id, author_id, caption, created_at, updated_at, deleted_at, _version, _deleted FROM posts FINAL) "
        "WHERE _version < 24070000 AND (_deleted = 0 OR deleted_at IS NOT NULL)");
}

TEST_CASE("truncate: the tombstones of a table without soft delete select its live rows older than the LSN") {
  const auto* likes = nf::ingest::find_cdc_table("likes");
  REQUIRE(likes != nullptr);
  CHECK(nf::ingest::tombstone_rows_sql(*likes, 7) ==
        "INSERT INTO likes (user_id, post_id, created_at, updated_at, _version, _deleted) "
        "SELECT user_id, post_id, created_at, updated_at, toUInt64(7), toUInt8(1) "
        "FROM (SELECT user_id, post_id, created_at, updated_at, _version, _deleted FROM likes FINAL) "
        "WHERE _version < 7 AND _deleted = 0");
}

TEST_CASE("truncate: a change is covered by its own table's mark only, and only when strictly older") {
  const TruncateMarks marks = {{"likes", 100}};
  CHECK(nf::ingest::covered_by_truncate(marks, "likes", 99));
  CHECK_FALSE(nf::ingest::covered_by_truncate(marks, "likes", 100));  // the truncate's own LSN: not a change before it
  CHECK_FALSE(nf::ingest::covered_by_truncate(marks, "likes", 101));
  CHECK_FALSE(nf::ingest::covered_by_truncate(marks, "posts", 1));
  CHECK_FALSE(nf::ingest::covered_by_truncate({}, "likes", 1));
}

TEST_CASE("truncate: marks parse from both engines' JSON (UInt64 quoted or not)") {
  const std::vector<nlohmann::json> rows = {{{"table_name", "posts"}, {"lsn", "2163398352"}},
                                            {{"table_name", "likes"}, {"lsn", 24070000}}};
  const TruncateMarks marks = nf::ingest::parse_truncate_marks(rows);
  CHECK(marks == TruncateMarks{{"posts", 2163398352}, {"likes", 24070000}});
  CHECK(nf::ingest::truncate_marks_sql() == "SELECT table_name, max(lsn) AS lsn FROM cdc_truncates GROUP BY table_name");
}

TEST_CASE("truncate: the caches computed from each table are dropped, and only those") {
  using V = std::vector<std::string>;
  CHECK(nf::ingest::caches_stale_after_truncate("posts") == V{"feed:v1:*", "hot:posts:*"});
  CHECK(nf::ingest::caches_stale_after_truncate("follows") == V{"feed:v1:*", "suggest:users:*"});
  CHECK(nf::ingest::caches_stale_after_truncate("users") == V{"suggest:users:*"});
  // The ranking and the suggestions read engagement from the events, not these tables.
  CHECK(nf::ingest::caches_stale_after_truncate("likes").empty());
  CHECK(nf::ingest::caches_stale_after_truncate("comments").empty());
}
