// The feed-warmer's choice of feeds: missing or expiring ones of the most active users,
// most active first, at most the budget; a still-warm feed takes no place.
#include <catch2/catch.hpp>

#include "core/jobs/job_functions.hpp"

using nf::jobs::pick_feeds_to_warm;

TEST_CASE("feed-warmer: the budget goes to the most active users whose feed is missing or expiring") {
  const std::vector<uint64_t> users = {10, 20, 30, 40, 50, 60};   // most active first
  const std::vector<long long> ttls = {110, -2, 30, 72, -1, -2};  // 72 s left is enough; -1: no expiry, rewrite
  CHECK(pick_feeds_to_warm(users, ttls, 72, 10) == std::vector<uint64_t>{20, 30, 50, 60});
  CHECK(pick_feeds_to_warm(users, ttls, 72, 2) == std::vector<uint64_t>{20, 30});  // not 10: still warm
  CHECK(pick_feeds_to_warm(users, ttls, 200, 3) == std::vector<uint64_t>{10, 20, 30});
  CHECK(pick_feeds_to_warm(users, ttls, 72, 0).empty());
  CHECK(pick_feeds_to_warm({}, {}, 72, 5).empty());
}
