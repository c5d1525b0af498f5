// The second pass of feed invalidations (a miss that began before the first may have
// cached a stale page): due after the delay, merged, all at stop, nothing when off; the
// feeds to refresh come out with their pass.
#include <catch2/catch.hpp>

#include "core/ingest/feed_invalidation.hpp"

using nf::ingest::ReinvalidationQueue;
using namespace std::chrono_literals;

TEST_CASE("feed invalidation: each flush's users are unlinked again once the delay has passed") {
  ReinvalidationQueue queue(3000ms);
  const auto t0 = ReinvalidationQueue::Clock::now();
  queue.push(t0, {1, 2});
  queue.push(t0 + 1000ms, {2, 3});
  queue.push(t0 + 1000ms, {});  // nothing to do: not queued
  CHECK(queue.take_due(t0 + 2999ms).users.empty());
  CHECK(queue.take_due(t0 + 3000ms).users == std::set<uint64_t>{1, 2});
  CHECK_FALSE(queue.empty());
  CHECK(queue.take_due(t0 + 3500ms).users.empty());
  CHECK(queue.take_due(t0 + 4000ms).users == std::set<uint64_t>{2, 3});
  CHECK(queue.empty());

  // At stop, everything pending goes at once, due or not.
  queue.push(t0, {7});
  queue.push(t0 + 10ms, {8});
  CHECK(queue.take_due(t0, true).users == std::set<uint64_t>{7, 8});
  CHECK(queue.empty());
}

TEST_CASE("feed invalidation: the feeds to refresh are handed over with their second pass, not before") {
  ReinvalidationQueue queue(3000ms);
  const auto t0 = ReinvalidationQueue::Clock::now();
  queue.push(t0, {1, 2, 3}, {2});
  queue.push(t0 + 500ms, {4, 5}, {4, 5});
  queue.push(t0 + 900ms, {6});
  CHECK(queue.take_due(t0 + 2999ms) == ReinvalidationQueue::Due{});
  CHECK(queue.take_due(t0 + 3000ms) == ReinvalidationQueue::Due{{1, 2, 3}, {2}});
  CHECK(queue.take_due(t0 + 3900ms) == ReinvalidationQueue::Due{{4, 5, 6}, {4, 5}});
  CHECK(queue.empty());
}

TEST_CASE("feed invalidation: no second pass when ingest.reinvalidate_ms is 0") {
  ReinvalidationQueue off(0ms);
  off.push(ReinvalidationQueue::Clock::now(), {1});
  CHECK(off.empty());
}
