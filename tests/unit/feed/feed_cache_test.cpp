#include <catch2/catch.hpp>

#include "core/error/error.hpp"
#include "core/feed/feed_cache.hpp"
#include "tests/support/run.hpp"

using nf::feed::CachedFeed;
using nf::feed::FeedItem;
using nf::ranking::Source;

TEST_CASE("feed: the cached value is the documented JSON and reads back equal", "[feed]") {
  const CachedFeed feed{1'795'000'000'123,
                        {FeedItem{9'200'000'001, 9'200'000'101, 1'794'996'400'000, 0.7412, Source::follow},
                         FeedItem{9'200'000'002, 9'200'000'102, 1'794'990'000'000, 0.5, Source::trending},
                         FeedItem{9'200'000'003, 9'200'000'103, 1'794'900'000'000, 0.25, Source::affinity}}};
  const auto json = nf::feed::to_json(feed);
  // The hand-written file is what the shape must be (docs and redis-cli readers rely on it).
  CHECK(json == nlohmann::json::parse(nf::test::read_data_file("feed/cached_feed.json")));
  CHECK(nf::feed::cached_feed_from_json(nlohmann::json::parse(json.dump())) == feed);
}

TEST_CASE("feed: an empty ranked list round-trips", "[feed]") {
  const CachedFeed feed{1'795'000'000'000, {}};
  CHECK(nf::feed::cached_feed_from_json(nf::feed::to_json(feed)) == feed);
}

TEST_CASE("feed: malformed cached values are refused naming the problem", "[feed]") {
  auto good = nlohmann::json::parse(nf::test::read_data_file("feed/cached_feed.json"));
  const std::vector<std::tuple<std::string, std::function<void(nlohmann::json&)>, std::string>> table = {
      {"timeline is never cached", [](auto& j) { j["algo"] = "timeline"; }, "algo"},
      {"no computed_at", [](auto& j) { j.erase("computed_at"); }, "computed_at"},
      {"computed_at as text", [](auto& j) { j["computed_at"] = "1795000000123"; }, "computed_at"},
      {"items not an array", [](auto& j) { j["items"] = nlohmann::json::object(); }, "items"},
      {"negative post id", [](auto& j) { j["items"][0]["post_id"] = -1; }, "post_id"},
      {"unknown source", [](auto& j) { j["items"][1]["source"] = "magic"; }, "source"},
      {"score as text", [](auto& j) { j["items"][2]["score"] = "high"; }, "score"},
      {"no author", [](auto& j) { j["items"][2].erase("author_id"); }, "author_id"},
      {"not an object", [](auto& j) { j = nlohmann::json::array(); }, "algo"},
  };
  for (const auto& [name, spoil, mentions] : table) {
    INFO(name);
    auto json = good;
    spoil(json);
    try {
      nf::feed::cached_feed_from_json(json);
      FAIL("accepted");
    } catch (const nf::Error& e) {
      CHECK(e.code() == nf::ExitCode::check_failed);
      CHECK_THAT(e.what(), Catch::Contains(mentions));
    }
  }
}
