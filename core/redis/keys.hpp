#pragma once
// Names of Redis keys written by one domain and read or deleted by another (the format of
// each value stays with its owner; docs/redis-keys.md lists them all).

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace nf::redis {

// The prefix of each family of keys; the value format stays with the domain that writes it.
inline constexpr std::string_view kFeedPrefix = "feed:v1:";              // feed_key below
inline constexpr std::string_view kHotPostsPrefix = "hot:posts:";        // discover::hot_posts_key
inline constexpr std::string_view kSuggestionsPrefix = "suggest:users:"; // discover::suggestions_key
inline constexpr std::string_view kDedupPrefix = "dedup:events:";        // events::dedup_key

// The cached ranked feed of a user: "feed:v1:42". Written by the feed (serve, the
// feed-warmer job), deleted by the ingest when a followee posts or a follow changes.
inline std::string feed_key(uint64_t user_id) { return std::string(kFeedPrefix) + std::to_string(user_id); }

// SCAN patterns of every key novafeed writes (docs/redis-keys.md): what `seed --truncate`
// deletes, so no cached feed, hot list, suggestion or dedup mark of an earlier world stays.
inline std::vector<std::string> novafeed_key_patterns() {
  std::vector<std::string> patterns;
  for (const auto prefix : {kFeedPrefix, kHotPostsPrefix, kSuggestionsPrefix, kDedupPrefix})
    patterns.push_back(std::string(prefix) + "*");
  return patterns;
}

}  // namespace nf::redis
