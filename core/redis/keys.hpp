#pragma once
// Names of Redis keys written by one domain and read or deleted by another (the format of
// each value stays with its owner; docs/redis-keys.md lists them all).

#include <cstdint>
#include <string>

namespace nf::redis {

// The cached ranked feed of a user: "feed:v1:42". Written by the feed (serve, the
// feed-warmer job), deleted by the ingest when a followee posts or a follow changes.
inline std::string feed_key(uint64_t user_id) { return "feed:v1:" + std::to_string(user_id); }

}  // namespace nf::redis
