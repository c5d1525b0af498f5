#include "core/feed/feed_command.hpp"

#include <algorithm>
#include <cstdio>

#include "core/error/error.hpp"
#include "core/feed/canary.hpp"
#include "core/feed/compare.hpp"
#include "core/feed/feed_service.hpp"
#include "core/redis/pool.hpp"
#include "core/time/rfc3339.hpp"

namespace nf::feed {

std::string render_page_text(const FeedPage& page, int64_t now_ms) {
  std::string out = "feed of user " + std::to_string(page.user_id) + " (" + std::to_string(page.items.size()) +
                    (page.items.size() == 1 ? " post): " : " posts): ");
  if (page.algo == "ranked") {
    out += page.cached ? "ranked, from the cache (computed " + time::format_rfc3339(page.computed_at_ms, false) + ")"
                       : "ranked, computed now";
  } else if (!page.fallback) {
    out += "TIMELINE from PostgreSQL (not ranked): the user is off the canary's ranked side (feed.ranked_percent)";
  } else {
    out += "TIMELINE from PostgreSQL (not ranked): ClickHouse is unavailable or the circuit breaker is open; "
           "--explain says why";
  }
  out += "\n";
  if (page.items.empty()) return out + "  (empty)\n";
  char line[160];
  std::snprintf(line, sizeof line, "%4s %20s %20s %8s %-9s %8s\n", "pos", "post", "author", "age_h", "source",
                "score");
  out += line;
  size_t position = 0;
  for (const auto& item : page.items) {
    const std::string score = item.score ? std::to_string(*item.score).substr(0, 6) : "-";
    std::snprintf(line, sizeof line, "%4zu %20llu %20llu %8.2f %-9s %8s\n", ++position,
                  static_cast<unsigned long long>(item.post_id), static_cast<unsigned long long>(item.author_id),
                  ranking::age_hours(now_ms, item.created_at_ms), std::string(ranking::source_name(item.source)).c_str(),
                  score.c_str());
    out += line;
  }
  return out;
}

namespace {

FeedOutput run_compare_command(const config::Config& config, const FeedRequest& request, int64_t now_ms) {
  if (request.explain) fail_usage("--compare and --explain do not go together: run them one after the other");
  if (request.compare.empty())
    fail_usage("--sample N needs --compare KEY=VALUE: it summarises how that change moves N users' feeds");
  if (request.sample < 0) fail_usage("--sample must be from 1 to 10000, got " + std::to_string(request.sample));
  if (request.user_id < 0) fail_usage("--user must be a positive user id, got " + std::to_string(request.user_id));
  CompareRequest compare;
  compare.assignments = request.compare;
  compare.user_id = static_cast<uint64_t>(request.user_id);
  compare.sample = static_cast<size_t>(request.sample);
  compare.depth = static_cast<size_t>(std::max<int64_t>(0, request.limit));
  const auto comparison = run_compare(config, compare, now_ms);
  return {render_compare_text(comparison), to_json(comparison).dump(2)};
}

}  // namespace

FeedOutput run_feed_command(const config::Config& config, const FeedRequest& request, int64_t now_ms) {
  if (!request.compare.empty() || request.sample != 0) return run_compare_command(config, request, now_ms);
  if (request.user_id <= 0)
    fail_usage(request.user_id == 0 ? "--user ID is required (or --sample N with --compare)"
                                    : "--user must be a positive user id, got " + std::to_string(request.user_id));
  if (request.limit < 1 || request.limit > 50)
    fail_usage("--limit must be between 1 and 50, got " + std::to_string(request.limit));
  const auto user_id = static_cast<uint64_t>(request.user_id);
  const auto side = canary_side(config, user_id);

  redis::Pool redis(redis::settings_from(config));
  FeedService service(config, redis);
  if (request.explain) {
    const auto explanation = service.explain(user_id, now_ms);
    auto json = to_json(explanation);
    json["canary"] = to_json(side);
    return {describe(side) + (side.ranked ? "" : " (--explain shows the ranking they would get)") + "\n" +
                render_explain_text(explanation),
            json.dump(2)};
  }
  const auto page = service.feed(user_id, static_cast<size_t>(request.limit), std::nullopt, now_ms,
                                 request.no_cache ? CacheUse::bypass : CacheUse::use);
  auto json = to_json(page);
  json["canary"] = to_json(side);
  return {describe(side) + "\n" + render_page_text(page, now_ms), json.dump(2)};
}

}  // namespace nf::feed
