#include "core/feed/feed_cache.hpp"

#include <spdlog/spdlog.h>

#include "core/error/error.hpp"
#include "core/feed/parsed_feed_memo.hpp"
#include "core/json/fields.hpp"
#include "core/redis/keys.hpp"

namespace nf::feed {

nlohmann::json to_json(const CachedFeed& feed) {
  auto items = nlohmann::json::array();
  for (const auto& item : feed.items) {
    items.push_back({{"post_id", item.post_id},
                     {"author_id", item.author_id},
                     {"created_at_ms", item.created_at_ms},
                     {"score", item.score ? nlohmann::json(*item.score) : nlohmann::json(nullptr)},
                     {"source", ranking::source_name(item.source)}});
  }
  return {{"algo", "ranked"}, {"computed_at", feed.computed_at_ms}, {"items", std::move(items)}};
}

CachedFeed cached_feed_from_json(const nlohmann::json& value) {
  constexpr std::string_view what = "cached feed";
  const auto& algo = json::field(value, "algo", what);
  if (algo != "ranked") fail_check("cached feed: algo is " + algo.dump() + ", expected \"ranked\"");
  CachedFeed feed;
  feed.computed_at_ms = json::i64_field(value, "computed_at", what);
  const auto& items = json::array_field(value, "items", what);
  feed.items.reserve(items.size());
  for (const auto& entry : items) {
    FeedItem item;
    item.post_id = json::u64_field(entry, "post_id", what);
    item.author_id = json::u64_field(entry, "author_id", what);
    item.created_at_ms = json::i64_field(entry, "created_at_ms", what);
    const auto& score = json::field(entry, "score", what);
    if (score.is_number()) item.score = score.get<double>();
    else if (!score.is_null()) fail_check("cached feed: 'score' is neither a number nor null");
    const auto& source = json::field(entry, "source", what);
    const auto parsed = source.is_string() ? source_from_name(source.get_ref<const std::string&>()) : std::nullopt;
    if (!parsed) fail_check("cached feed: unknown source " + source.dump());
    item.source = *parsed;
    feed.items.push_back(item);
  }
  return feed;
}

std::optional<CachedFeed> read_cached_feed(redis::Pool& redis, uint64_t user_id, ParsedFeedMemo* memo) {
  const std::string key = redis::feed_key(user_id);
  auto text = redis.try_with([&](redis::Connection& connection) -> std::optional<std::string> {
    auto reply = connection.command({"GET", key});
    if (reply->type != REDIS_REPLY_STRING) return std::nullopt;
    return std::string(reply->str, reply->len);
  });
  if (!text || !*text) return std::nullopt;
  if (memo)
    if (auto known = memo->find(user_id, **text)) return known;
  try {
    auto feed = cached_feed_from_json(nlohmann::json::parse(**text));
    if (memo) memo->remember(user_id, std::move(**text), feed);
    return feed;
  } catch (const std::exception& e) {
    // Written by another version or by hand: recomputing (and overwriting it) is safe.
    spdlog::warn("redis: {} is not a cached feed ({}); recomputing it", key, e.what());
    return std::nullopt;
  }
}

bool store_cached_feed(redis::Pool& redis, uint64_t user_id, const CachedFeed& feed, int64_t ttl_s) {
  const std::string key = redis::feed_key(user_id);
  const std::string value = to_json(feed).dump();
  const std::string ttl = std::to_string(std::max<int64_t>(1, ttl_s));
  return redis
      .try_with([&](redis::Connection& connection) {
        connection.command({"SET", key, value, "EX", ttl});
        return true;
      })
      .value_or(false);
}

}  // namespace nf::feed
