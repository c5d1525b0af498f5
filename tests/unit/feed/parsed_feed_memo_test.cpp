#include <catch2/catch.hpp>

#include "core/feed/parsed_feed_memo.hpp"

namespace {

nf::feed::CachedFeed feed_with(uint64_t post_id) {
  nf::feed::CachedFeed feed;
  feed.computed_at_ms = 1'795'000'000'000;
  feed.items.push_back({post_id, 7, 1'794'999'000'000, 0.5, nf::ranking::Source::follow});
  return feed;
}

}  // namespace

TEST_CASE("parsed feed memo: reused only for exactly the bytes it parsed", "[feed]") {
  nf::feed::ParsedFeedMemo memo;
  CHECK_FALSE(memo.find(1, "{}"));
  memo.remember(1, "value-a", feed_with(10));
  const auto hit = memo.find(1, "value-a");
  REQUIRE(hit);
  CHECK(hit->items.at(0).post_id == 10);
  // A recomputed or rewritten value (different bytes) is parsed again, never served stale.
  CHECK_FALSE(memo.find(1, "value-b"));
  CHECK_FALSE(memo.find(1, "value-a "));
  CHECK_FALSE(memo.find(2, "value-a"));
  memo.remember(1, "value-b", feed_with(11));
  CHECK_FALSE(memo.find(1, "value-a"));
  CHECK(memo.find(1, "value-b")->items.at(0).post_id == 11);
}

TEST_CASE("parsed feed memo: bounded, a full shard starts over", "[feed]") {
  nf::feed::ParsedFeedMemo memo(16);  // one entry per shard
  memo.remember(1, "a", feed_with(1));
  memo.remember(17, "b", feed_with(2));  // same shard as user 1: clears it
  CHECK_FALSE(memo.find(1, "a"));
  CHECK(memo.find(17, "b"));
  memo.remember(2, "c", feed_with(3));  // another shard keeps its own
  CHECK(memo.find(17, "b"));
  CHECK(memo.find(2, "c"));
}
