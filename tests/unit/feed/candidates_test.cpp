// The pure pieces of the candidate fetch: the warmer's shared engagement read (its SQL
// and its TabSeparated answer).
#include <catch2/catch.hpp>

#include "core/error/error.hpp"
#include "core/feed/candidates.hpp"

namespace {

using nf::feed::parse_engagement_tsv;

}  // namespace

TEST_CASE("feed: parse_engagement_tsv reads post_id, L, C, S, I per line", "[feed]") {
  const auto table = parse_engagement_tsv("7\t2\t1\t0\t10\n18446744073709551615\t0\t0\t0\t0\n\n9\t1\t2\t3\t4");
  REQUIRE(table.size() == 3);
  CHECK(table.at(7).likes == 2);
  CHECK(table.at(7).comments == 1);
  CHECK(table.at(7).shares == 0);
  CHECK(table.at(7).impressions == 10);
  CHECK(table.at(18446744073709551615ULL).impressions == 0);  // a post without counts: zeros, present
  CHECK(table.at(9).shares == 3);
  CHECK(parse_engagement_tsv("").empty());
}

TEST_CASE("feed: parse_engagement_tsv refuses a malformed line, naming it", "[feed]") {
  for (const char* body : {"7\t2\t1\t0\n",            // four fields
                           "7\t2\t1\t0\t10\t5\n",     // six
                           "7\t2\t1\t0\t-1\n",        // negative
                           "7 2 1 0 10\n",            // spaces
                           "7\t2\t1\t0\t10x\n",       // trailing junk
                           "1\t0\t0\t0\t0\nbad\n"}) {  // a bad second line
    INFO(body);
    try {
      parse_engagement_tsv(body);
      FAIL("accepted");
    } catch (const nf::Error& e) {
      CHECK(e.code() == nf::ExitCode::check_failed);
      CHECK_THAT(e.what(), Catch::Contains("engagement line"));
    }
  }
}

TEST_CASE("feed: recent_engagement_sql covers the widest source window and the event retention", "[feed]") {
  nf::ranking::Params params;
  params.follow_window_h = 72;
  params.trending_window_h = 168;
  params.affinity_window_h = 48;
  const int64_t now_ms = 1'700'000'000'000;
  const auto sql = nf::feed::recent_engagement_sql(params, now_ms);
  CHECK_THAT(sql, Catch::Contains("created_at >= toDateTime(" + std::to_string(1'700'000'000 - 168 * 3600) + ")"));
  CHECK_THAT(sql, Catch::Contains("day >= toDate(toDateTime(" + std::to_string(1'700'000'000 - 30 * 86400) + "))"));
  CHECK_THAT(sql, Catch::Contains("ANY LEFT JOIN"));  // zeros for posts without counts
}

TEST_CASE("feed: the warmer's batch statements cut each source per user and read the users as a table", "[feed]") {
  nf::ranking::Params params;
  params.follow_limit = 500;
  params.affinity_limit = 200;
  const std::vector<uint64_t> users = {42, 7, 18446744073709551615ULL};
  const int64_t now_ms = 1'700'000'000'000;
  const auto follow = nf::feed::follow_batch_sql(params, users, now_ms);
  const auto affinity = nf::feed::affinity_batch_sql(params, users, now_ms);
  const auto seen = nf::feed::seen_batch_sql(params, users, now_ms);
  const auto interactions = nf::feed::interactions_batch_sql(params, users, now_ms);
  CHECK_THAT(follow.sql, Catch::Contains("ORDER BY user_id, created_s DESC, id DESC LIMIT 500 BY user_id"));
  CHECK_THAT(affinity.sql, Catch::Contains("ORDER BY user_id, n DESC, created_s DESC, id DESC LIMIT 200 BY user_id"));
  for (const auto* query : {&follow, &affinity, &seen, &interactions}) {
    INFO(query->sql);
    CHECK_THAT(query->sql, Catch::Contains("IN nf_users"));
    REQUIRE(query->tables.size() == 1);
    CHECK(query->tables[0].name == "nf_users");
    CHECK(query->tables[0].structure == "user_id UInt64");
    CHECK(query->tables[0].rows == "42\n7\n18446744073709551615\n");
  }
}
