#include "core/feed/timeline.hpp"

namespace nf::feed {

const char* const kTimelineSql = R"(SELECT p.id, p.author_id, (extract(epoch FROM p.created_at) * 1000)::bigint AS created_ms
FROM follows f
CROSS JOIN LATERAL (
  SELECT id, author_id, created_at FROM posts
  WHERE author_id = f.followee_id AND deleted_at IS NULL
  ORDER BY created_at DESC, id DESC
  LIMIT $2
) p
WHERE f.follower_id = $1
ORDER BY p.created_at DESC, p.id DESC
LIMIT $2)";

std::vector<FeedItem> fetch_timeline(pg::Pool& postgres, uint64_t user_id, size_t limit) {
  return postgres.with([&](pqxx::connection& connection) {
    // No transaction: one read statement needs no BEGIN/COMMIT round trips.
    pqxx::nontransaction tx(connection);
    const auto rows = tx.exec_params(kTimelineSql, static_cast<int64_t>(user_id), static_cast<int64_t>(limit));
    std::vector<FeedItem> items;
    items.reserve(rows.size());
    for (const auto& row : rows) {
      FeedItem item;
      item.post_id = row[0].as<uint64_t>();
      item.author_id = row[1].as<uint64_t>();
      item.created_at_ms = row[2].as<int64_t>();
      item.source = ranking::Source::follow;
      items.push_back(item);
    }
    return items;
  });
}

}  // namespace nf::feed
