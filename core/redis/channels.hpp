#pragma once
// Pub/sub channels one domain publishes on and another listens to (the payload format is
// stated here, since both sides must agree on it). Channels are not per Redis database,
// so each name carries the ClickHouse database it speaks of.

#include <string>
#include <string_view>

namespace nf::redis {

// "Post counts changed": published by the ingest after each insert of counted events, with
// the ids of the posts whose L, C, S, I (post_counts) changed, as decimal numbers separated
// by single spaces; "*" means any post's may have changed (seed --truncate). Serve's
// engagement snapshot (core/feed/engagement_snapshot.hpp) reads them again.
inline constexpr std::string_view kAllPostsChanged = "*";
inline std::string post_counts_channel(std::string_view clickhouse_database) {
  return "novafeed:post_counts:" + std::string(clickhouse_database);
}

}  // namespace nf::redis
