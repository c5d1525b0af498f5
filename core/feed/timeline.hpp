#pragma once
// The fallback feed (algo=timeline) from PostgreSQL, served while ClickHouse is down or
// the circuit breaker is open: the newest live posts by the authors u follows. Not
// ranked (score null, source "follow") and never cached, so the ranked feed returns the
// moment ClickHouse does.

#include <cstdint>
#include <vector>

#include "core/feed/feed_page.hpp"
#include "core/pg/pool.hpp"

namespace nf::feed {

// The statement ($1 = u, $2 = limit). Per followee, the index posts_author_created_live
// gives its newest `limit` posts already in order (a LATERAL subquery), so the work is
// bounded by followees × limit however many posts each author has.
extern const char* const kTimelineSql;

// Newest first (ties: higher id), at most `limit`. Throws nf::Error(unreachable) when
// PostgreSQL is down, nf::Error(check_failed) when the statement fails.
std::vector<FeedItem> fetch_timeline(pg::Pool& postgres, uint64_t user_id, size_t limit);

}  // namespace nf::feed
