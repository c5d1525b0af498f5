// Suggested users for a batch of users in one ClickHouse statement (the suggested-users
// job): for each user the candidates, counts and order of suggestions_sql, which stays the
// reference (an integration test compares the two on both engines).
#include <unordered_map>

#include <fmt/format.h>

#include "core/discover/suggestions.hpp"
#include "core/error/error.hpp"

namespace nf::discover {

namespace {

// The batch's user ids, as an external table (column user_id UInt64).
constexpr const char* kBatchUsersTable = "nf_users";

// Why arrays, and not suggestions_sql's join → GROUP BY (user, candidate) → ORDER BY for
// all users at once (the same rows, cut with LIMIT n BY user_id): at 50 follows a user
// has ~2,500 (user, candidate) pairs, and one hash table and one sort over all of a
// batch's pairs, far larger than the CPU caches, made that form 4-6 times slower on
// 18.16 and 2-4 times on 26.x (batches of 1,000 users at SPEC §6 scale). Here each
// followee's follows are collected once per batch (`followee_lists`), joined to the
// batch's follows by followee (50 rows per user, not 2,500), and each user's ids are
// counted and ranked in that user's own small arrays.
//
// Per user, `ids` holds, in this order:
//   u's followees and u itself   (`excluded`: never suggested)
//   the authors with N > 0       (u's like/comment/share events in the affinity window; once each)
//   every followee's followees   (a user followed by m of u's followees appears m times)
// arrayEnumerateUniq numbers each id's occurrences from the start, and again on the
// reversed array from the end, so at every position first + last - 1 is how often that
// id occurs in `ids`. A candidate is an id at its first occurrence, when that lies after
// `excluded`; its mutual_follows is that count less its own author entry (n > 0).
// `candidates` holds tuples (id, mutual_follows, interactions, first, position).
// Deleted and unknown users are dropped where ids are read, as suggestions_sql does.
//
// Order: suggestions_sql's, score desc then the lower id. A candidate with
// mutual_follows + N = 1 scores exactly ln 2, the least there is (ln(1+1) + ln(1+0)), and
// any other at least ln 3. Typically most score ln 2, so only the others are sorted by
// (score, id), and the ln 2 ones follow sorted by id alone, which is much cheaper.
//
// `followee_lists` reads the follows of every id the batch follows or once followed (no
// FINAL in that subquery, which was a third of the time on 18.16): the extra lists join
// with nothing, since batch_follows (FINAL) decides who u follows.
constexpr const char* kBatchSql = R"(SELECT user_id, tupleElement(best, 1) AS candidate,
 tupleElement(best, 2) AS mutual_follows, tupleElement(best, 3) AS interactions
FROM (
SELECT user_id,
 arrayConcat(followees, [user_id]) AS excluded,
 length(excluded) AS excluded_count,
 arrayConcat(excluded, authors, reached) AS ids,
 arrayConcat(arrayMap(x -> toUInt64(0), excluded), author_interactions, arrayMap(x -> toUInt64(0), reached)) AS n_at,
 arrayEnumerateUniq(ids) AS nth_from_start,
 arrayReverse(arrayEnumerateUniq(arrayReverse(ids))) AS nth_from_end,
 arrayFilter(c -> tupleElement(c, 4) = 1 AND tupleElement(c, 5) > excluded_count,
  arrayMap((id, first, last, n, at) -> (id, first + last - 1 - (n > 0), n, first, at),
   ids, nth_from_start, nth_from_end, n_at, arrayEnumerate(ids))) AS candidates,
 arraySlice(arrayConcat(
  arraySort(c -> (-(log(1 + tupleElement(c, 2)) + log(1 + tupleElement(c, 3))), tupleElement(c, 1)),
   arrayFilter(c -> tupleElement(c, 2) + tupleElement(c, 3) > 1, candidates)),
  arraySort(c -> tupleElement(c, 1), arrayFilter(c -> tupleElement(c, 2) + tupleElement(c, 3) = 1, candidates))),
  1, {fetch}) AS ranked
FROM (
SELECT user_id, groupArrayArray(followee_ids) AS followees, groupArrayArray(followee_follows) AS reached,
 groupArrayArray(author_ids) AS authors, groupArrayArray(author_n) AS author_interactions
FROM (
 SELECT user_id, [followee] AS followee_ids, followee_follows, emptyArrayUInt64() AS author_ids,
  emptyArrayUInt64() AS author_n
 FROM (SELECT follower_id AS user_id, followee_id AS followee FROM follows FINAL
  WHERE _deleted = 0 AND follower_id IN {users}) AS batch_follows
 ANY LEFT JOIN (
  SELECT follower_id AS followee, groupArray(followee_id) AS followee_follows FROM follows FINAL
  WHERE _deleted = 0 AND follower_id IN (SELECT followee_id FROM follows WHERE follower_id IN {users})
   AND followee_id IN {live_users}
  GROUP BY follower_id) AS followee_lists USING followee
 UNION ALL
 SELECT user_id, emptyArrayUInt64(), emptyArrayUInt64(), [author_id], [sum(interactions)] FROM user_author_counts
 WHERE user_id IN {users} AND day > {first_day} AND author_id IN {live_users}
 GROUP BY user_id, author_id)
GROUP BY user_id))
ARRAY JOIN ranked AS best)";

}  // namespace

ch::Query suggestions_batch_sql(const std::vector<uint64_t>& user_ids, int64_t affinity_days, int64_t now_ms,
                                size_t fetch_per_user) {
  // The affinity window ends at the caller's `now`, as in suggestions_sql.
  const std::string first_day =
      "toDate(toDateTime(" + std::to_string(now_ms / 1000) + ")) - " + std::to_string(affinity_days);
  return {fmt::format(kBatchSql, fmt::arg("users", kBatchUsersTable), fmt::arg("first_day", first_day), fmt::arg("live_users", live_users_sql()),
                      fmt::arg("fetch", fetch_per_user)),
          {ch::id_table(kBatchUsersTable, "user_id", user_ids)}};
}

std::vector<SuggestedList> compute_suggestions_batch(const ch::Client& clickhouse, const ranking::Params& params,
                                                     const std::vector<uint64_t>& user_ids, int64_t now_ms,
                                                     size_t limit) {
  if (user_ids.empty()) return {};
  // The margin of compute_suggestions: ClickHouse's and C++'s log() may differ in the
  // last bit, which must not change who makes the cut.
  const size_t fetch = limit + 50;
  const auto rows = clickhouse.query(suggestions_batch_sql(user_ids, params.affinity_days, now_ms, fetch));
  const auto candidates = parse_suggestion_rows(rows);
  std::unordered_map<uint64_t, std::vector<SuggestionCandidate>> by_user;
  for (size_t i = 0; i < rows.size(); ++i) {
    uint64_t user_id = 0;
    try {
      user_id = ch::as_u64(rows[i].at("user_id"));
    } catch (const std::exception& e) {
      fail_check(std::string("suggested users batch query: unexpected row shape: ") + e.what());
    }
    by_user[user_id].push_back(candidates[i]);
  }
  std::vector<SuggestedList> lists;
  lists.reserve(user_ids.size());
  for (const uint64_t user_id : user_ids) {
    SuggestedList list;
    list.user_id = user_id;
    list.computed_at_ms = now_ms;
    // A copy, not a move: the same id may be asked for twice in one batch.
    if (const auto found = by_user.find(user_id); found != by_user.end())
      list.items = rank_suggestions(found->second, limit);
    lists.push_back(std::move(list));
  }
  return lists;
}

}  // namespace nf::discover
