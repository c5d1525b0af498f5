#pragma once
// trending(W) of SPEC §3 recomputed from ClickHouse's raw rows (posts FINAL, events),
// independently of core/ranking and core/discover, for the tests that compare the
// hot-posts lists and the F2 source with it.

#include <cstdint>
#include <vector>

#include "core/clickhouse/client.hpp"

namespace nf::test {

struct ExpectedTrending {
  uint64_t post_id = 0;
  uint64_t author_id = 0;
  int64_t created_s = 0;
  double trend = 0;
};

// The live posts created within `window_h` hours before `now_ms`, best trend first
// (then newer, then higher id), at most `limit`.
std::vector<ExpectedTrending> recompute_trending(const ch::Client& clickhouse, int64_t window_h, int64_t now_ms,
                                                 size_t limit = 200);

}  // namespace nf::test
