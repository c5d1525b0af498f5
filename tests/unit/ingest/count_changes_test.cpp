// The ingest's count-change messages: what serve's engagement snapshot parses back.

#include <catch2/catch.hpp>

#include "core/feed/engagement_snapshot.hpp"
#include "core/ingest/count_changes.hpp"

TEST_CASE("count changes: post ids in chunks, each one a message serve reads back whole", "[ingest][count_changes]") {
  using nf::ingest::changed_posts_messages;
  CHECK(changed_posts_messages({}, 3).empty());
  CHECK(changed_posts_messages({7}, 3) == std::vector<std::string>{"7"});
  const auto messages = changed_posts_messages({1, 2, 3, 4, 5, 6, 70}, 3);
  CHECK(messages == std::vector<std::string>{"1 2 3", "4 5 6", "70"});
  std::vector<uint64_t> back;
  for (const auto& message : messages) {
    const auto posts = nf::feed::parse_changed_posts(message);
    REQUIRE(posts);
    back.insert(back.end(), posts->begin(), posts->end());
  }
  CHECK(back == std::vector<uint64_t>{1, 2, 3, 4, 5, 6, 70});
}
