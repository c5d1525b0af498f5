#include "core/feed/compare.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <set>
#include <unordered_map>

#include "core/discover/trending.hpp"
#include "core/error/error.hpp"
#include "core/feed/candidates.hpp"
#include "core/feed/feed_service.hpp"
#include "core/ranking/probes.hpp"
#include "core/redis/pool.hpp"
#include "core/time/rfc3339.hpp"

namespace nf::feed {

// ------------------------------------------------------------ two rankings compared

RankChanges rank_changes(const std::vector<uint64_t>& before, const std::vector<uint64_t>& after) {
  std::unordered_map<uint64_t, size_t> before_at, after_at;  // post → 1-based position
  for (size_t i = 0; i < before.size(); ++i) before_at.emplace(before[i], i + 1);
  for (size_t i = 0; i < after.size(); ++i) after_at.emplace(after[i], i + 1);
  RankChanges changes;
  for (size_t i = 0; i < after.size(); ++i) {
    const auto found = before_at.find(after[i]);
    if (found == before_at.end())
      changes.entered.push_back({after[i], i + 1});
    else if (found->second != i + 1)
      changes.moved.push_back({after[i], found->second, i + 1});
    else
      ++changes.unchanged;
  }
  for (size_t i = 0; i < before.size(); ++i)
    if (!after_at.count(before[i])) changes.left.push_back({before[i], i + 1});
  return changes;
}

double overlap(const std::vector<uint64_t>& before, const std::vector<uint64_t>& after) {
  if (before.empty() && after.empty()) return 1.0;
  const std::set<uint64_t> in_before(before.begin(), before.end());
  size_t common = 0;
  for (const auto post : after) common += in_before.count(post);
  return static_cast<double>(common) / static_cast<double>(std::max(before.size(), after.size()));
}

std::optional<double> kendall_tau_b(const std::vector<uint64_t>& before, const std::vector<uint64_t>& after) {
  // Each post of the union with its rank on both sides; a missing post ranks at the
  // list's size (just below its last), tied with the others missing from it.
  std::unordered_map<uint64_t, std::pair<size_t, size_t>> ranks;
  for (size_t i = 0; i < before.size(); ++i) ranks.emplace(before[i], std::pair{i, after.size()});
  for (size_t i = 0; i < after.size(); ++i) {
    const auto [it, inserted] = ranks.emplace(after[i], std::pair{before.size(), i});
    if (!inserted) it->second.second = i;
  }
  const std::vector<std::pair<size_t, size_t>> posts = [&] {
    std::vector<std::pair<size_t, size_t>> out;
    for (const auto& [post, rank] : ranks) out.push_back(rank);
    return out;
  }();
  const auto sign = [](size_t a, size_t b) { return a < b ? -1 : a > b ? 1 : 0; };
  double concordant = 0, discordant = 0, tied_before = 0, tied_after = 0;
  for (size_t i = 0; i < posts.size(); ++i)
    for (size_t j = i + 1; j < posts.size(); ++j) {
      const int a = sign(posts[i].first, posts[j].first), b = sign(posts[i].second, posts[j].second);
      if (a == 0) ++tied_before;
      if (b == 0) ++tied_after;
      if (a != 0 && b != 0) (a == b ? concordant : discordant) += 1;
    }
  const double n = static_cast<double>(posts.size()), pairs = n * (n - 1) / 2;
  const double denominator = std::sqrt((pairs - tied_before) * (pairs - tied_after));
  if (posts.size() < 2 || denominator == 0) return std::nullopt;
  return (concordant - discordant) / denominator;
}

// ------------------------------------------------------------ the settings compared

namespace {

constexpr size_t kUsersPerBatch = 50;  // the warmer's batch: four statements per 50 users

// What an override changes beyond the score: the candidates read (windows) and the
// trending list (its weights, the decay, its window).
bool changes_candidates(std::string_view key) {
  return key == "ranking.follow_window_h" || key == "ranking.trending_window_h" ||
         key == "ranking.affinity_window_h" || key == "ranking.affinity_days" || key == "ranking.seen_window_h";
}
bool changes_trending(std::string_view key) {
  return key == "ranking.trend_weight_engagement" || key == "ranking.trend_weight_freshness" ||
         key == "ranking.decay_per_hour" || key == "ranking.trending_window_h";
}

ranking::Params checked_params(const config::Config& config) {
  auto params = ranking::params_from(config);
  trending_window_label(params.trending_window_h);  // a window with a hot-posts list, as FeedService requires
  return params;
}

// F2 replaced by `list` (cut to the limit; none for a latency probe's reader), with the
// counts of posts the input had not read from the list's own (both come from post_counts).
void use_trending(ranking::RankInput& input, const std::vector<ranking::TrendingPost>& list,
                  const ranking::Params& params) {
  input.sources.trending.clear();
  if (ranking::is_probe_id(input.user_id)) return;
  for (const auto& item : list) {
    if (input.sources.trending.size() >= params.trending_limit) break;
    input.sources.trending.push_back(item.post);
    input.engagement.try_emplace(item.post.id, item.features.counts);
  }
}

// `input`'s F2 taken from `from` (the same list on both sides), with its counts.
void same_trending(ranking::RankInput& input, const ranking::RankInput& from) {
  input.sources.trending = from.sources.trending;
  for (const auto& post : from.sources.trending)
    if (const auto found = from.engagement.find(post.id); found != from.engagement.end())
      input.engagement[post.id] = found->second;
}

Side top(const ranking::Params& params, const ranking::RankInput& input, size_t depth) {
  Side side;
  side.items = feed_items(ranking::rank_feed(params, input));
  if (side.items.size() > depth) side.items.resize(depth);
  return side;
}

std::vector<uint64_t> active_users(const ch::Client& clickhouse, int64_t now_ms, size_t limit) {
  std::vector<uint64_t> users;
  for (const auto& row : clickhouse.query(active_users_sql(now_ms, limit)))
    users.push_back(ch::as_u64(row.at("user_id")));
  return users;
}

}  // namespace

std::vector<uint64_t> Side::ids() const {
  std::vector<uint64_t> ids;
  ids.reserve(items.size());
  for (const auto& item : items) ids.push_back(item.post_id);
  return ids;
}

config::Config with_overrides(const config::Config& config, const std::vector<std::string>& assignments,
                              std::vector<Override>* overrides) {
  config::Config changed = config;
  std::set<std::string> seen;
  for (const auto& assignment : assignments) {
    auto [key, value] = config::split_assignment(assignment, "--compare");
    if (!key.starts_with("ranking.") || !config::find_spec(key)) {
      std::string keys;
      for (const auto& spec : config::option_specs())
        if (spec.key.starts_with("ranking.")) keys += (keys.empty() ? "" : ", ") + std::string(spec.key);
      fail_usage("--compare takes a ranking setting (weights, decay, windows), got '" + key + "'; known: " + keys);
    }
    if (!seen.insert(key).second) fail_usage("--compare names " + key + " twice; give each key once");
    const auto& current = config.values.find(key)->second;
    if (overrides) overrides->push_back({key, current.value, current.origin, value});
    changed.values[key] = {value, "--compare"};
  }
  return changed;
}

std::string active_users_sql(int64_t now_ms, size_t limit) {
  const int64_t now_s = now_ms / 1000;
  return "SELECT user_id, count() AS n FROM events WHERE ts >= toDateTime(" + std::to_string(now_s - 86400) +
         ") AND ts <= toDateTime(" + std::to_string(now_s) + ") AND " + ranking::real_id_sql("user_id") +
         " GROUP BY user_id ORDER BY n DESC, user_id LIMIT " + std::to_string(limit);
}

SampleSummary summarise(const std::vector<UserComparison>& users, size_t asked, size_t active) {
  SampleSummary summary;
  summary.asked = asked;
  summary.active = active;
  double overlap_sum = 0, tau_sum = 0;
  const auto count = [](SourceMix& mix, const Side& side) {
    for (const auto& item : side.items) {
      mix.follow += item.source == ranking::Source::follow;
      mix.trending += item.source == ranking::Source::trending;
      mix.affinity += item.source == ranking::Source::affinity;
    }
  };
  for (const auto& user : users) {
    if (user.before.items.empty() && user.after.items.empty()) continue;  // nothing to compare
    ++summary.compared;
    summary.changed += !user.changes.none();
    overlap_sum += user.overlap;
    summary.min_overlap = std::min(summary.min_overlap, user.overlap);
    if (user.tau) {
      tau_sum += *user.tau;
      ++summary.tau_users;
    }
    count(summary.before, user.before);
    count(summary.after, user.after);
  }
  if (summary.compared) summary.mean_overlap = overlap_sum / static_cast<double>(summary.compared);
  if (summary.tau_users) summary.mean_tau = tau_sum / static_cast<double>(summary.tau_users);
  return summary;
}

Comparison run_compare(const config::Config& config, const CompareRequest& request, int64_t now_ms) {
  if (request.assignments.empty()) fail_usage("--compare needs at least one KEY=VALUE (a ranking.* setting)");
  if ((request.user_id == 0) == (request.sample == 0))
    fail_usage("--compare needs either --user ID (one feed side by side) or --sample N (a summary over N active "
               "users), not both");
  if (request.sample > 10000) fail_usage("--sample must be from 1 to 10000, got " + std::to_string(request.sample));
  if (request.depth < 1 || request.depth > 50)
    fail_usage("--limit must be between 1 and 50, got " + std::to_string(request.depth));

  Comparison out;
  out.now_ms = now_ms;
  out.depth = request.depth;
  const auto after_config = with_overrides(config, request.assignments, &out.overrides);
  const auto before_params = checked_params(config), after_params = checked_params(after_config);
  bool refetch = false, trending_changed = false;
  for (const auto& o : out.overrides) {
    refetch = refetch || changes_candidates(o.key);
    trending_changed = trending_changed || changes_trending(o.key);
  }

  const ch::Client clickhouse(ch::settings_from(config));
  redis::Pool redis(redis::settings_from(config));
  discover::TrendingSource trending_before(clickhouse, redis, before_params, std::chrono::milliseconds(0));
  discover::TrendingSource trending_after(clickhouse, redis, after_params, std::chrono::milliseconds(0));
  // A trend setting changed: hot:posts (written by the job under its own settings) would
  // hide it, so both sides rank a list computed live now, each under its own settings.
  std::vector<ranking::TrendingPost> live_before, live_after;
  if (trending_changed) {
    // One read of the wider window's posts, so the two lists differ only by the settings.
    const auto rows = discover::parse_trending_rows(clickhouse.query(
        discover::trending_sql(std::max(before_params.trending_window_h, after_params.trending_window_h), now_ms)));
    const auto live = [&](const ranking::Params& params) {
      const int64_t since_ms = (now_ms / 1000 - params.trending_window_h * 3600) * 1000;  // trending_sql's bound
      std::vector<ranking::Post> posts;
      for (const auto& post : rows.posts)
        if (post.created_at_ms >= since_ms) posts.push_back(post);
      return ranking::trending(params, now_ms, posts, rows.counts, params.trending_limit);
    };
    live_before = live(before_params);
    live_after = live(after_params);
  }
  const auto fetch = [&](discover::TrendingSource& trending, const ranking::Params& params,
                         const std::vector<uint64_t>& users) {
    if (users.size() == 1) {  // exactly what a cache miss of that user reads
      std::unordered_map<uint64_t, FetchedCandidates> one;
      one.emplace(users[0], fetch_candidates(clickhouse, trending, params, users[0], now_ms));
      return one;
    }
    return fetch_candidates_batch(clickhouse, trending, params, users, now_ms, nullptr);
  };

  const auto users = request.user_id ? std::vector<uint64_t>{request.user_id}
                                     : active_users(clickhouse, now_ms, request.sample);
  std::optional<std::pair<bool, int64_t>> f2_read;  // from the cache?, computed at: for the F2 note
  for (size_t begin = 0; begin < users.size(); begin += kUsersPerBatch) {
    const size_t end = std::min(users.size(), begin + kUsersPerBatch);
    const std::vector<uint64_t> batch(users.begin() + static_cast<std::ptrdiff_t>(begin),
                                      users.begin() + static_cast<std::ptrdiff_t>(end));
    auto before = fetch(trending_before, before_params, batch);
    auto after = refetch ? fetch(trending_after, after_params, batch) : before;
    for (const auto user_id : batch) {
      auto& input_before = before.at(user_id).input;
      auto& input_after = after.at(user_id).input;
      if (trending_changed) {
        use_trending(input_before, live_before, before_params);
        use_trending(input_after, live_after, after_params);
      } else if (refetch) {
        same_trending(input_after, input_before);
      }
      if (!f2_read) f2_read = {before.at(user_id).trending_from_cache, before.at(user_id).trending_computed_at_ms};
      UserComparison user;
      user.user_id = user_id;
      user.before = top(before_params, input_before, request.depth);
      user.after = top(after_params, input_after, request.depth);
      const auto before_ids = user.before.ids(), after_ids = user.after.ids();
      user.changes = rank_changes(before_ids, after_ids);
      user.overlap = overlap(before_ids, after_ids);
      user.tau = kendall_tau_b(before_ids, after_ids);
      out.users.push_back(std::move(user));
    }
  }

  out.candidates = refetch ? "read twice, once under each side's windows"
                           : "read once, ranked twice (no window changed what is read)";
  if (trending_changed)
    out.trending = "F2 computed live now on each side under its own settings (a trend setting changed; serve reads "
                   "hot:posts, which the hot-posts job writes under its own settings)";
  else if (f2_read && f2_read->first)
    out.trending = "F2 from Redis hot:posts:" + trending_window_label(before_params.trending_window_h) +
                   " (computed " + time::format_rfc3339(f2_read->second, false) + "), the same list on both sides";
  else if (f2_read)
    out.trending = "F2 computed live now (no hot-posts list in Redis), the same list on both sides";
  else
    out.trending = "no user to rank";
  if (request.sample) out.sample = summarise(out.users, request.sample, users.size());
  return out;
}

}  // namespace nf::feed
