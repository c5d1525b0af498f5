#pragma once
// SPEC §3 recomputed from ClickHouse's raw rows (posts FINAL, follows FINAL, events), for
// the integration tests that compare a served feed with it. Written out independently
// of core/ranking on purpose, so a mistake in the server's ranking cannot hide in both.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/clickhouse/client.hpp"

namespace nf::test {

struct ExpectedItem {
  uint64_t post_id;
  std::string source;  // follow, trending, affinity
  double score;
};

// The feed of `user` at `now_ms`, in final (saturated) order. `hot_posts_24h` is the
// hot:posts:24h value when one exists (the service reads it first); otherwise trending(24h)
// is recomputed from the raw rows too.
std::vector<ExpectedItem> recompute_feed(const ch::Client& clickhouse, uint64_t user, int64_t now_ms,
                                         const std::optional<std::string>& hot_posts_24h);

}  // namespace nf::test
