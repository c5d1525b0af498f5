#pragma once
// The last cached feed each user's value parsed to, so a cache hit whose Redis value has
// not changed skips the JSON parse (the bulk of a hit's CPU: serve answers hits at 1,000
// connections). Redis stays the only truth: every hit still GETs the value, and the
// memo is used only when the bytes are exactly the ones it parsed, so an invalidation
// (DEL) or a recomputation is seen at once. Bounded: a shard that grows past its share
// is cleared. Thread-safe; shards keep workers from queueing on one mutex.

#include <array>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "core/feed/feed_cache.hpp"

namespace nf::feed {

class ParsedFeedMemo {
 public:
  explicit ParsedFeedMemo(size_t max_users = 16384) : per_shard_(std::max<size_t>(1, max_users / kShards)) {}

  // The feed `raw` parsed to, when it is the value last remembered for `user_id`.
  std::optional<CachedFeed> find(uint64_t user_id, std::string_view raw) const;
  void remember(uint64_t user_id, std::string raw, const CachedFeed& feed);

 private:
  static constexpr size_t kShards = 16;
  struct Entry {
    std::string raw;
    CachedFeed feed;
  };
  struct Shard {
    mutable std::mutex mutex;
    std::unordered_map<uint64_t, Entry> entries;
  };
  Shard& shard(uint64_t user_id) const { return shards_[user_id % kShards]; }

  size_t per_shard_;
  mutable std::array<Shard, kShards> shards_;
};

}  // namespace nf::feed
