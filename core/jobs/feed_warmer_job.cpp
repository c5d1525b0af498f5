// feed-warmer: the most active users of the last hour get their ranked feed computed
// before they ask, so their next request is a cache hit. A feed is warmed when its key is
// missing or would expire before the next run; the rest are left as they are (a fresh
// cached feed is already a hit, and recomputing it would only cost ClickHouse).

#include <algorithm>
#include <atomic>
#include <mutex>
#include <thread>

#include <fmt/format.h>

#include "core/error/error.hpp"
#include "core/feed/feed_service.hpp"
#include "core/jobs/job_functions.hpp"
#include "core/process/thread_name.hpp"
#include "core/ranking/probes.hpp"
#include "core/redis/keys.hpp"

namespace nf::jobs {

namespace {

constexpr size_t kUsersPerBatch = 50;
// How many of the most active users the warmer looks at, per feed of its budget.
constexpr int64_t kPoolFactor = 4;

// The `limit` real users (never a latency probe) with the most events in the hour before `now_ms`, most active first.
std::vector<uint64_t> most_active_users(const ch::Client& clickhouse, int64_t now_ms, int64_t limit) {
  const int64_t now_s = now_ms / 1000;
  std::vector<uint64_t> users;
  for (const auto& row : clickhouse.query(
           "SELECT user_id, count() AS n FROM events WHERE ts >= toDateTime(" + std::to_string(now_s - 3600) +
           ") AND ts <= toDateTime(" + std::to_string(now_s) + ") AND " + ranking::real_id_sql("user_id") +
           " GROUP BY user_id ORDER BY n DESC, user_id LIMIT " +
           std::to_string(limit)))
    users.push_back(ch::as_u64(row.at("user_id")));
  return users;
}

// The TTL of each user's cached feed (-2: none), one pipelined round of TTL commands.
std::vector<long long> feed_ttls(redis::Pool& redis, const std::vector<uint64_t>& users) {
  std::vector<std::vector<std::string>> commands;
  commands.reserve(users.size());
  for (const auto user : users) commands.push_back({"TTL", redis::feed_key(user)});
  auto lease = redis.lease();
  if (!lease) fail_unreachable("Redis is unreachable: " + redis.last_error());
  std::vector<redis::Reply> replies;
  try {
    replies = (*lease)->pipeline(commands);
  } catch (const Error&) {
    lease->discard();
    throw;
  }
  std::vector<long long> ttls;
  ttls.reserve(users.size());
  for (const auto& reply : replies) ttls.push_back(reply && reply->type == REDIS_REPLY_INTEGER ? reply->integer : -2);
  return ttls;
}

}  // namespace

std::vector<uint64_t> pick_feeds_to_warm(const std::vector<uint64_t>& users, const std::vector<long long>& ttls,
                                         long long min_ttl_s, size_t limit) {
  std::vector<uint64_t> out;
  // -1: a key without expiry, never written so by novafeed: rewrite it.
  for (size_t i = 0; i < users.size() && i < ttls.size() && out.size() < limit; ++i)
    if (ttls[i] < min_ttl_s) out.push_back(users[i]);
  return out;
}

JobOutcome run_feed_warmer(JobContext& context, const RunOptions& options) {
  if (!context.feeds) fail_check("feed-warmer: no feed service in this process (a bug: the job context lacks it)");
  const int64_t interval_s = context.config->get_int("jobs.feed_warmer_interval_s");
  // Only users on the ranked side of the canary (feed.ranked_percent): the others are
  // served the timeline, so a ranked feed warmed for them would never be read.
  // warm_batch skips them anyway; choosing among the ranked side here keeps them out of
  // the budget and the TTL round. The most active are read in proportion, then cut.
  //
  // The budget is `limit` feeds a run, spent on the most active users whose feed needs it
  // (missing, or expiring before the next run with a margin for a late run). A user whose
  // feed is still warm takes no place: someone scrolling keeps theirs fresh by asking (and
  // by the ingest's refresh after their likes), and counting them would leave the users
  // between two sessions, whose next open is the request to save, cold. Up to
  // kPoolFactor × limit of the most active are looked at (one TTL each, pipelined).
  const auto& canary = context.feeds->canary();
  const int64_t limit = context.config->get_int("jobs.feed_warmer_users");
  const int64_t pool = limit * kPoolFactor;
  const int64_t percent = std::max(1, canary.percent());
  auto active = canary.percent() <= 0 || limit <= 0
                    ? std::vector<uint64_t>{}
                    : most_active_users(context.clickhouse, options.now_ms, std::min<int64_t>(pool * 100 / percent, pool * 100));
  std::erase_if(active, [&](uint64_t user) { return !canary.ranked(user); });
  if (static_cast<int64_t>(active.size()) > pool) active.resize(static_cast<size_t>(pool));
  const long long min_ttl_s = interval_s + std::max<int64_t>(5, interval_s / 5);
  const auto ttls = feed_ttls(*context.redis, active);
  const size_t still_warm =
      static_cast<size_t>(std::count_if(ttls.begin(), ttls.end(), [&](long long ttl) { return ttl >= min_ttl_s; }));
  const auto users = pick_feeds_to_warm(active, ttls, min_ttl_s, static_cast<size_t>(std::max<int64_t>(0, limit)));

  // The engagement of every recent post, read once for all the feeds (with the jobs'
  // timeout): each feed then reads only its own follows, affinities and seen posts.
  feed::EngagementTable known;
  if (!users.empty())
    known = feed::parse_engagement_tsv(
        context.clickhouse.query_tsv(feed::recent_engagement_sql(context.params, options.now_ms)));

  // Batches of users, each read in four statements (a statement's own cost, 1–4 ms of
  // ClickHouse CPU, then counts once per batch instead of once per feed).
  std::vector<std::vector<uint64_t>> batches;
  for (size_t i = 0; i < users.size(); i += kUsersPerBatch)
    batches.emplace_back(users.begin() + static_cast<std::ptrdiff_t>(i),
                         users.begin() + static_cast<std::ptrdiff_t>(std::min(users.size(), i + kUsersPerBatch)));
  std::atomic<size_t> next{0}, warmed{0}, items{0}, failed{0};
  std::mutex first_error_mutex;
  std::string first_error;
  const auto work = [&] {
    for (size_t b = next++; b < batches.size() && !context.stopping(); b = next++) {
      try {
        for (const auto& [user, count] : context.feeds->warm_batch(batches[b], options.now_ms, &known)) {
          items += count;
          ++warmed;
        }
      } catch (const std::exception& e) {
        failed += batches[b].size();
        std::lock_guard lock(first_error_mutex);
        if (first_error.empty())
          first_error = fmt::format("users {}..{}: {}", batches[b].front(), batches[b].back(), e.what());
      }
    }
  };
  const auto threads_wanted = static_cast<size_t>(std::max<int64_t>(1, context.config->get_int("jobs.feed_warmer_threads")));
  std::vector<std::thread> threads;
  for (size_t t = 0; t < std::min(threads_wanted, batches.size()); ++t)
    threads.emplace_back([&work] {
      process::name_this_thread("nf-warmer");
      work();
    });
  for (auto& thread : threads) thread.join();

  if (failed)
    fail_check(fmt::format("feed-warmer: {} of {} feeds could not be warmed ({} were); first: {}", failed.load(),
                           users.size(), warmed.load(), first_error));
  JobOutcome outcome;
  outcome.rows = warmed;
  outcome.detail = fmt::format("warmed {} feeds of the {} most active users ({} were still warm){}", warmed.load(),
                               active.size(), still_warm,
                               context.stopping() && warmed < users.size() ? "; stopped early (signal)" : "");
  outcome.facts = {{"active_users", active.size()},
                   {"still_warm", still_warm},
                   {"needing_warmth", users.size()},
                   {"warmed", warmed.load()},
                   {"recent_posts_read", known.size()},
                   {"items", items.load()}};
  return outcome;
}

}  // namespace nf::jobs
