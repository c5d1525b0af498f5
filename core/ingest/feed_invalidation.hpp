#pragma once
// Deletes stale cached feeds (feed:v1:{user}) in Redis: the followers' after a new post,
// the follower's after a follow or an unfollow. Best effort: a cached feed expires after
// 120 s anyway, so Redis being down costs freshness, never data; it is logged as a
// warning and retried on a new connection later. One UNLINK per key, so the keys may live
// on different Redis Cluster slots, pipelined in batches of kBatch: the 50,000 followers
// of a popular author cost 50 round trips, not 50,000.

#include <chrono>
#include <cstdint>
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
  // Redis is unreachable.
  size_t invalidate(const std::set<uint64_t>& users);

 private:
  redis::Settings settings_;
  std::unique_ptr<redis::Connection> connection_;
  // After a failure, no new connection is tried before this, so a Redis outage does not
  // cost every flush a connect timeout.
  std::chrono::steady_clock::time_point retry_after_{};
};

}  // namespace nf::ingest
