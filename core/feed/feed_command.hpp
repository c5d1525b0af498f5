#pragma once
// `novafeed feed --user ID [--limit N] [--explain] [--no-cache]`: the feed the API would
// serve, on the command line. Without --explain it reads the cache like the API (so it
// shows what a client gets); --explain and --no-cache always recompute and leave the cache
// as it is. Every answer says which side of the canary (feed.ranked_percent) the user is on.
// `--compare KEY=VALUE` (with --user or --sample N) compares rankings under changed
// ranking.* settings (compare.hpp).

#include <cstdint>
#include <string>
#include <vector>

#include "core/config/config.hpp"
#include "core/feed/feed_page.hpp"

namespace nf::feed {

struct FeedRequest {
  int64_t user_id = 0;  // must be positive
  int64_t limit = 20;   // 1..50
  bool explain = false;
  bool no_cache = false;
  std::vector<std::string> compare;  // ranking.* KEY=VALUE overrides: compare instead of show
  int64_t sample = 0;                // with compare, instead of a user: the N most active users
};

struct FeedOutput {
  std::string text;
  std::string json;
};

// Throws nf::Error: usage for a bad user, limit, feed.ranked_percent or --compare setting;
// unreachable when ClickHouse and PostgreSQL are both down (--compare: ClickHouse alone).
FeedOutput run_feed_command(const config::Config& config, const FeedRequest& request, int64_t now_ms);

// One line per item: position, post, author, age, source, score; a header saying
// ranked/cached or the timeline fallback.
std::string render_page_text(const FeedPage& page, int64_t now_ms);

}  // namespace nf::feed
