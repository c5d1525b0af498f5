// core/discover without servers: window names, keys, the cache values' JSON shape (the
// documented samples in tests/data/discover/ round-trip), malformed values, the
// suggested-users merge, the trending row parser, and the memo's expiry.
#include <catch2/catch.hpp>

#include <cmath>

#include "core/discover/memo.hpp"
#include "core/discover/suggestions.hpp"
#include "core/discover/trending.hpp"
#include "core/error/error.hpp"
#include "tests/support/run.hpp"

using nf::discover::SuggestionCandidate;

TEST_CASE("trending windows: 1h, 24h and 7d in hours, anything else is invalid_window", "[discover]") {
  CHECK(nf::discover::window_hours("1h") == 1);
  CHECK(nf::discover::window_hours("24h") == 24);
  CHECK(nf::discover::window_hours("7d") == 168);
  for (const char* window : {"", "2h", "24H", "1d", "7d ", "168h", "24"}) {
    INFO("'" << window << "'");
    try {
      nf::discover::window_hours(window);
      FAIL("expected an error");
    } catch (const nf::Error& e) {
      CHECK(e.code() == nf::ExitCode::usage);
      CHECK(e.reason() == "invalid_window");
      CHECK_THAT(e.what(), Catch::Contains("1h, 24h or 7d"));
    }
  }
}

TEST_CASE("discover Redis keys", "[discover]") {
  CHECK(nf::discover::hot_posts_key("1h") == "hot:posts:1h");
  CHECK(nf::discover::hot_posts_key("7d") == "hot:posts:7d");
  CHECK_THROWS_AS(nf::discover::hot_posts_key("30d"), nf::Error);
  CHECK(nf::discover::suggestions_key(42) == "suggest:users:42");
}

TEST_CASE("the documented hot:posts value round-trips, and its numbers follow the trend of SPEC §3", "[discover]") {
  const auto sample = nlohmann::json::parse(nf::test::read_data_file("discover/hot_posts_24h.json"));
  const auto list = nf::discover::trending_from_json(sample);
  CHECK(list.window == "24h");
  CHECK(list.computed_at_ms == 1763900000000);
  CHECK_FALSE(list.from_cache);
  REQUIRE(list.items.size() == 2);
  CHECK(list.items[0].post.id == 9100000001u);
  CHECK(list.items[0].features.counts.likes == 3);
  CHECK(list.items[0].features.counts.impressions == 10);
  CHECK(nf::discover::to_json(list) == sample);

  const nf::ranking::Params params;
  for (const auto& item : list.items) {
    INFO("post " << item.post.id);
    CHECK(item.features.freshness == Approx(nf::ranking::freshness(params, list.computed_at_ms, item.post.created_at_ms)));
    CHECK(item.features.engagement == Approx(nf::ranking::engagement(item.features.counts)).margin(1e-12));
    CHECK(item.trend == Approx(nf::ranking::trend(params, item.features.engagement, item.features.freshness)));
  }
}

TEST_CASE("the documented suggest:users value round-trips", "[discover]") {
  const auto sample = nlohmann::json::parse(nf::test::read_data_file("discover/suggest_users_42.json"));
  const auto list = nf::discover::suggestions_from_json(sample);
  CHECK(list.user_id == 42);
  REQUIRE(list.items.size() == 3);
  CHECK(list.items[0].reason == "both");
  CHECK(list.items[2].mutual_follows == 1);
  CHECK(nf::discover::to_json(list) == sample);
}

TEST_CASE("from_cache is set by the reader only, and shown in the body as cached", "[discover]") {
  nf::discover::TrendingList list;
  list.window = "1h";
  list.from_cache = true;
  CHECK(nf::discover::to_json(list)["cached"] == true);
  CHECK_FALSE(nf::discover::trending_from_json(nf::discover::to_json(list)).from_cache);
}

TEST_CASE("malformed cache values are check_failed errors naming the problem", "[discover]") {
  const auto cases = nlohmann::json::parse(nf::test::read_data_file("discover/malformed.json"));
  REQUIRE(cases.size() >= 10);
  for (const auto& c : cases) {
    INFO(c["name"].get<std::string>());
    try {
      if (c["kind"] == "trending") nf::discover::trending_from_json(c["value"]);
      else nf::discover::suggestions_from_json(c["value"]);
      FAIL("expected an error");
    } catch (const nf::Error& e) {
      CHECK(e.code() == nf::ExitCode::check_failed);
      CHECK(std::string(e.what()).size() > 20);
    }
  }
}

