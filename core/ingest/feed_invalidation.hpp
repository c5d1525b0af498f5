#pragma once
// Deletes stale cached feeds (feed:v1:{user}) in Redis: the followers' after a new post,
// the follower's after a follow or an unfollow. Best effort: a cached feed expires after
// 120 s anyway, so Redis being down costs freshness, never data; it is logged as a
// warning and retried on a new connection later. One UNLINK per key, so the keys may live
// on different Redis Cluster slots, pipelined in batches of kBatch: the 50,000 followers
// of a popular author cost 50 round trips, not 50,000.

#include <chrono>
#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <set>
#include <string>

#include "core/redis/client.hpp"

namespace nf::ingest {

class FeedInvalidator {
 public:
  explicit FeedInvalidator(redis::Settings settings);

  static constexpr size_t kBatch = 1000;

  // Returns how many keys were unlinked or found absent (sent); 0 (and a warning) when
  // Redis is unreachable. With `existed`, the users whose key was there (UNLINK said 1) are
  // added to it: whoever had a cached feed asked for it (or was warmed) within its TTL.
  size_t invalidate(const std::set<uint64_t>& users, std::set<uint64_t>* existed = nullptr);

 private:
  redis::Settings settings_;
  std::unique_ptr<redis::Connection> connection_;
  // After a failure, no new connection is tried before this, so a Redis outage does not
  // cost every flush a connect timeout.
  std::chrono::steady_clock::time_point retry_after_{};
};

// The second pass of every invalidation. A cache miss that began before the UNLINK ranks
// from ClickHouse as it was (without the new post) and may SET its page just after the
// UNLINK: a stale page for the whole TTL (120 s). Seen by `novafeed latency`: a follower
// polling while the post arrived kept a page without it for 30 s. Unlinking the same keys
// again once any such miss must have ended (its ClickHouse queries time out at
// clickhouse.timeout_ms) bounds that staleness to the delay. Pure: the ingest loop
// pushes each flush's users and takes the due ones.
//
// The feeds to refresh (feed_refresher.hpp) ride along: a refreshed feed computed before
// the second pass would be unlinked by it, so they are handed over when it is done.
class ReinvalidationQueue {
 public:
  using Clock = std::chrono::steady_clock;
  explicit ReinvalidationQueue(std::chrono::milliseconds delay) : delay_(delay) {}

  struct Due {
    std::set<uint64_t> users;    // to unlink again
    std::set<uint64_t> refresh;  // then to recompute
    bool operator==(const Due&) const = default;
  };

  // Nothing is queued when the delay is 0 (off) or `users` is empty; `refresh` ⊆ `users`.
  void push(Clock::time_point now, const std::set<uint64_t>& users, const std::set<uint64_t>& refresh = {});
  // Every user whose second pass is due at `now` (all of them with `everything`, at stop).
  Due take_due(Clock::time_point now, bool everything = false);
  bool empty() const { return pending_.empty(); }
  std::chrono::milliseconds delay() const { return delay_; }

 private:
  struct Entry {
    Clock::time_point due;
    Due work;
  };
  std::chrono::milliseconds delay_;
  std::deque<Entry> pending_;  // due times ascending
};

}  // namespace nf::ingest
