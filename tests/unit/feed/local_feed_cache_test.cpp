#include <catch2/catch.hpp>

#include "core/feed/local_feed_cache.hpp"

namespace {

using nf::feed::CachedFeed;
using nf::feed::LocalFeedCache;

constexpr int64_t kNow = 1'795'000'000'000;

CachedFeed feed_with(uint64_t post_id) {
  CachedFeed feed;
  feed.computed_at_ms = kNow;
  feed.items.push_back({post_id, 7, kNow - 1000, 0.5, nf::ranking::Source::follow});
  return feed;
}

uint64_t first_post(const std::shared_ptr<const LocalFeedCache::Entry>& entry) {
  REQUIRE(entry);
  return entry->feed().items.at(0).post_id;
}

}  // namespace

TEST_CASE("local feed cache: keeps a value until its expiry, invalidation or reset", "[feed]") {
  LocalFeedCache cache(1024);
  CHECK_FALSE(cache.find(1, kNow));
  REQUIRE(cache.store(1, cache.ticket(1), feed_with(10), kNow + 120'000));
  CHECK(first_post(cache.find(1, kNow)) == 10);
  CHECK(first_post(cache.find(1, kNow + 119'999)) == 10);
  CHECK_FALSE(cache.find(1, kNow + 120'000));  // expired: gone, even if no message came
  CHECK(cache.size() == 0);

  REQUIRE(cache.store(1, cache.ticket(1), feed_with(10), kNow + 120'000));
  REQUIRE(cache.store(2, cache.ticket(2), feed_with(20), kNow + 120'000));
  cache.invalidate(1);
  CHECK_FALSE(cache.find(1, kNow));
  CHECK(first_post(cache.find(2, kNow)) == 20);
  cache.reset();
  CHECK_FALSE(cache.find(2, kNow));
}

TEST_CASE("local feed cache: a value read before an invalidation is never kept after it", "[feed]") {
  LocalFeedCache cache(1024);
  SECTION("the user's key changed between the ticket and the store") {
    const auto ticket = cache.ticket(5);  // the reader takes its ticket, then GETs Redis...
    cache.invalidate(5);                  // ...the key is deleted, the message arrives...
    CHECK_FALSE(cache.store(5, ticket, feed_with(50), kNow + 120'000));  // ...the old value is refused
    CHECK_FALSE(cache.find(5, kNow));
    // A read after the message is fine.
    CHECK(cache.store(5, cache.ticket(5), feed_with(51), kNow + 120'000));
    CHECK(first_post(cache.find(5, kNow)) == 51);
  }
  SECTION("everything was reset (the watch was lost or came back) in between") {
    const auto ticket = cache.ticket(6);
    cache.reset();
    CHECK_FALSE(cache.store(6, ticket, feed_with(60), kNow + 120'000));
    CHECK(cache.size() == 0);
  }
  SECTION("another user's invalidation in the same shard only costs a refused copy, never a stale one") {
    const auto ticket = cache.ticket(7);
    cache.invalidate(7 + 64);  // same shard
    CHECK_FALSE(cache.store(7, ticket, feed_with(70), kNow + 120'000));
    CHECK(cache.store(7, cache.ticket(7), feed_with(70), kNow + 120'000));
  }
}

TEST_CASE("local feed cache: bounded, a full shard evicts to take a new user", "[feed]") {
  LocalFeedCache cache(64);  // one entry per shard
  CHECK(cache.capacity() == 64);
  for (uint64_t user = 0; user < 1000; ++user) cache.store(user, cache.ticket(user), feed_with(user), kNow + 1000);
  CHECK(cache.size() == 64);
  CHECK(first_post(cache.find(999, kNow)) == 999);  // the newest is kept
  LocalFeedCache off(0);
  CHECK(off.capacity() == 0);
  CHECK_FALSE(off.store(1, off.ticket(1), feed_with(1), kNow + 1000));
}

TEST_CASE("local feed cache: a first page is rendered once per limit and reused", "[feed]") {
  LocalFeedCache cache(1024);
  REQUIRE(cache.store(1, cache.ticket(1), feed_with(10), kNow + 1000));
  const auto entry = cache.find(1, kNow);
  REQUIRE(entry);
  int renders = 0;
  const auto render = [&renders](const CachedFeed& feed, size_t limit) {
    ++renders;
    return std::to_string(feed.items.size()) + "/" + std::to_string(limit);
  };
  CHECK(*entry->first_page(20, render) == "1/20");
  CHECK(*entry->first_page(20, render) == "1/20");
  CHECK(*entry->first_page(5, render) == "1/5");
  CHECK(renders == 2);
}