TEST_CASE("suggested users: ln(1+mutual) + ln(1+N), ties by lower id, reasons, cut to limit", "[discover]") {
  const std::vector<SuggestionCandidate> candidates{
      {30, 1, 0},  // ln 2 = 0.6931, friends_of_friends
      {10, 0, 2},  // ln 3 = 1.0986, affinity
      {7, 2, 1},   // ln 3 + ln 2 = 1.7918, both
      {20, 1, 0},  // ln 2, ties with 30: the lower id first
      {5, 0, 0},   // neither: dropped
      {40, 0, 1},  // ln 2, ties with 20 and 30
  };
  const auto ranked = nf::discover::rank_suggestions(candidates, 20);
  REQUIRE(ranked.size() == 5);
  std::vector<uint64_t> ids;
  for (const auto& user : ranked) ids.push_back(user.user_id);
  CHECK(ids == std::vector<uint64_t>{7, 10, 20, 30, 40});
  CHECK(ranked[0].score == Approx(std::log(3.0) + std::log(2.0)));
  CHECK(ranked[0].reason == "both");
  CHECK(ranked[1].score == Approx(std::log(3.0)));
  CHECK(ranked[1].reason == "affinity");
  CHECK(ranked[2].reason == "friends_of_friends");
  CHECK(ranked[4].reason == "affinity");
  CHECK(ranked[4].interactions == 1);

  const auto top2 = nf::discover::rank_suggestions(candidates, 2);
  REQUIRE(top2.size() == 2);
  CHECK(top2[1].user_id == 10);
  CHECK(nf::discover::rank_suggestions({}, 20).empty());
}

TEST_CASE("the single row of parallel arrays of the trending query becomes posts and counts", "[discover]") {
  // As ClickHouse sends it: UInt64 ids quoted, UInt32 numbers plain.
  const auto row = nlohmann::json::parse(R"({"ids":["9100000001","9100000002"],"authors":["17","18"],
      "created":[1763898200,1763897000],"likes":[3,0],"comments":[1,0],"shares":[0,0],"impressions":[10,0]})");
  const auto rows = nf::discover::parse_trending_rows({row});
  REQUIRE(rows.posts.size() == 2);
  CHECK(rows.posts[0].id == 9100000001u);
  CHECK(rows.posts[1].author_id == 18);
  CHECK(rows.posts[1].created_at_ms == 1763897000000);
  REQUIRE(rows.counts.size() == 1);  // the post without any event has no entry
  CHECK(rows.counts.at(9100000001u).likes == 3);
  CHECK(rows.counts.at(9100000001u).comments == 1);
  CHECK(rows.counts.at(9100000001u).impressions == 10);

  auto short_column = row;
  short_column["likes"] = nlohmann::json::array({3});
  CHECK_THROWS_AS(nf::discover::parse_trending_rows({short_column}), nf::Error);
  CHECK_THROWS_AS(nf::discover::parse_trending_rows({}), nf::Error);
  auto missing = row;
  missing.erase("shares");
  CHECK_THROWS_AS(nf::discover::parse_trending_rows({missing}), nf::Error);
}

TEST_CASE("the trending SQL uses the now of the caller for the window and the 30-day counts", "[discover]") {
  const auto sql = nf::discover::trending_sql(24, 1763900000123);
  CHECK_THAT(sql, Catch::Contains("created_at >= toDateTime(1763813600)"));  // 1763900000 - 86400
  CHECK_THAT(sql, Catch::Contains("day >= toDate(toDateTime(1763900000) - INTERVAL 30 DAY)"));
  CHECK_THAT(sql, !Catch::Contains("now()") && !Catch::Contains("log1p"));
  CHECK_THAT(sql, Catch::Contains("_deleted = 0"));
}

TEST_CASE("memo: a value is reused for its ttl, then forgotten, and ttl 0 never reuses", "[discover]") {
  auto now = std::chrono::steady_clock::time_point{} + std::chrono::hours(1);
  const auto clock = [&now] { return now; };
  nf::discover::Memo<int> memo(std::chrono::milliseconds(30000), clock);
  CHECK_FALSE(memo.find("24h"));
  memo.store("24h", 7);
  now += std::chrono::milliseconds(29999);
  REQUIRE(memo.find("24h"));
  CHECK(*memo.find("24h") == 7);
  CHECK_FALSE(memo.find("1h"));
  now += std::chrono::milliseconds(1);
  CHECK_FALSE(memo.find("24h"));
  memo.store("24h", 8);
  CHECK(*memo.find("24h") == 8);

  CHECK(memo.remembers());
  nf::discover::Memo<int> never(std::chrono::milliseconds(0), clock);
  CHECK_FALSE(never.remembers());
  never.store("24h", 7);
  CHECK_FALSE(never.find("24h"));
}
