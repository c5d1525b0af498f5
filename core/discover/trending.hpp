#pragma once
// trending(W) of SPEC §3 as a list of posts: computed live from ClickHouse, or read from
// the hot-posts cache in Redis (hot:posts:{1h|24h|7d}, written by the jobs; see
// docs/redis-keys.md). The ranking math itself is ranking::trending(); this folder only
// fetches its inputs and carries its result.

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/clickhouse/client.hpp"
#include "core/discover/memo.hpp"
#include "core/ranking/ranking.hpp"
#include "core/redis/pool.hpp"

namespace nf::discover {

// "1h" → 1, "24h" → 24, "7d" → 168; anything else → nf::Error(usage, "...", "invalid_window").
int64_t window_hours(std::string_view window);
// "hot:posts:24h" (the window is validated first).
std::string hot_posts_key(std::string_view window);

struct TrendingList {
  std::string window;  // "1h", "24h", "7d"
  int64_t computed_at_ms = 0;
  bool from_cache = false;                   // read from Redis hot:posts:{window}
  std::vector<ranking::TrendingPost> items;  // best first, ≤ 200
};

// The Redis value and the API body share this shape (docs/redis-keys.md).
nlohmann::json to_json(const TrendingList& list);
// Throws nf::Error(check_failed) naming what is wrong when `json` is not that shape.
// `from_cache` is never read from the value: the reader sets it.
TrendingList trending_from_json(const nlohmann::json& json);

// SET hot:posts:{window} to_json(list) EX ttl_s (for the jobs that keep the key warm);
// false when Redis is down.
bool store_trending(redis::Pool& redis, const TrendingList& list, int64_t ttl_s);

// The rows of the trending query: the live posts created within the window and the
// counts of those that have any.
struct TrendingRows {
  std::vector<ranking::Post> posts;
  std::unordered_map<uint64_t, ranking::Engagement> counts;
};

// The one ClickHouse statement behind compute_trending (for tests and `--explain`).
std::string trending_sql(int64_t window_h, int64_t now_ms);
// Parses the statement's single row of parallel arrays; throws nf::Error(check_failed).
TrendingRows parse_trending_rows(const std::vector<nlohmann::json>& rows);

// trending(W) live from ClickHouse: live posts (posts FINAL, _deleted = 0) created within
// W, their L,C,S,I (post_counts, 30 days), trend computed in C++ by
// ranking::trending(). Throws nf::Error(unreachable) on ClickHouse failure.
TrendingList compute_trending(const ch::Client& clickhouse, const ranking::Params& params, std::string_view window,
                              int64_t now_ms, size_t limit = 200);

// Several windows from one read: the widest window's posts and counts, each narrower
// window's list computed from the posts created within it (the same lists as
// compute_trending for each; the hot-posts job's 1h, 24h and 7d in one pass).
std::vector<TrendingList> compute_trending_windows(const ch::Client& clickhouse, const ranking::Params& params,
                                                   const std::vector<std::string>& windows, int64_t now_ms,
                                                   size_t limit = 200);

// Reads hot:posts:{window} from Redis (a malformed value is logged and ignored); when
// absent or Redis is down, computes live and remembers the result in-process for `memo`
// (feed.trending_memo_ms; 0 = never reuse). Thread-safe: serve's workers share one, and
// with a memo, concurrent misses for one window wait for a single computation instead of
// each sending the same heavy query to ClickHouse.
class TrendingSource {
 public:
  TrendingSource(ch::Client clickhouse, redis::Pool& redis, ranking::Params params, std::chrono::milliseconds memo,
                 Memo<TrendingList>::Clock clock = steady_now);
  TrendingList get(std::string_view window, int64_t now_ms);

 private:
  ch::Client clickhouse_;
  redis::Pool* redis_;
  ranking::Params params_;
  Memo<TrendingList> memo_;
  std::map<std::string, std::unique_ptr<std::mutex>, std::less<>> computing_;  // one per window
};

}  // namespace nf::discover
