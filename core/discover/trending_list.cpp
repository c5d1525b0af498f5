// The trending list's window names, Redis key and JSON shape (docs/redis-keys.md).
#include "core/error/error.hpp"
#include "core/json/fields.hpp"
#include "core/redis/keys.hpp"
#include "core/discover/trending.hpp"

namespace nf::discover {

int64_t window_hours(std::string_view window) {
  if (window == "1h") return 1;
  if (window == "24h") return 24;
  if (window == "7d") return 7 * 24;
  throw Error(ExitCode::usage, "unknown trending window '" + std::string(window) + "': use 1h, 24h or 7d",
              "invalid_window");
}

std::string hot_posts_key(std::string_view window) {
  window_hours(window);
  return std::string(redis::kHotPostsPrefix) + std::string(window);
}

nlohmann::json to_json(const TrendingList& list) {
  auto items = nlohmann::json::array();
  for (const auto& item : list.items) {
    items.push_back({{"post_id", item.post.id},
                     {"author_id", item.post.author_id},
                     {"created_at_ms", item.post.created_at_ms},
                     {"trend", item.trend},
                     {"likes", item.features.counts.likes},
                     {"comments", item.features.counts.comments},
                     {"shares", item.features.counts.shares},
                     {"impressions", item.features.counts.impressions},
                     {"freshness", item.features.freshness},
                     {"engagement", item.features.engagement}});
  }
  return {{"window", list.window},
          {"computed_at_ms", list.computed_at_ms},
          {"cached", list.from_cache},
          {"items", std::move(items)}};
}

TrendingList trending_from_json(const nlohmann::json& json) {
  constexpr std::string_view what = "trending list";
  TrendingList list;
  list.window = json::string_field(json, "window", what);
  try {
    window_hours(list.window);
  } catch (const Error&) {
    fail_check("trending list: unknown window '" + list.window + "'");
  }
  list.computed_at_ms = json::i64_field(json, "computed_at_ms", what);
  for (const auto& item : json::array_field(json, "items", what)) {
    ranking::TrendingPost post;
    post.post.id = json::u64_field(item, "post_id", what);
    post.post.author_id = json::u64_field(item, "author_id", what);
    post.post.created_at_ms = json::i64_field(item, "created_at_ms", what);
    post.trend = json::number_field(item, "trend", what);
    post.features.counts.likes = json::u64_field(item, "likes", what);
    post.features.counts.comments = json::u64_field(item, "comments", what);
    post.features.counts.shares = json::u64_field(item, "shares", what);
    post.features.counts.impressions = json::u64_field(item, "impressions", what);
    post.features.freshness = json::number_field(item, "freshness", what);
    post.features.engagement = json::number_field(item, "engagement", what);
    list.items.push_back(post);
  }
  return list;
}

}  // namespace nf::discover
