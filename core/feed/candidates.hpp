#pragma once
// Step one of a feed request: the candidates of SPEC §3 and their features, fetched from
// ClickHouse (docs/schema.md "What ranking reads"). Ranking itself is core/ranking.
//
// Independent queries run at once, so a cache miss costs about two round trips:
//   1. F1 follow, N per author, seen, trending(24h)   (trending from Redis when the jobs
//                                                       wrote it, else live)
//   2. F3 affinity posts (needs N) + L,C,S,I of F1 ∪ F2
//   3. L,C,S,I of the F3 posts not already counted (often none)
// `now` is sent as toDateTime(<epoch s>) so the windows and the freshness use one clock.
// Own posts are NOT filtered here: SPEC §3 cuts each source to its limit first, and
// ranking::rank_feed removes own and seen posts afterwards.

#include <cstdint>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/clickhouse/client.hpp"
#include "core/discover/trending.hpp"
#include "core/ranking/ranking.hpp"

namespace nf::feed {

// How long one stage of a request took, for --explain ("candidates", "rank", ...).
struct StageTiming {
  std::string stage;
  double ms = 0;
};

struct FetchedCandidates {
  ranking::RankInput input;
  bool trending_from_cache = false;  // F2 came from Redis hot:posts:{window}
  int64_t trending_computed_at_ms = 0;
  std::vector<StageTiming> timings;
};

// "1h", "24h" or "7d" for ranking.trending_window_h 1, 24 or 168 (the hot-posts windows);
// throws nf::Error(usage) naming the key otherwise.
std::string trending_window_label(int64_t hours);

// L, C, S, I of posts read before a batch of feeds is ranked: the feed-warmer reads them
// once for all its users (recent_engagement_sql) instead of once per feed.
using EngagementTable = std::unordered_map<uint64_t, ranking::Engagement>;

// Throws nf::Error (unreachable or check_failed) when a ClickHouse query fails. With
// `known`, a candidate found there takes its figures from it; only the others are read.
FetchedCandidates fetch_candidates(const ch::Client& clickhouse, discover::TrendingSource& trending,
                                   const ranking::Params& params, uint64_t user_id, int64_t now_ms,
                                   const EngagementTable* known = nullptr);

// The same for many users at once (the feed-warmer): F1, N, seen and F3 of every user in
// four statements for the whole batch (users as an external table, each source cut per
// user with LIMIT … BY), trending read once, and the engagement of the candidates `known`
// misses in one more read. Per user, the same candidates and features as
// fetch_candidates; a user with none of them gets an empty input. Throws as
// fetch_candidates does.
std::unordered_map<uint64_t, FetchedCandidates> fetch_candidates_batch(const ch::Client& clickhouse,
                                                                       discover::TrendingSource& trending,
                                                                       const ranking::Params& params,
                                                                       const std::vector<uint64_t>& user_ids,
                                                                       int64_t now_ms, const EngagementTable* known);

// The statements, for tests and for reading what the feed asks ClickHouse. Sets of ids
// (the candidate posts) go as external tables, never as
// statement text, so no user's history can push a statement past max_query_size.
std::string follow_sql(const ranking::Params& params, uint64_t user_id, int64_t now_ms);
std::string interactions_sql(const ranking::Params& params, uint64_t user_id, int64_t now_ms);
std::string seen_sql(const ranking::Params& params, uint64_t user_id, int64_t now_ms);
std::string affinity_sql(const ranking::Params& params, uint64_t user_id, int64_t now_ms);
ch::Query engagement_sql(const std::set<uint64_t>& post_ids, int64_t now_ms);
// fetch_candidates_batch's statements: each row also names its user (user_id); the users
// are the external table nf_users.
ch::Query follow_batch_sql(const ranking::Params& params, const std::vector<uint64_t>& user_ids, int64_t now_ms);
ch::Query interactions_batch_sql(const ranking::Params& params, const std::vector<uint64_t>& user_ids, int64_t now_ms);
ch::Query seen_batch_sql(const ranking::Params& params, const std::vector<uint64_t>& user_ids, int64_t now_ms);
ch::Query affinity_batch_sql(const ranking::Params& params, const std::vector<uint64_t>& user_ids, int64_t now_ms);
// L, C, S, I (as engagement_sql counts them) of every post created within the widest
// source window (F1, F2, F3), zeros included, so every candidate of any user is in it
// unless it was created after `now`. TabSeparated rows: post_id, l, c, s, i.
std::string recent_engagement_sql(const ranking::Params& params, int64_t now_ms);

// Row parsers; throw nf::Error(check_failed) for a row without the expected columns.
std::vector<ranking::Post> parse_posts(const std::vector<nlohmann::json>& rows);
std::unordered_map<uint64_t, uint64_t> parse_interactions(const std::vector<nlohmann::json>& rows);
std::set<uint64_t> parse_seen(const std::vector<nlohmann::json>& rows);
std::unordered_map<uint64_t, ranking::Engagement> parse_engagement(const std::vector<nlohmann::json>& rows);
// recent_engagement_sql's answer; throws nf::Error(check_failed) naming a malformed line.
EngagementTable parse_engagement_tsv(std::string_view body);

}  // namespace nf::feed
