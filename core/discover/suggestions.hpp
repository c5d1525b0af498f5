#pragma once
// Suggested users (SPEC §4: "≤20 users u does not follow: friends-of-friends and
// high-affinity authors"), computed live from ClickHouse or read from Redis
// (suggest:users:{u}, written by the jobs; see docs/redis-keys.md).
//
// Score of a candidate c for user u:
//   score = ln(1 + mutual_follows) + ln(1 + N)
// where mutual_follows = how many of u's followees follow c, and N = u's like, comment and
// share events on c's posts in the last ranking.affinity_days (ranking::affinity(N), the
// same figure as the feed's affinity). Both terms share one log scale, so neither source
// drowns the other, and a candidate found by both ranks above one found by either alone
// with the same count. Ties: the lower user id first.

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/clickhouse/client.hpp"
#include "core/ranking/ranking.hpp"
#include "core/redis/pool.hpp"

namespace nf::discover {

std::string suggestions_key(uint64_t user_id);  // "suggest:users:42"

struct SuggestedUser {
  uint64_t user_id = 0;
  uint64_t mutual_follows = 0;
  uint64_t interactions = 0;
  double score = 0;
  std::string reason;  // "friends_of_friends", "affinity" or "both"
};

struct SuggestedList {
  uint64_t user_id = 0;
  int64_t computed_at_ms = 0;
  bool from_cache = false;  // read from Redis suggest:users:{u}
  std::vector<SuggestedUser> items;
};

nlohmann::json to_json(const SuggestedList& list);
// Throws nf::Error(check_failed) naming what is wrong; `from_cache` is set by the reader.
SuggestedList suggestions_from_json(const nlohmann::json& json);

// SET suggest:users:{u} to_json(list) EX ttl_s (for the jobs); false when Redis is down.
bool store_suggestions(redis::Pool& redis, const SuggestedList& list, int64_t ttl_s);

// A user u does not follow, with both counts (either may be 0, not both).
struct SuggestionCandidate {
  uint64_t user_id = 0;
  uint64_t mutual_follows = 0;
  uint64_t interactions = 0;
};

// The merge above, pure: scores, reasons, order, cut to `limit`. Candidates with neither
// count are dropped.
std::vector<SuggestedUser> rank_suggestions(std::vector<SuggestionCandidate> candidates, size_t limit);

// The one ClickHouse statement behind compute_suggestions. It returns at most `fetch`
// candidates, already ordered by the same score (ClickHouse's log(1 + x)); C++ recomputes
// the score and the final order.
std::string suggestions_sql(uint64_t user_id, int64_t affinity_days, int64_t now_ms, size_t fetch);
// The users a suggestion may name: live (users FINAL, _deleted = 0) and real, never a
// latency probe (ranking/probes.hpp). A parenthesised subquery for `IN`.
std::string live_users_sql();
std::vector<SuggestionCandidate> parse_suggestion_rows(const std::vector<nlohmann::json>& rows);

// Live: friends-of-friends (follows FINAL, _deleted = 0) and authors with N > 0
// (user_author_counts, ranking.affinity_days), minus u, anyone u follows, and users that are
// deleted, unknown (users FINAL) or probes. Throws nf::Error(unreachable) on ClickHouse failure.
SuggestedList compute_suggestions(const ch::Client& clickhouse, const ranking::Params& params, uint64_t user_id,
                                  int64_t now_ms, size_t limit = 20);

// Batches, for the suggested-users job (suggestions_batch.cpp): one statement computes
// many users' suggestions, because one statement per user cannot cover every active
// user every 10 minutes. Each user's result is the one compute_suggestions gives.

// The statement for `user_ids` (sent as the external table nf_users, so its text stays
// a few KiB however large the batch): rows (user_id, candidate, mutual_follows,
// interactions), at most `fetch_per_user` per user, each user's best first by the same
// score as suggestions_sql. Users without candidates have no rows.
ch::Query suggestions_batch_sql(const std::vector<uint64_t>& user_ids, int64_t affinity_days, int64_t now_ms,
                                size_t fetch_per_user);

// One SuggestedList per entry of `user_ids`, in that order (computed_at_ms = now_ms; a
// user without candidates gets an empty list). Throws nf::Error(unreachable) on
// ClickHouse failure, nf::Error(check_failed) on a row it cannot read.
std::vector<SuggestedList> compute_suggestions_batch(const ch::Client& clickhouse, const ranking::Params& params,
                                                     const std::vector<uint64_t>& user_ids, int64_t now_ms,
                                                     size_t limit = 20);

// Redis suggest:users:{u} (a malformed value is logged and ignored), else live.
// Thread-safe: it holds no mutable state of its own.
class SuggestionSource {
 public:
  SuggestionSource(ch::Client clickhouse, redis::Pool& redis, ranking::Params params);
  SuggestedList get(uint64_t user_id, size_t limit, int64_t now_ms);

 private:
  ch::Client clickhouse_;
  redis::Pool* redis_;
  ranking::Params params_;
};

}  // namespace nf::discover
