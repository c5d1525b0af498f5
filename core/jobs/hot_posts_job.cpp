// hot-posts: trending(1h), trending(24h) and trending(7d) of SPEC §3 into
// hot:posts:{window}, the lists serve's F2 source and GET /api/v1/feed/trending read.
// Each window has its own interval; a scheduled run recomputes the windows whose list is
// missing or older than theirs (a forced run, all three).

#include <map>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "core/discover/cached_value.hpp"
#include "core/discover/trending.hpp"
#include "core/error/error.hpp"
#include "core/jobs/job_functions.hpp"

namespace nf::jobs {

namespace {

struct Window {
  const char* name;
  const char* interval_key;
};
constexpr Window kWindows[] = {{"1h", "jobs.hot_posts_1h_interval_s"},
                               {"24h", "jobs.hot_posts_24h_interval_s"},
                               {"7d", "jobs.hot_posts_7d_interval_s"}};

// When the list in Redis was computed (0: missing, unreadable or Redis down).
int64_t stored_computed_at_ms(redis::Pool& redis, const char* window) {
  const auto cached = discover::read_cached_json(redis, discover::hot_posts_key(window));
  if (!cached) return 0;
  try {
    return discover::trending_from_json(*cached).computed_at_ms;
  } catch (const Error&) {
    return 0;  // malformed: rewrite it
  }
}

}  // namespace

JobOutcome run_hot_posts(JobContext& context, const RunOptions& options) {
  JobOutcome outcome;
  std::vector<std::string> due;
  std::map<std::string, int64_t> ttls_s;
  for (const auto& window : kWindows) {
    const int64_t interval_ms = context.config->get_int(window.interval_key) * 1000;
    // A list younger than its interval (less a little, so a run a second early still
    // refreshes it) is left alone, unless the run is forced.
    const int64_t age_ms = options.now_ms - stored_computed_at_ms(*context.redis, window.name);
    if (!options.forced && age_ms < interval_ms - std::min<int64_t>(interval_ms / 10, 5000)) {
      outcome.facts[window.name] = {{"recomputed", false}, {"age_s", age_ms / 1000}};
      continue;
    }
    due.push_back(window.name);
    // A few intervals of life: if every instance stops, the key goes and serve computes
    // trending live again rather than serving an old list forever.
    ttls_s[window.name] = std::max<int64_t>(300, 5 * interval_ms / 1000);
  }
  // The due windows from one read of the widest one's posts and counts.
  std::string detail;
  for (const auto& list :
       discover::compute_trending_windows(context.clickhouse, context.params, due, options.now_ms, 200)) {
    const int64_t ttl_s = ttls_s.at(list.window);
    if (!discover::store_trending(*context.redis, list, ttl_s))
      fail_unreachable("Redis at " + redis::describe(context.redis->settings().endpoint) + " did not take " +
                       discover::hot_posts_key(list.window) + ": " + context.redis->last_error());
    outcome.rows += 1;
    outcome.facts[list.window] = {{"recomputed", true}, {"posts", list.items.size()}, {"ttl_s", ttl_s}};
    detail += fmt::format("{}{} {} posts", detail.empty() ? "" : ", ", discover::hot_posts_key(list.window),
                          list.items.size());
  }
  outcome.detail = detail.empty() ? "every list is younger than its interval" : detail;
  return outcome;
}

}  // namespace nf::jobs
