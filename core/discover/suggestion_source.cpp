// Where serve gets suggested users: Redis suggest:users:{u}, else live.
#include <spdlog/spdlog.h>

#include "core/discover/cached_value.hpp"
#include "core/discover/suggestions.hpp"
#include "core/error/error.hpp"

namespace nf::discover {

bool store_suggestions(redis::Pool& redis, const SuggestedList& list, int64_t ttl_s) {
  return write_cached_json(redis, suggestions_key(list.user_id), to_json(list), ttl_s);
}

SuggestionSource::SuggestionSource(ch::Client clickhouse, redis::Pool& redis, ranking::Params params)
    : clickhouse_(std::move(clickhouse)), redis_(&redis), params_(std::move(params)) {}

SuggestedList SuggestionSource::get(uint64_t user_id, size_t limit, int64_t now_ms) {
  const std::string key = suggestions_key(user_id);
  if (auto cached = read_cached_json(*redis_, key)) {
    try {
      auto list = suggestions_from_json(*cached);
      if (list.user_id == user_id) {
        list.from_cache = true;
        if (list.items.size() > limit) list.items.resize(limit);
        return list;
      }
      spdlog::warn("redis: {} holds the suggestions of user {}; ignoring it and computing live", key, list.user_id);
    } catch (const Error& e) {
      spdlog::warn("redis: {} is malformed ({}); ignoring it and computing live", key, e.what());
    }
  }
  return compute_suggestions(clickhouse_, params_, user_id, now_ms, limit);
}

}  // namespace nf::discover
