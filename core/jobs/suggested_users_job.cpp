// suggested-users: suggest:users:{user} for every user with events in the last
// jobs.suggested_users_active_h hours, computed jobs.suggested_users_batch users per
// ClickHouse statement (discover::compute_suggestions_batch) and written with one
// pipelined round of SETs per batch. A user who was active once keeps their list for
// three intervals; after that serve computes it live again, if they ever ask.

#include <fmt/format.h>

#include "core/discover/suggestions.hpp"
#include "core/error/error.hpp"
#include "core/jobs/job_functions.hpp"
#include "core/ranking/probes.hpp"

namespace nf::jobs {

namespace {

std::vector<uint64_t> active_users(const ch::Client& clickhouse, int64_t now_ms, int64_t hours) {
  const int64_t now_s = now_ms / 1000;
  std::vector<uint64_t> users;
  for (const auto& row : clickhouse.query("SELECT DISTINCT user_id FROM events WHERE ts >= toDateTime(" +
                                          std::to_string(now_s - hours * 3600) + ") AND ts <= toDateTime(" +
                                          std::to_string(now_s) + ") AND " + ranking::real_id_sql("user_id") +
                                          " ORDER BY user_id"))
    users.push_back(ch::as_u64(row.at("user_id")));
  return users;
}

// SET suggest:users:{u} … EX ttl for each list, in one round trip.
void store_all(redis::Pool& redis, const std::vector<discover::SuggestedList>& lists, int64_t ttl_s) {
  std::vector<std::vector<std::string>> commands;
  commands.reserve(lists.size());
  const std::string ttl = std::to_string(ttl_s);
  for (const auto& list : lists)
    commands.push_back({"SET", discover::suggestions_key(list.user_id), discover::to_json(list).dump(), "EX", ttl});
  auto lease = redis.lease();
  if (!lease) fail_unreachable("Redis is unreachable: " + redis.last_error());
  try {
    for (const auto& reply : (*lease)->pipeline(commands))
      if (reply->type == REDIS_REPLY_ERROR) fail_check("Redis refused a SET of suggest:users: " + std::string(reply->str, reply->len));
  } catch (const Error&) {
    lease->discard();
    throw;
  }
}

}  // namespace

JobOutcome run_suggested_users(JobContext& context, const RunOptions& options) {
  const auto& config = *context.config;
  const auto users = active_users(context.clickhouse, options.now_ms, config.get_int("jobs.suggested_users_active_h"));
  const auto batch = static_cast<size_t>(std::max<int64_t>(1, config.get_int("jobs.suggested_users_batch")));
  const int64_t ttl_s = 3 * config.get_int("jobs.suggested_users_interval_s");
  size_t written = 0, with_suggestions = 0, batches = 0;
  for (size_t begin = 0; begin < users.size() && !context.stopping(); begin += batch) {
    const std::vector<uint64_t> ids(users.begin() + static_cast<std::ptrdiff_t>(begin),
                                    users.begin() + static_cast<std::ptrdiff_t>(std::min(users.size(), begin + batch)));
    const auto lists = discover::compute_suggestions_batch(context.clickhouse, context.params, ids, options.now_ms, 20);
    store_all(*context.redis, lists, ttl_s);
    written += lists.size();
    for (const auto& list : lists) with_suggestions += !list.items.empty();
    ++batches;
  }
  JobOutcome outcome;
  outcome.rows = written;
  outcome.detail = fmt::format("suggest:users for {} of {} active users ({} with suggestions) in {} batches{}", written,
                               users.size(), with_suggestions, batches,
                               written < users.size() ? "; stopped early (signal)" : "");
  outcome.facts = {{"active_users", users.size()}, {"written", written}, {"with_suggestions", with_suggestions},
                   {"batches", batches}, {"ttl_s", ttl_s}};
  return outcome;
}

}  // namespace nf::jobs
