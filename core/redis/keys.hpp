#pragma once
// Names of Redis keys written by one domain and read or deleted by another (the format of
// each value stays with its owner; docs/redis-keys.md lists them all).

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace nf::redis {

// The cached ranked feed of a user: "feed:v1:42". Written by the feed (serve, the
// feed-warmer job), deleted by the ingest when a followee posts or a follow changes.
inline std::string feed_key(uint64_t user_id) { return "feed:v1:" + std::to_string(user_id); }

// SCAN patterns of every key novafeed writes (docs/redis-keys.md): what `seed --truncate`
// deletes, so no cached feed, hot list, suggestion or dedup mark of an earlier world stays.
inline const std::vector<std::string_view>& novafeed_key_patterns() {
  static const std::vector<std::string_view> patterns = {"feed:v1:*", "hot:posts:*", "suggest:users:*",
                                                         "dedup:events:*"};
  return patterns;
}

}  // namespace nf::redis
