// trending(W) live from ClickHouse: one statement fetches the window's live posts joined
// with their counts; the trend itself is computed in C++ by ranking::trending(), the one
// place for the formula.
#include <spdlog/spdlog.h>

#include "core/discover/trending.hpp"
#include "core/error/error.hpp"
#include "core/ranking/probes.hpp"

namespace nf::discover {

namespace {

constexpr int64_t seconds(int64_t ms) { return ms / 1000; }

}  // namespace

std::string trending_sql(int64_t window_h, int64_t now_ms) {
  // `now` comes from the caller, not ClickHouse's now(), so the window, the 30-day count
  // window and the freshness computed in C++ all use one instant.
  const std::string now = "toDateTime(" + std::to_string(seconds(now_ms)) + ")";
  const std::string since = "toDateTime(" + std::to_string(seconds(now_ms) - window_h * 3600) + ")";
  // Posts by latency probes never trend (ranking/probes.hpp).
  const std::string live_posts =
      "FROM posts FINAL WHERE _deleted = 0 AND " + ranking::real_id_sql("author_id") + " AND created_at >= " + since;
  // One row of parallel arrays: at ~100k posts a day, per-row JSON objects would repeat
  // every column name 100k times. Counts go as UInt32 (plain JSON numbers, where 64-bit
  // integers come quoted). ANY LEFT JOIN spells out the strictness 18.16 requires, and
  // both sides carry an alias, which current ClickHouse requires of a joined subquery
  // (ALIAS_REQUIRED); posts without metrics get zeros. The IN keeps the aggregate to the
  // window's posts.
  return "SELECT groupArray(id) AS ids, groupArray(author_id) AS authors,"
         " groupArray(toUInt32(created_at)) AS created, groupArray(toUInt32(L)) AS likes,"
         " groupArray(toUInt32(C)) AS comments, groupArray(toUInt32(S)) AS shares,"
         " groupArray(toUInt32(I)) AS impressions\n"
         "FROM (SELECT id, author_id, created_at " + live_posts + ") AS live\n"
         "ANY LEFT JOIN (\n"
         "  SELECT post_id AS id, sum(likes) AS L, sum(comments) AS C, sum(shares) AS S, sum(impressions) AS I\n"
         "  FROM post_counts\n"
         "  WHERE day >= toDate(" + now + " - INTERVAL 30 DAY) AND post_id IN (SELECT id " + live_posts + ")\n"
         "  GROUP BY post_id\n"
         ") AS counts USING id";
}

TrendingRows parse_trending_rows(const std::vector<nlohmann::json>& rows) {
  if (rows.size() != 1) fail_check("trending query: expected one row of arrays, got " + std::to_string(rows.size()));
  const auto& row = rows.front();
  TrendingRows out;
  try {
    const auto& ids = row.at("ids");
    const size_t n = ids.size();
    for (const char* column : {"authors", "created", "likes", "comments", "shares", "impressions"})
      if (row.at(column).size() != n)
        fail_check(std::string("trending query: column ") + column + " has a different length than ids");
    out.posts.reserve(n);
    for (size_t i = 0; i < n; ++i) {
      ranking::Post post;
      post.id = ch::as_u64(ids[i]);
      post.author_id = ch::as_u64(row["authors"][i]);
      post.created_at_ms = static_cast<int64_t>(ch::as_u64(row["created"][i])) * 1000;
      out.posts.push_back(post);
      ranking::Engagement counts{ch::as_u64(row["likes"][i]), ch::as_u64(row["comments"][i]),
                                 ch::as_u64(row["shares"][i]), ch::as_u64(row["impressions"][i])};
      if (counts.likes || counts.comments || counts.shares || counts.impressions) out.counts.emplace(post.id, counts);
    }
  } catch (const Error&) {
    throw;
  } catch (const std::exception& e) {
    fail_check(std::string("trending query: unexpected row shape: ") + e.what());
  }
  return out;
}

TrendingList compute_trending(const ch::Client& clickhouse, const ranking::Params& params, std::string_view window,
                              int64_t now_ms, size_t limit) {
  return std::move(compute_trending_windows(clickhouse, params, {std::string(window)}, now_ms, limit).front());
}

std::vector<TrendingList> compute_trending_windows(const ch::Client& clickhouse, const ranking::Params& params,
                                                   const std::vector<std::string>& windows, int64_t now_ms,
                                                   size_t limit) {
  if (windows.empty()) return {};
  int64_t widest = 0;
  for (const auto& window : windows) widest = std::max(widest, window_hours(window));
  const auto rows = parse_trending_rows(clickhouse.query(trending_sql(widest, now_ms)));
  std::vector<TrendingList> lists;
  for (const auto& window : windows) {
    // trending_sql's bound: created_at >= now - W, to the second.
    const int64_t since_ms = (now_ms / 1000 - window_hours(window) * 3600) * 1000;
    std::vector<ranking::Post> posts;
    for (const auto& post : rows.posts)
      if (post.created_at_ms >= since_ms) posts.push_back(post);
    TrendingList list;
    list.window = window;
    list.computed_at_ms = now_ms;
    list.items = ranking::trending(params, now_ms, posts, rows.counts, limit);
    spdlog::debug("trending {}: {} live posts, kept {}", window, posts.size(), list.items.size());
    lists.push_back(std::move(list));
  }
  return lists;
}

}  // namespace nf::discover
