#pragma once
// The cached feeds this serve instance keeps in memory, so a cache hit costs no Redis round
// trip, no JSON parse and (for a first page) no JSON serialisation: the page's bytes are
// kept beside the list. Redis stays the truth: an entry is only ever a copy of a
// feed:v1:{user} value read from Redis, and it is dropped when Redis says the key changed
// (redis::KeyWatch: an ingest DEL, another instance's SET, an expiry), when the watch is
// lost, and at the end of the value's TTL in any case.
//
// The race every client-side cache has: a value read from Redis just before the key is
// deleted must not be kept after the deletion's message went by. So a reader takes a
// ticket before it reads Redis, and store() refuses the value when the user's shard was
// invalidated, or everything was reset, since the ticket was taken.
//
// Bounded (max_users entries; a full shard evicts one entry to take a new one) and
// thread-safe; shards keep serve's threads from queueing on one mutex.

#include <array>
#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "core/feed/feed_cache.hpp"

namespace nf::feed {

class LocalFeedCache {
 public:
  // One kept feed. `first_page` renders the page without a cursor once per limit.
  class Entry {
   public:
    Entry(CachedFeed feed, int64_t expires_at_ms) : feed_(std::move(feed)), expires_at_ms_(expires_at_ms) {}
    const CachedFeed& feed() const { return feed_; }
    int64_t expires_at_ms() const { return expires_at_ms_; }
    // The bytes of the first page of `limit` items, rendered by `render` the first time.
    template <typename Render>
    std::shared_ptr<const std::string> first_page(size_t limit, Render&& render) const;

   private:
    CachedFeed feed_;
    int64_t expires_at_ms_;
    mutable std::mutex bodies_mutex_;
    mutable std::vector<std::pair<size_t, std::shared_ptr<const std::string>>> bodies_;
  };

  struct Ticket {
    uint64_t epoch = 0;
    uint64_t generation = 0;
  };

  explicit LocalFeedCache(size_t max_users);

  // Take before reading the user's value from Redis; hand to store().
  Ticket ticket(uint64_t user_id) const;
  // Keeps `feed` until `expires_at_ms`, unless the user's shard changed since `ticket`.
  // Returns whether it was kept.
  bool store(uint64_t user_id, const Ticket& ticket, CachedFeed feed, int64_t expires_at_ms);
  // The kept entry; null when none or expired at `now_ms`.
  std::shared_ptr<const Entry> find(uint64_t user_id, int64_t now_ms) const;

  void invalidate(uint64_t user_id);
  void reset();  // drops everything and refuses the values read before

  size_t size() const;
  // 0 when built with max_users 0 (the holder keeps nothing then).
  size_t capacity() const { return off_ ? 0 : per_shard_ * kShards; }

 private:
  static constexpr size_t kShards = 64;
  struct Shard {
    mutable std::mutex mutex;
    uint64_t generation = 0;
    std::unordered_map<uint64_t, std::shared_ptr<const Entry>> entries;
  };
  Shard& shard(uint64_t user_id) const { return shards_[user_id % kShards]; }

  size_t per_shard_;
  bool off_;
  std::atomic<uint64_t> epoch_{0};
  mutable std::array<Shard, kShards> shards_;
};

template <typename Render>
std::shared_ptr<const std::string> LocalFeedCache::Entry::first_page(size_t limit, Render&& render) const {
  {
    std::lock_guard lock(bodies_mutex_);
    for (const auto& [kept_limit, body] : bodies_)
      if (kept_limit == limit) return body;
  }
  auto body = std::make_shared<const std::string>(render(feed_, limit));
  std::lock_guard lock(bodies_mutex_);
  if (bodies_.size() < 4) bodies_.emplace_back(limit, body);  // clients use one or two limits
  return body;
}

}  // namespace nf::feed
