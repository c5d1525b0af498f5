#include "core/latency/probe_world.hpp"

#include "core/error/error.hpp"
#include "core/feed/candidates.hpp"

namespace nf::latency {

uint64_t probe_post_id(int64_t now_ms, int pid, int n) {
  // now_ms * 10^6 stays below 2^62 until the year 2116.
  return ranking::kProbeIdFloor + static_cast<uint64_t>(now_ms) * 1'000'000 +
         static_cast<uint64_t>(pid % 1000) * 1000 + static_cast<uint64_t>(n % 1000);
}

void ensure_probe_users(pqxx::connection& postgres) {
  pqxx::work tx(postgres);
  tx.exec_params("INSERT INTO users (id, username, display_name) VALUES ($1, $2, 'latency probe'), "
                 "($3, $4, 'latency probe') ON CONFLICT DO NOTHING",
                 kProbeReader, "novafeed-probe-reader", kProbeAuthor, "novafeed-probe-author");
  const auto found = tx.exec_params("SELECT count(*) FROM users WHERE id IN ($1, $2)", kProbeReader, kProbeAuthor);
  if (found[0][0].as<int64_t>() != 2)
    fail_check("latency: the probe users (ids " + std::to_string(kProbeReader) + ", " + std::to_string(kProbeAuthor) +
               ") could not be created: is username novafeed-probe-reader or novafeed-probe-author taken by "
               "another user? Free it, then run latency again");
  tx.exec_params("INSERT INTO follows (follower_id, followee_id) VALUES ($1, $2) ON CONFLICT DO NOTHING", kProbeReader,
                 kProbeAuthor);
  // Touched every run, so CDC carries the follow again: a ClickHouse that missed it (rebuilt,
  // or fed by a consumer group that had moved past it) gets it back before the probes need it.
  tx.exec_params("UPDATE follows SET updated_at = now() WHERE follower_id = $1 AND followee_id = $2", kProbeReader,
                 kProbeAuthor);
  tx.exec_params("UPDATE posts SET deleted_at = now(), updated_at = now() WHERE author_id = $1 AND deleted_at IS NULL "
                 "AND created_at < now() - interval '1 hour'",
                 kProbeAuthor);
  tx.commit();
}

void insert_probe_post(pqxx::connection& postgres, uint64_t post_id) {
  pqxx::work tx(postgres);
  tx.exec_params("INSERT INTO posts (id, author_id, caption) VALUES ($1, $2, 'novafeed latency probe')", post_id,
                 kProbeAuthor);
  tx.commit();
}

size_t retire_probe_posts(pqxx::connection& postgres, const std::vector<uint64_t>& post_ids) {
  if (post_ids.empty()) return 0;
  std::string ids;
  for (const auto id : post_ids) (ids += ids.empty() ? "" : ",") += std::to_string(id);
  pqxx::work tx(postgres);
  const auto result = tx.exec_params("UPDATE posts SET deleted_at = now(), updated_at = now() WHERE author_id = $1 "
                                     "AND deleted_at IS NULL AND id IN (" + ids + ")",
                                     kProbeAuthor);
  tx.commit();
  return static_cast<size_t>(result.affected_rows());
}

bool follow_in_clickhouse(const ch::Client& clickhouse) {
  const auto rows = clickhouse.query("SELECT count() AS n FROM follows FINAL WHERE follower_id = " +
                                     std::to_string(kProbeReader) + " AND followee_id = " +
                                     std::to_string(kProbeAuthor) + " AND _deleted = 0");
  return !rows.empty() && ch::as_u64(rows.front().at("n")) > 0;
}

bool post_in_clickhouse(const ch::Client& clickhouse, uint64_t post_id) {
  const auto rows = clickhouse.query("SELECT count() AS n FROM posts WHERE id = " + std::to_string(post_id));
  return !rows.empty() && ch::as_u64(rows.front().at("n")) > 0;
}

uint64_t likes_in_clickhouse(const ch::Client& clickhouse, uint64_t post_id, int64_t now_ms) {
  const auto counts = feed::parse_engagement(clickhouse.query(feed::engagement_sql({post_id}, now_ms)));
  const auto found = counts.find(post_id);
  return found == counts.end() ? 0 : found->second.likes;
}

}  // namespace nf::latency
