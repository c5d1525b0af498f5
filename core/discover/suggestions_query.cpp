// Suggested users live from ClickHouse: both sources in one statement, the merge in C++.
#include "core/discover/suggestions.hpp"
#include "core/error/error.hpp"
#include "core/ranking/probes.hpp"

namespace nf::discover {

std::string live_users_sql() {
  return "(SELECT id FROM users FINAL WHERE _deleted = 0 AND " + ranking::real_id_sql("id") + ")";
}

std::string suggestions_sql(uint64_t user_id, int64_t affinity_days, int64_t now_ms, size_t fetch) {
  const std::string u = std::to_string(user_id);
  const std::string followees =
      "(SELECT followee_id FROM follows FINAL WHERE follower_id = " + u + " AND _deleted = 0)";
  // The affinity window (N, ranking.affinity_days) ends at the caller's `now`, like the feed's.
  const std::string first_day =
      "toDate(toDateTime(" + std::to_string(now_ms / 1000) + ")) - " + std::to_string(affinity_days);
  // The two sources side by side (UNION ALL, then summed per candidate), so one round
  // trip finds users found by both. The ORDER BY is the C++ score, so the cut to `fetch`
  // keeps the best; the exclusions (u, followees, deleted or unknown users) apply to both.
  return "SELECT candidate, sum(mutual) AS mutual_follows, sum(n) AS interactions\n"
         "FROM (\n"
         "  SELECT followee_id AS candidate, uniqExact(follower_id) AS mutual, toUInt64(0) AS n\n"
         "  FROM follows FINAL WHERE _deleted = 0 AND follower_id IN " + followees + "\n"
         "  GROUP BY followee_id\n"
         "  UNION ALL\n"
         "  SELECT author_id AS candidate, toUInt64(0) AS mutual, sum(interactions) AS n\n"
         "  FROM user_author_counts WHERE user_id = " + u + " AND day > " + first_day + "\n"
         "  GROUP BY author_id\n"
         ")\n"
         "WHERE candidate != " + u + " AND candidate NOT IN " + followees +
         " AND candidate IN " + live_users_sql() + "\n"
         "GROUP BY candidate\n"
         "HAVING mutual_follows > 0 OR interactions > 0\n"
         "ORDER BY log(1 + mutual_follows) + log(1 + interactions) DESC, candidate ASC\n"
         "LIMIT " + std::to_string(fetch);
}

std::vector<SuggestionCandidate> parse_suggestion_rows(const std::vector<nlohmann::json>& rows) {
  std::vector<SuggestionCandidate> out;
  out.reserve(rows.size());
  try {
    for (const auto& row : rows)
      out.push_back({ch::as_u64(row.at("candidate")), ch::as_u64(row.at("mutual_follows")),
                     ch::as_u64(row.at("interactions"))});
  } catch (const std::exception& e) {
    fail_check(std::string("suggested users query: unexpected row shape: ") + e.what());
  }
  return out;
}

SuggestedList compute_suggestions(const ch::Client& clickhouse, const ranking::Params& params, uint64_t user_id,
                                  int64_t now_ms, size_t limit) {
  // A margin over `limit`, so that ClickHouse's and C++'s log() differing in the last bit
  // cannot change which candidates make the cut.
  const size_t fetch = limit + 50;
  auto rows = parse_suggestion_rows(clickhouse.query(suggestions_sql(user_id, params.affinity_days, now_ms, fetch)));
  SuggestedList list;
  list.user_id = user_id;
  list.computed_at_ms = now_ms;
  list.items = rank_suggestions(std::move(rows), limit);
  return list;
}

}  // namespace nf::discover
