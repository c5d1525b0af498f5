#pragma once
// The ranked feed cached in Redis: feed:v1:{user} holds the whole ranked list (≤ 50) as
// {"algo":"ranked","computed_at":<ms>,"items":[...]} for feed.cache_ttl_s; every page is a
// slice of it, so one GET answers any page. The ingest UNLINKs the key when a followee
// posts, a follow changes or the user engages (core/ingest/feed_invalidation.hpp), and
// recomputes it for a user who engaged while it was cached (core/ingest/feed_refresher.hpp).
// Best effort both ways (SPEC §4: Redis down → compute without cache): nothing here
// throws for Redis.

#include <cstdint>
#include <optional>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/feed/feed_page.hpp"
#include "core/redis/pool.hpp"

namespace nf::feed {

struct CachedFeed {
  int64_t computed_at_ms = 0;
  std::vector<FeedItem> items;  // final order, each with its score

  bool operator==(const CachedFeed&) const = default;
};

nlohmann::json to_json(const CachedFeed& feed);
// Throws nf::Error(check_failed) naming what is wrong when `json` is not that shape.
CachedFeed cached_feed_from_json(const nlohmann::json& json);

// The cached list; nullopt when missing, when Redis is down, or when the value is
// malformed (logged with the key, then treated as a miss so the feed is recomputed).
class ParsedFeedMemo;
// `memo` (optional) skips the parse when the value is the one it parsed last for the user.
std::optional<CachedFeed> read_cached_feed(redis::Pool& redis, uint64_t user_id, ParsedFeedMemo* memo = nullptr);

// SET feed:v1:{user} <json> EX ttl_s; false (already logged by the pool) when Redis is down.
bool store_cached_feed(redis::Pool& redis, uint64_t user_id, const CachedFeed& feed, int64_t ttl_s);

}  // namespace nf::feed
