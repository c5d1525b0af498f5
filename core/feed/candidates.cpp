#include "core/feed/candidates.hpp"

#include <algorithm>
#include <charconv>
#include <chrono>
#include <future>

#include "core/error/error.hpp"
#include "core/ranking/probes.hpp"

namespace nf::feed {

namespace {

using Clock = std::chrono::steady_clock;

constexpr int64_t kEventRetentionDays = 30;  // SPEC §3: L, C, S, I within the event retention

double elapsed_ms(Clock::time_point since) {
  return std::chrono::duration<double, std::milli>(Clock::now() - since).count();
}

// toDateTime(<epoch s>): every window is computed from the one `now` of the request.
std::string at_seconds(int64_t epoch_s) { return "toDateTime(" + std::to_string(epoch_s) + ")"; }
std::string hours_before(int64_t now_ms, int64_t hours) { return at_seconds(now_ms / 1000 - hours * 3600); }

const nlohmann::json& column(const nlohmann::json& row, const char* name) {
  if (!row.is_object() || !row.contains(name))
    fail_check(std::string("ClickHouse row without column '") + name + "': " + row.dump());
  return row[name];
}

uint64_t u64_column(const nlohmann::json& row, const char* name) {
  try {
    return ch::as_u64(column(row, name));
  } catch (const Error&) {
    throw;
  } catch (const std::exception& e) {
    fail_check(std::string("ClickHouse column '") + name + "': " + e.what());
  }
}

// F1 and F3 read posts_by_author (ordered by author: only the authors' rows are read and
// merged), the same rows and versions as posts.
constexpr std::string_view kPostColumns =
    "SELECT id, author_id, toUnixTimestamp(created_at) AS created_s FROM posts_by_author FINAL";

}  // namespace

std::string trending_window_label(int64_t hours) {
  if (hours == 1) return "1h";
  if (hours == 24) return "24h";
  if (hours == 168) return "7d";
  fail_usage("configuration key 'ranking.trending_window_h' is " + std::to_string(hours) +
             ": F2 reads the hot-posts lists, which exist for 1, 24 and 168 hours; set one of those");
}

std::string follow_sql(const ranking::Params& params, uint64_t user_id, int64_t now_ms) {
  return std::string(kPostColumns) + " WHERE author_id IN (SELECT followee_id FROM follows FINAL WHERE follower_id = " +
         std::to_string(user_id) + " AND _deleted = 0) AND _deleted = 0 AND created_at >= " +
         hours_before(now_ms, params.follow_window_h) + " ORDER BY created_at DESC, id DESC LIMIT " +
         std::to_string(params.follow_limit);
}

std::string interactions_sql(const ranking::Params& params, uint64_t user_id, int64_t now_ms) {
  // Day-granular like the table: the last `affinity_days` calendar days including today.
  return "SELECT author_id, sum(interactions) AS n FROM user_author_counts WHERE user_id = " +
         std::to_string(user_id) + " AND day > toDate(" + at_seconds(now_ms / 1000) + ") - " +
         std::to_string(params.affinity_days) + " GROUP BY author_id HAVING n > 0";
}

// user_seen (by user, one row per post and day) rather than events (by post): the read
// is one user's rows whatever the number of events. The day bound only picks partitions;
// last_ts decides.
std::string seen_sql(const ranking::Params& params, uint64_t user_id, int64_t now_ms) {
  const std::string since = hours_before(now_ms, params.seen_window_h);
  return "SELECT DISTINCT post_id FROM user_seen WHERE user_id = " + std::to_string(user_id) +
         " AND day >= toDate(" + since + ") AND last_ts >= " + since;
}

std::string affinity_sql(const ranking::Params& params, uint64_t user_id, int64_t now_ms) {
  // N read here as well (interactions_sql, one user's rows), so F3 is fetched beside the
  // other sources instead of after them; ordered by N in ClickHouse, so LIMIT cuts the
  // source to its limit in SPEC §3's order without shipping every post back. ANY LEFT
  // JOIN, never ANY INNER: current ClickHouse's ANY INNER keeps one row per key on both
  // sides (one post per author); every left row has its author's N by the IN.
  const std::string n_per_author = interactions_sql(params, user_id, now_ms);
  return "SELECT id, author_id, created_s FROM (" + std::string(kPostColumns) +
         " WHERE author_id IN (SELECT author_id FROM (" + n_per_author + ")) AND " + ranking::real_id_sql("author_id") +
         " AND _deleted = 0 AND created_at >= " +
         hours_before(now_ms, params.affinity_window_h) + ") AS candidates ANY LEFT JOIN (" + n_per_author +
         ") AS affinity USING author_id ORDER BY n DESC, created_s DESC, id DESC LIMIT " +
         std::to_string(params.affinity_limit);
}

// The day holding the retention edge counts whole, as in engagement_sql.
constexpr std::string_view kEngagementSums =
    "sum(likes) AS l, sum(comments) AS c, sum(shares) AS s, sum(impressions) AS i FROM post_counts";

namespace {

// The batch statements: one user per row of nf_users.
ch::ExternalTable users_table(const std::vector<uint64_t>& user_ids) {
  return ch::id_table("nf_users", "user_id", user_ids);
}

std::string interactions_batch_text(const ranking::Params& params, int64_t now_ms) {
  return "SELECT user_id, author_id, sum(interactions) AS n FROM user_author_counts WHERE user_id IN nf_users"
         " AND day > toDate(" + at_seconds(now_ms / 1000) + ") - " + std::to_string(params.affinity_days) +
         " GROUP BY user_id, author_id HAVING n > 0";
}

}  // namespace

// post_counts: one row of sums per post and day in 64-row granules, so the read is the
// candidates' few rows each, whatever their event counts. The day holding the retention
// edge counts whole (schema/clickhouse/0006_event_counts.sql).
ch::Query engagement_sql(const std::set<uint64_t>& post_ids, int64_t now_ms) {
  return {"SELECT post_id, " + std::string(kEngagementSums) + " WHERE post_id IN nf_posts AND day >= toDate(" +
              hours_before(now_ms, kEventRetentionDays * 24) + ") GROUP BY post_id",
          {ch::id_table("nf_posts", "post_id", post_ids)}};
}

// ALL INNER JOIN: each (user, followee) pair meets each of the followee's posts; a user
// and a post meet once (follows FINAL: one row per pair; posts_by_author FINAL: one per
// post). Ordered per user as follow_sql orders (created_s is created_at in seconds).
ch::Query follow_batch_sql(const ranking::Params& params, const std::vector<uint64_t>& user_ids, int64_t now_ms) {
  const std::string followed =
      "SELECT follower_id AS user_id, followee_id AS author_id FROM follows FINAL WHERE follower_id IN nf_users"
      " AND _deleted = 0";
  return {"SELECT user_id, id, author_id, created_s FROM (" + followed + ") AS followed ALL INNER JOIN (" +
              std::string(kPostColumns) + " WHERE author_id IN (SELECT author_id FROM (" + followed +
              ")) AND _deleted = 0 AND created_at >= " + hours_before(now_ms, params.follow_window_h) +
              ") AS posts USING author_id ORDER BY user_id, created_s DESC, id DESC LIMIT " +
              std::to_string(params.follow_limit) + " BY user_id",
          {users_table(user_ids)}};
}

ch::Query interactions_batch_sql(const ranking::Params& params, const std::vector<uint64_t>& user_ids,
                                 int64_t now_ms) {
  return {interactions_batch_text(params, now_ms), {users_table(user_ids)}};
}

ch::Query seen_batch_sql(const ranking::Params& params, const std::vector<uint64_t>& user_ids, int64_t now_ms) {
  const std::string since = hours_before(now_ms, params.seen_window_h);
  return {"SELECT DISTINCT user_id, post_id FROM user_seen WHERE user_id IN nf_users AND day >= toDate(" + since +
              ") AND last_ts >= " + since,
          {users_table(user_ids)}};
}

// Every (user, author, N) meets the author's posts, ordered per user as affinity_sql
// orders them.
ch::Query affinity_batch_sql(const ranking::Params& params, const std::vector<uint64_t>& user_ids, int64_t now_ms) {
  const std::string n_per_author = interactions_batch_text(params, now_ms);
  return {"SELECT user_id, id, author_id, created_s FROM (" + n_per_author + ") AS affinity ALL INNER JOIN (" +
              std::string(kPostColumns) + " WHERE author_id IN (SELECT author_id FROM (" + n_per_author +
              ")) AND " + ranking::real_id_sql("author_id") +
              " AND _deleted = 0 AND created_at >= " + hours_before(now_ms, params.affinity_window_h) +
              ") AS posts USING author_id ORDER BY user_id, n DESC, created_s DESC, id DESC LIMIT " +
              std::to_string(params.affinity_limit) + " BY user_id",
          {users_table(user_ids)}};
}

std::string recent_engagement_sql(const ranking::Params& params, int64_t now_ms) {
  const int64_t widest_h = std::max({params.follow_window_h, params.trending_window_h, params.affinity_window_h});
  // Every version of a post has its id and created_at: no FINAL needed for the id set (a
  // deleted post's figures are only never asked for). ANY LEFT JOIN: one row per id, 0
  // where the post has no counts.
  const std::string recent_ids =
      "SELECT DISTINCT id FROM posts_by_author WHERE created_at >= " + hours_before(now_ms, widest_h);
  return "SELECT id, l, c, s, i FROM (" + recent_ids + ") AS recent ANY LEFT JOIN (SELECT post_id AS id, " +
         std::string(kEngagementSums) + " WHERE post_id IN (" + recent_ids + ") AND day >= toDate(" +
         hours_before(now_ms, kEventRetentionDays * 24) + ") GROUP BY post_id) AS counts USING id";
}

std::vector<ranking::Post> parse_posts(const std::vector<nlohmann::json>& rows) {
  std::vector<ranking::Post> posts;
  posts.reserve(rows.size());
  for (const auto& row : rows)
    posts.push_back({u64_column(row, "id"), u64_column(row, "author_id"),
                     static_cast<int64_t>(u64_column(row, "created_s")) * 1000});
  return posts;
}

std::unordered_map<uint64_t, uint64_t> parse_interactions(const std::vector<nlohmann::json>& rows) {
  std::unordered_map<uint64_t, uint64_t> out;
  for (const auto& row : rows) {
    const auto n = u64_column(row, "n");
    if (n > 0) out[u64_column(row, "author_id")] = n;
  }
  return out;
}

std::set<uint64_t> parse_seen(const std::vector<nlohmann::json>& rows) {
  std::set<uint64_t> out;
  for (const auto& row : rows) out.insert(u64_column(row, "post_id"));
  return out;
}

std::unordered_map<uint64_t, ranking::Engagement> parse_engagement(const std::vector<nlohmann::json>& rows) {
  std::unordered_map<uint64_t, ranking::Engagement> out;
  for (const auto& row : rows)
    out[u64_column(row, "post_id")] = {u64_column(row, "l"), u64_column(row, "c"), u64_column(row, "s"),
                                       u64_column(row, "i")};
  return out;
}

EngagementTable parse_engagement_tsv(std::string_view body) {
  EngagementTable out;
  size_t line_number = 0;
  while (!body.empty()) {
    ++line_number;
    const auto end_of_line = body.find('\n');
    const std::string_view line = body.substr(0, end_of_line);
    body.remove_prefix(end_of_line == std::string_view::npos ? body.size() : end_of_line + 1);
    if (line.empty()) continue;
    uint64_t fields[5] = {};
    const char* at = line.data();
    const char* const end = line.data() + line.size();
    for (size_t f = 0; f < 5; ++f) {
      const auto [next, error] = std::from_chars(at, end, fields[f]);
      const bool last = f == 4;
      if (error != std::errc() || (last ? next != end : next == end || *next != '\t'))
        fail_check("ClickHouse engagement line " + std::to_string(line_number) +
                   " is not five unsigned integers separated by tabs: '" + std::string(line.substr(0, 200)) + "'");
      at = last ? next : next + 1;
    }
    out[fields[0]] = {fields[1], fields[2], fields[3], fields[4]};
  }
  return out;
}

namespace {

// The rows of a batch statement, each user's in their order.
std::unordered_map<uint64_t, std::vector<nlohmann::json>> rows_by_user(std::vector<nlohmann::json> rows) {
  std::unordered_map<uint64_t, std::vector<nlohmann::json>> out;
  for (auto& row : rows) {
    const auto user = u64_column(row, "user_id");
    out[user].push_back(std::move(row));
  }
  return out;
}

// F2: the trending list cut to its limit; none for a latency probe's reader, whose feed
// holds only probe posts (ranking/probes.hpp).
void take_trending(ranking::RankInput& input, const discover::TrendingList& list, const ranking::Params& params) {
  if (ranking::is_probe_id(input.user_id)) return;
  for (const auto& item : list.items) {
    if (input.sources.trending.size() >= params.trending_limit) break;
    input.sources.trending.push_back(item.post);
  }
}

// L, C, S, I of `input`'s candidates: from `known` where it has them, the rest collected
// in `unknown` for one read.
void take_known_engagement(ranking::RankInput& input, const EngagementTable* known, std::set<uint64_t>& unknown) {
  for (const auto* source : {&input.sources.follow, &input.sources.trending, &input.sources.affinity})
    for (const auto& post : *source) {
      if (known) {
        if (const auto found = known->find(post.id); found != known->end()) {
          input.engagement[post.id] = found->second;
          continue;
        }
      }
      unknown.insert(post.id);
    }
}

}  // namespace

std::unordered_map<uint64_t, FetchedCandidates> fetch_candidates_batch(const ch::Client& clickhouse,
                                                                       discover::TrendingSource& trending,
                                                                       const ranking::Params& params,
                                                                       const std::vector<uint64_t>& user_ids,
                                                                       int64_t now_ms, const EngagementTable* known) {
  std::unordered_map<uint64_t, FetchedCandidates> out;
  if (user_ids.empty()) return out;
  const std::string window = trending_window_label(params.trending_window_h);
  const auto query = [&clickhouse](ch::Query q) { return clickhouse.query(q); };

  auto started = Clock::now();
  auto follow_rows = std::async(std::launch::async, query, follow_batch_sql(params, user_ids, now_ms));
  auto interaction_rows = std::async(std::launch::async, query, interactions_batch_sql(params, user_ids, now_ms));
  auto seen_rows = std::async(std::launch::async, query, seen_batch_sql(params, user_ids, now_ms));
  auto affinity_rows = std::async(std::launch::async, query, affinity_batch_sql(params, user_ids, now_ms));
  const auto list = trending.get(window, now_ms);
  auto follow = rows_by_user(follow_rows.get());
  auto interactions = rows_by_user(interaction_rows.get());
  auto seen = rows_by_user(seen_rows.get());
  auto affinity = rows_by_user(affinity_rows.get());
  const double stage1_ms = elapsed_ms(started);

  started = Clock::now();
  std::set<uint64_t> unknown;
  for (const auto user_id : user_ids) {
    auto& fetched = out[user_id];
    auto& input = fetched.input;
    input.user_id = user_id;
    input.now_ms = now_ms;
    input.sources.follow = parse_posts(follow[user_id]);
    input.author_interactions = parse_interactions(interactions[user_id]);
    input.seen = parse_seen(seen[user_id]);
    input.sources.affinity = parse_posts(affinity[user_id]);
    fetched.trending_from_cache = list.from_cache;
    fetched.trending_computed_at_ms = list.computed_at_ms;
    take_trending(input, list, params);
    take_known_engagement(input, known, unknown);
  }
  if (!unknown.empty()) {
    const auto read = parse_engagement(clickhouse.query(engagement_sql(unknown, now_ms)));
    for (auto& [user_id, fetched] : out)
      for (const auto* source :
           {&fetched.input.sources.follow, &fetched.input.sources.trending, &fetched.input.sources.affinity})
        for (const auto& post : *source)
          if (const auto found = read.find(post.id); found != read.end())
            fetched.input.engagement[post.id] = found->second;
  }
  const double stage2_ms = elapsed_ms(started);
  for (auto& [user_id, fetched] : out) {
    fetched.timings.push_back({"follow, interactions, seen, affinity, trending (batch of " +
                                   std::to_string(user_ids.size()) + " users)",
                               stage1_ms});
    fetched.timings.push_back({"engagement (batch)", stage2_ms});
  }
  return out;
}

FetchedCandidates fetch_candidates(const ch::Client& clickhouse, discover::TrendingSource& trending,
                                   const ranking::Params& params, uint64_t user_id, int64_t now_ms,
                                   const EngagementTable* known) {
  FetchedCandidates fetched;
  auto& input = fetched.input;
  input.user_id = user_id;
  input.now_ms = now_ms;
  const std::string window = trending_window_label(params.trending_window_h);
  const auto query = [&clickhouse](ch::Query q) { return clickhouse.query(q); };

  // Stage 1: everything that depends only on u, F3 included (it reads N itself).
  auto started = Clock::now();
  auto follow_rows = std::async(std::launch::async, query, ch::Query{follow_sql(params, user_id, now_ms), {}});
  auto interaction_rows =
      std::async(std::launch::async, query, ch::Query{interactions_sql(params, user_id, now_ms), {}});
  auto seen_rows = std::async(std::launch::async, query, ch::Query{seen_sql(params, user_id, now_ms), {}});
  auto affinity_rows = std::async(std::launch::async, query, ch::Query{affinity_sql(params, user_id, now_ms), {}});
  // A latency probe's reader gets no trending (ranking/probes.hpp): no read for it.
  auto trending_list = std::async(std::launch::async, [&] {
    return ranking::is_probe_id(user_id) ? discover::TrendingList{} : trending.get(window, now_ms);
  });
  // get() in order; a failure rethrows here after the other futures finish (their
  // destructors wait), so no query outlives the request.
  input.sources.follow = parse_posts(follow_rows.get());
  input.author_interactions = parse_interactions(interaction_rows.get());
  input.seen = parse_seen(seen_rows.get());
  input.sources.affinity = parse_posts(affinity_rows.get());
  const auto list = trending_list.get();
  fetched.trending_from_cache = list.from_cache;
  fetched.trending_computed_at_ms = list.computed_at_ms;
  take_trending(input, list, params);
  fetched.timings.push_back({"follow, interactions, seen, affinity, trending", elapsed_ms(started)});

  // Stage 2: L, C, S, I of every candidate not in `known`, in one read (two at once only
  // compete for the same cores).
  started = Clock::now();
  std::set<uint64_t> candidates;
  take_known_engagement(input, known, candidates);
  if (!candidates.empty())
    for (auto& [post_id, counts] : parse_engagement(clickhouse.query(engagement_sql(candidates, now_ms))))
      input.engagement[post_id] = counts;
  fetched.timings.push_back({"engagement", elapsed_ms(started)});
  return fetched;
}

}  // namespace nf::feed
