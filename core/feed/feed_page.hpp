#pragma once
// What GET /api/v1/feed and `novafeed feed` answer: one page of a user's feed.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/ranking/ranking.hpp"

namespace nf::feed {

struct FeedItem {
  uint64_t post_id = 0;
  uint64_t author_id = 0;
  int64_t created_at_ms = 0;
  std::optional<double> score;  // null for the timeline, which is not ranked
  ranking::Source source = ranking::Source::follow;

  bool operator==(const FeedItem&) const = default;
};

struct FeedPage {
  uint64_t user_id = 0;
  std::string algo;  // "ranked" or "timeline"
  bool cached = false;
  int64_t computed_at_ms = 0;
  std::vector<FeedItem> items;
  std::optional<std::string> next_cursor;
  bool fallback = false;  // timeline because the breaker is open or ClickHouse failed
  // A miss answered by another request's ranking (concurrent misses of one user in this
  // process rank once); not part of the JSON.
  bool shared = false;
};

// {user_id, algo, cached, computed_at, items:[{post_id, author_id, created_at, score, source}],
// next_cursor}; times are RFC 3339 UTC (computed_at with milliseconds).
nlohmann::json to_json(const FeedPage& page);

// "follow" → Source::follow ...; nullopt for anything else.
std::optional<ranking::Source> source_from_name(std::string_view name);

}  // namespace nf::feed
