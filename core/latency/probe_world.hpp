#pragma once
// The probes' corner of the real data (ids from ranking/probes.hpp): a reader who follows
// an author, created on first use and kept; the author's posts, one per probe, soft-deleted
// when the run ends. Everything goes through PostgreSQL and CDC like any user's rows.

#include <cstdint>
#include <string>
#include <vector>

#include <pqxx/pqxx>

#include "core/clickhouse/client.hpp"
#include "core/ranking/probes.hpp"

namespace nf::latency {

inline constexpr uint64_t kProbeReader = ranking::kProbeIdFloor + 1;
inline constexpr uint64_t kProbeAuthor = ranking::kProbeIdFloor + 2;

// A post id no other probe takes: above the floor, from the clock, this process and `n`.
uint64_t probe_post_id(int64_t now_ms, int pid, int n);

// Creates the reader, the author and the follow when missing (ON CONFLICT DO NOTHING),
// touches the follow (so CDC carries it again to a ClickHouse that lacks it), and
// soft-deletes probe posts an earlier run left behind (older than an hour: a run killed
// before its cleanup). Throws nf::Error(check_failed) when a probe id is taken by
// something else.
void ensure_probe_users(pqxx::connection& postgres);

// INSERT of one probe post by the author, committed on return.
void insert_probe_post(pqxx::connection& postgres, uint64_t post_id);

// Soft-deletes the run's posts (deleted_at = now()): CDC carries that to ClickHouse, and
// ranking leaves deleted posts out. Returns how many rows it changed.
size_t retire_probe_posts(pqxx::connection& postgres, const std::vector<uint64_t>& post_ids);

// What ClickHouse has: the live follow reader -> author; the post's row; the post's L as
// ranking reads it (feed::engagement_sql).
bool follow_in_clickhouse(const ch::Client& clickhouse);
bool post_in_clickhouse(const ch::Client& clickhouse, uint64_t post_id);
uint64_t likes_in_clickhouse(const ch::Client& clickhouse, uint64_t post_id, int64_t now_ms);

}  // namespace nf::latency
