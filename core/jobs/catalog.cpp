#include "core/jobs/catalog.hpp"

#include <algorithm>

#include "core/error/error.hpp"
#include "core/jobs/job_functions.hpp"

namespace nf::jobs {

const std::vector<JobSpec>& job_specs() {
  static const std::vector<JobSpec> specs = {
      {"hot-posts", 1,
       {"jobs.hot_posts_1h_interval_s", "jobs.hot_posts_24h_interval_s", "jobs.hot_posts_7d_interval_s"},
       "hot:posts:1h, hot:posts:24h, hot:posts:7d (trending(W) of SPEC §3, each window at its own interval)",
       run_hot_posts},
      {"suggested-users", 2, {"jobs.suggested_users_interval_s"},
       "suggest:users:{user} for every user with events in the last jobs.suggested_users_active_h hours",
       run_suggested_users},
      {"feed-warmer", 3, {"jobs.feed_warmer_interval_s"},
       "feed:v1:{user}, missing or expiring, of up to jobs.feed_warmer_users of the most active users of the last hour",
       run_feed_warmer},
      {"retention", 4, {"jobs.retention_interval_s"},
       "drops ClickHouse partitions past retention (events, event_keys, post_counts, post_metrics_1h, post_metrics_1d 30 d; user_author_counts, user_author_90d 90 d; user_seen 2 d) "
       "where a table has no TTL; checks the TTL where it has",
       run_retention},
  };
  return specs;
}

std::vector<const JobSpec*> select_jobs(std::string_view name) {
  std::vector<const JobSpec*> out;
  for (const auto& spec : job_specs())
    if (name == "all" || spec.name == name) out.push_back(&spec);
  if (out.empty()) {
    std::string known;
    for (const auto& spec : job_specs()) known += std::string(spec.name) + ", ";
    fail_usage("unknown job '" + std::string(name) + "' (one of: " + known + "all)");
  }
  return out;
}

std::chrono::seconds interval_of(const config::Config& config, const JobSpec& spec) {
  int64_t shortest = 0;
  for (const auto key : spec.interval_keys) {
    const int64_t seconds = config.get_int(key);
    if (seconds < 1)
      fail_usage("configuration key '" + std::string(key) + "' is " + std::to_string(seconds) +
                 ": a job interval is at least 1 second");
    shortest = shortest == 0 ? seconds : std::min(shortest, seconds);
  }
  return std::chrono::seconds(shortest);
}

}  // namespace nf::jobs
