#include "core/feed/local_feed_cache.hpp"

#include <algorithm>

namespace nf::feed {

LocalFeedCache::LocalFeedCache(size_t max_users)
    : per_shard_(std::max<size_t>(1, max_users / kShards)), off_(max_users == 0) {}

LocalFeedCache::Ticket LocalFeedCache::ticket(uint64_t user_id) const {
  // The epoch first: a reset between the two reads makes the ticket stale, never current.
  Ticket ticket;
  ticket.epoch = epoch_.load(std::memory_order_acquire);
  auto& s = shard(user_id);
  std::lock_guard lock(s.mutex);
  ticket.generation = s.generation;
  return ticket;
}

bool LocalFeedCache::store(uint64_t user_id, const Ticket& ticket, CachedFeed feed, int64_t expires_at_ms) {
  if (off_) return false;
  auto entry = std::make_shared<const Entry>(std::move(feed), expires_at_ms);
  auto& s = shard(user_id);
  std::lock_guard lock(s.mutex);
  // reset() bumps the epoch before it clears the shards under their locks, so a store
  // that passes this check under the lock is either cleared by the reset or came after.
  if (ticket.epoch != epoch_.load(std::memory_order_acquire) || ticket.generation != s.generation) return false;
  if (s.entries.size() >= per_shard_ && !s.entries.count(user_id)) s.entries.erase(s.entries.begin());
  s.entries[user_id] = std::move(entry);
  return true;
}

std::shared_ptr<const LocalFeedCache::Entry> LocalFeedCache::find(uint64_t user_id, int64_t now_ms) const {
  auto& s = shard(user_id);
  std::lock_guard lock(s.mutex);
  const auto it = s.entries.find(user_id);
  if (it == s.entries.end()) return nullptr;
  if (it->second->expires_at_ms() <= now_ms) {
    s.entries.erase(it);
    return nullptr;
  }
  return it->second;
}

void LocalFeedCache::invalidate(uint64_t user_id) {
  auto& s = shard(user_id);
  std::lock_guard lock(s.mutex);
  ++s.generation;
  s.entries.erase(user_id);
}

void LocalFeedCache::reset() {
  epoch_.fetch_add(1, std::memory_order_acq_rel);
  for (auto& s : shards_) {
    std::lock_guard lock(s.mutex);
    ++s.generation;
    s.entries.clear();
  }
}

size_t LocalFeedCache::size() const {
  size_t total = 0;
  for (const auto& s : shards_) {
    std::lock_guard lock(s.mutex);
    total += s.entries.size();
  }
  return total;
}

}  // namespace nf::feed
