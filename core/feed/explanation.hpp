#pragma once
// Everything `novafeed feed --explain` shows: the on-call answer to "why is this post in
// my feed, and why is that one not?". Built by FeedService::explain(); rendered here as an
// aligned text report (readable at 3 a.m.) or as JSON.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/feed/candidates.hpp"
#include "core/feed/feed_page.hpp"
#include "core/ranking/ranking.hpp"

namespace nf::feed {

// One source before and after the filters of SPEC §3.
struct SourceCount {
  ranking::Source source = ranking::Source::follow;
  size_t fetched = 0;  // as fetched, already cut to the source's limit
  size_t kept = 0;     // after removing own, seen and duplicate posts
  size_t in_feed = 0;  // in the final feed
};

struct Explanation {
  uint64_t user_id = 0;
  int64_t now_ms = 0;
  ranking::Params params;
  std::string algo;                         // "ranked", or "timeline" when ClickHouse is unavailable
  std::optional<std::string> fallback_why;  // timeline: the ClickHouse error or "circuit breaker open"
  bool trending_from_cache = false;
  int64_t trending_computed_at_ms = 0;
  std::vector<SourceCount> sources;
  ranking::RankResult result;      // ranked: the feed and every dropped post
  std::vector<FeedItem> timeline;  // timeline: the fallback feed
  std::vector<StageTiming> timings;
};

// Per-source counts of a ranking run.
std::vector<SourceCount> count_sources(const ranking::RankInput& input, const ranking::RankResult& result);

nlohmann::json to_json(const Explanation& explanation);

// The feed as a table (position, rank, source, age, L/C/S/I, N, freshness, engagement,
// affinity, score), then "why dropped" grouped by reason; long lists end in
// "... and N more".
std::string render_explain_text(const Explanation& explanation);

}  // namespace nf::feed
