// Where serve gets trending lists: the Redis hot-posts key, else a live computation kept
// for a short while in-process.
#include <spdlog/spdlog.h>

#include "core/discover/cached_value.hpp"
#include "core/discover/trending.hpp"
#include "core/error/error.hpp"

namespace nf::discover {

bool store_trending(redis::Pool& redis, const TrendingList& list, int64_t ttl_s) {
  return write_cached_json(redis, hot_posts_key(list.window), to_json(list), ttl_s);
}

TrendingSource::TrendingSource(ch::Client clickhouse, redis::Pool& redis, ranking::Params params,
                               std::chrono::milliseconds memo, Memo<TrendingList>::Clock clock)
    : clickhouse_(std::move(clickhouse)), redis_(&redis), params_(std::move(params)), memo_(memo, std::move(clock)) {
  for (const char* window : {"1h", "24h", "7d"}) computing_.emplace(window, std::make_unique<std::mutex>());
}

TrendingList TrendingSource::get(std::string_view window, int64_t now_ms) {
  const std::string key = hot_posts_key(window);  // validates the window
  if (auto cached = read_cached_json(*redis_, key)) {
    try {
      auto list = trending_from_json(*cached);
      if (list.window == window) {
        list.from_cache = true;
        return list;
      }
      spdlog::warn("redis: {} holds the list of window {}; ignoring it and computing live", key, list.window);
    } catch (const Error& e) {
      spdlog::warn("redis: {} is malformed ({}); ignoring it and computing live", key, e.what());
    }
  }
  if (!memo_.remembers()) return compute_trending(clickhouse_, params_, window, now_ms, params_.trending_limit);
  if (auto remembered = memo_.find(window)) return *remembered;
  // One computation per window at a time: the others wait and take its result (without a
  // memo there is no result to share, so nobody waits above).
  std::lock_guard lock(*computing_.find(window)->second);
  if (auto remembered = memo_.find(window)) return *remembered;
  auto list = compute_trending(clickhouse_, params_, window, now_ms, params_.trending_limit);
  memo_.store(window, list);
  return list;
}

}  // namespace nf::discover
