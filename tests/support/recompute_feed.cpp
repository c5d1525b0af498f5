#include "tests/support/recompute_feed.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <set>
#include <tuple>

#include <nlohmann/json.hpp>

#include "tests/support/recompute_trending.hpp"

namespace nf::test {

namespace {

struct RawPost {
  uint64_t id, author;
  int64_t created_s;
};

}  // namespace

std::vector<ExpectedItem> recompute_feed(const ch::Client& ch, uint64_t user, int64_t now_ms,
                                         const std::optional<std::string>& hot_posts_24h) {
  const int64_t now_s = now_ms / 1000;
  const auto at = [](int64_t s) { return "toDateTime(" + std::to_string(s) + ")"; };

  std::map<uint64_t, RawPost> posts;  // live posts of the last 72 h (the widest window)
  for (const auto& row : ch.query("SELECT id, author_id, toUnixTimestamp(created_at) AS c FROM posts FINAL "
                                  "WHERE _deleted = 0 AND created_at >= " + at(now_s - 72 * 3600)))
    posts[ch::as_u64(row["id"])] = {ch::as_u64(row["id"]), ch::as_u64(row["author_id"]),
                                        static_cast<int64_t>(ch::as_u64(row["c"]))};
  std::set<uint64_t> followees;
  for (const auto& row : ch.query("SELECT followee_id FROM follows FINAL WHERE _deleted = 0 AND follower_id = " +
                                  std::to_string(user)))
    followees.insert(ch::as_u64(row["followee_id"]));

  // L, C, S, I: distinct event ids per post and action (posts of 72 h have no event older).
  std::map<uint64_t, std::map<std::string, double>> counts;
  for (const auto& row : ch.query("SELECT post_id, toString(action) AS a, uniqExact(event_id) AS n FROM events "
                                  "WHERE ts >= " + at(now_s - 30 * 86400) +
                                  " AND post_id IN (SELECT id FROM posts FINAL WHERE created_at >= " +
                                  at(now_s - 72 * 3600) + ") GROUP BY post_id, a"))
    counts[ch::as_u64(row["post_id"])][row["a"].get<std::string>()] = static_cast<double>(ch::as_u64(row["n"]));
  // u's events: seen (24 h, any action); N per author (like/comment/share, 90 days).
  std::set<uint64_t> seen;
  std::map<uint64_t, std::set<std::string>> interactions;
  for (const auto& row : ch.query("SELECT DISTINCT event_id, post_id, author_id, toString(action) AS a, "
                                  "toUnixTimestamp(ts) AS t FROM events WHERE user_id = " + std::to_string(user))) {
    const auto t = static_cast<int64_t>(ch::as_u64(row["t"]));
    const auto action = row["a"].get<std::string>();
    if (t >= now_s - 24 * 3600) seen.insert(ch::as_u64(row["post_id"]));
    if (t >= now_s - 90 * 86400 && (action == "like" || action == "comment" || action == "share"))
      interactions[ch::as_u64(row["author_id"])].insert(row["event_id"].get<std::string>());
  }
  const auto N = [&](uint64_t author) {
    auto found = interactions.find(author);
    return found == interactions.end() ? 0.0 : static_cast<double>(found->second.size());
  };
  const auto freshness = [&](const RawPost& p) {
    return std::exp(-0.10 * std::max(0.0, (static_cast<double>(now_ms) - p.created_s * 1000.0) / 3600000.0));
  };
  const auto engagement = [&](const RawPost& p) {
    auto& c = counts[p.id];
    return std::log(1 + (c["like"] + 2 * c["comment"] + 3 * c["share"]) / std::max(1.0, c["impression"]));
  };

  // F1: followees' posts of 72 h, newest first (then higher id), 500.
  std::vector<RawPost> f1;
  for (const auto& [id, p] : posts)
    if (followees.count(p.author)) f1.push_back(p);
  std::sort(f1.begin(), f1.end(), [](auto& a, auto& b) { return std::tie(a.created_s, a.id) > std::tie(b.created_s, b.id); });
  if (f1.size() > 500) f1.resize(500);

  // F2: the hot-posts list when the jobs wrote one (the service reads it first), else
  // trending(24h) by 0.40*engagement + 0.30*freshness, then newer, then higher id, 200.
  std::vector<RawPost> f2;
  if (hot_posts_24h) {
    // Parsed into a variable: a range-for over a member of a temporary would dangle.
    const auto list = nlohmann::json::parse(*hot_posts_24h);
    for (const auto& item : list.at("items")) {
      const auto id = item["post_id"].get<uint64_t>();
      f2.push_back({id, item["author_id"].get<uint64_t>(), item["created_at_ms"].get<int64_t>() / 1000});
    }
  } else {
    for (const auto& t : recompute_trending(ch, 24, now_ms)) f2.push_back({t.post_id, t.author_id, t.created_s});
  }
  if (f2.size() > 200) f2.resize(200);

  // F3: posts of 72 h by authors with N > 0, by N, then newer, then higher id, 200.
  // Never a latency probe's post (authors from 2^62 up: core/ranking/probes.hpp).
  std::vector<RawPost> f3;
  for (const auto& [id, p] : posts)
    if (N(p.author) > 0 && p.author < (uint64_t{1} << 62)) f3.push_back(p);
  std::sort(f3.begin(), f3.end(), [&](auto& a, auto& b) {
    return std::make_tuple(N(a.author), a.created_s, a.id) > std::make_tuple(N(b.author), b.created_s, b.id);
  });
  if (f3.size() > 200) f3.resize(200);

  // Remove own and seen posts, merge F1 > F2 > F3, score, keep 50.
  struct Scored {
    RawPost p;
    std::string source;
    double score;
  };
  std::vector<Scored> merged;
  std::set<uint64_t> taken;
  const auto take = [&](const RawPost& p, const std::string& source) {
    if (p.author == user || seen.count(p.id) || !taken.insert(p.id).second) return;
    merged.push_back({p, source, 0.30 * freshness(p) + 0.40 * engagement(p) + 0.30 * std::log(1 + N(p.author))});
  };
  for (const auto& p : f1) take(p, "follow");
  for (const auto& p : f2) take(p, "trending");
  for (const auto& p : f3) take(p, "affinity");
  std::sort(merged.begin(), merged.end(), [](auto& a, auto& b) {
    return std::tie(a.score, a.p.created_s, a.p.id) > std::tie(b.score, b.p.created_s, b.p.id);
  });
  if (merged.size() > 50) merged.resize(50);

  // Author saturation: one post per author among the first 5, the same author 3 apart.
  std::vector<Scored> placed;
  std::vector<bool> used(merged.size(), false);
  while (placed.size() < merged.size()) {
    std::optional<size_t> pick;
    for (size_t i = 0; i < merged.size() && !pick; ++i) {
      if (used[i]) continue;
      bool fits = true;
      for (size_t j = 0; j < placed.size(); ++j)
        if (placed[j].p.author == merged[i].p.author && (placed.size() < 5 || placed.size() - j < 3)) fits = false;
      if (fits) pick = i;
    }
    if (!pick) break;
    used[*pick] = true;
    placed.push_back(merged[*pick]);
  }
  for (size_t i = 0; i < merged.size(); ++i)
    if (!used[i]) placed.push_back(merged[i]);

  std::vector<ExpectedItem> expected;
  for (const auto& s : placed) expected.push_back({s.p.id, s.source, s.score});
  return expected;
}

}  // namespace nf::test
