#pragma once
// Tells every serve instance which posts' counts (post_counts: L, C, S, I) an insert of
// counted events changed: one PUBLISH on redis::post_counts_channel per chunk of post ids,
// right after the insert succeeded, so a serve that hears it reads those figures from
// ClickHouse again instead of its in-memory copy (core/feed/engagement_snapshot.hpp).
// Best effort, as the feed invalidation: Redis down for everyone also takes the serves'
// copies out of use (they hear nothing); the one gap is Redis unreachable from this ingest
// alone, when a serve keeps a changed post's old figures until its next refresh
// (feed.engagement_refresh_ms, 15 s). Logged as a warning.

#include <chrono>
#include <cstdint>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "core/redis/client.hpp"

namespace nf::ingest {

// The messages for `posts`: their ids in decimal, separated by spaces, at most
// `per_message` ids each.
std::vector<std::string> changed_posts_messages(const std::set<uint64_t>& posts, size_t per_message);

class CountChangePublisher {
 public:
  CountChangePublisher(redis::Settings settings, std::string channel);

  static constexpr size_t kPostsPerMessage = 5000;  // ~60 KB

  // Publishes `posts`; false (and a warning) when Redis did not take them.
  bool publish(const std::set<uint64_t>& posts);

 private:
  bool send(const std::vector<std::string>& messages, const std::string& what);

  redis::Settings settings_;
  std::string channel_;
  std::unique_ptr<redis::Connection> connection_;
  std::chrono::steady_clock::time_point retry_after_{};
};

}  // namespace nf::ingest
