#include "tests/support/recompute_trending.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <string>
#include <tuple>

namespace nf::test {

std::vector<ExpectedTrending> recompute_trending(const ch::Client& ch, int64_t window_h, int64_t now_ms, size_t limit) {
  const int64_t now_s = now_ms / 1000;
  const auto at = [](int64_t s) { return "toDateTime(" + std::to_string(s) + ")"; };
  const std::string since = at(now_s - window_h * 3600);
  std::vector<ExpectedTrending> posts;
  for (const auto& row : ch.query("SELECT id, author_id, toUnixTimestamp(created_at) AS c FROM posts FINAL "
                                  "WHERE _deleted = 0 AND created_at >= " + since)) {
    // Never a latency probe's post (authors from 2^62 up: core/ranking/probes.hpp).
    if (ch::as_u64(row["author_id"]) >= (uint64_t{1} << 62)) continue;
    posts.push_back({ch::as_u64(row["id"]), ch::as_u64(row["author_id"]), static_cast<int64_t>(ch::as_u64(row["c"])), 0});
  }
  // L, C, S, I: distinct event ids per post and action within the 30-day retention.
  std::map<uint64_t, std::map<std::string, double>> counts;
  for (const auto& row : ch.query("SELECT post_id, toString(action) AS a, uniqExact(event_id) AS n FROM events "
                                  "WHERE ts >= " + at(now_s - 30 * 86400) +
                                  " AND post_id IN (SELECT id FROM posts FINAL WHERE created_at >= " + since +
                                  ") GROUP BY post_id, a"))
    counts[ch::as_u64(row["post_id"])][row["a"].get<std::string>()] = static_cast<double>(ch::as_u64(row["n"]));
  for (auto& p : posts) {
    auto& c = counts[p.post_id];
    const double engagement = std::log(1 + (c["like"] + 2 * c["comment"] + 3 * c["share"]) / std::max(1.0, c["impression"]));
    const double age_h = std::max(0.0, (static_cast<double>(now_ms) - static_cast<double>(p.created_s) * 1000.0) / 3600000.0);
    p.trend = 0.40 * engagement + 0.30 * std::exp(-0.10 * age_h);
  }
  std::sort(posts.begin(), posts.end(), [](const auto& a, const auto& b) {
    return std::tie(a.trend, a.created_s, a.post_id) > std::tie(b.trend, b.created_s, b.post_id);
  });
  if (posts.size() > limit) posts.resize(limit);
  return posts;
}

}  // namespace nf::test
