#pragma once
// The two databases as bisect() sides: the SQL of the bucket pass and of the leaf rows,
// for PostgreSQL and for ClickHouse (latest version per key via FINAL, tombstones as
// absent). The window (updated_at in [since, cutoff]) is applied here, identically on
// both sides: ClickHouse holds updated_at truncated to the second, so PostgreSQL's
// "floor(updated_at) <= cutoff" is written "updated_at < cutoff + 1".

#include <string>
#include <vector>

#include "core/backfill/pg_session.hpp"
#include "core/clickhouse/client.hpp"
#include "core/verify/bisect.hpp"
#include "core/verify/row_hash.hpp"

namespace nf::verify {

// SQL builders (exposed for tests). ClickHouse's read the bucket set as the external
// table nf_buckets, so a statement stays a few hundred bytes however many buckets a level
// narrows to.
std::string pg_stats_sql(const Table& table, const Window& window, uint64_t group_modulus, uint64_t filter_modulus,
                           const std::vector<uint64_t>& filter_buckets);
ch::Query ch_stats_sql(const Table& table, const Window& window, uint64_t group_modulus, uint64_t filter_modulus,
                       const std::vector<uint64_t>& filter_buckets);
std::string pg_rows_sql(const Table& table, uint64_t modulus, const std::vector<uint64_t>& buckets);
ch::Query ch_rows_sql(const Table& table, uint64_t modulus, const std::vector<uint64_t>& buckets);

Side postgres_side(backfill::PgSession& session, const Table& table, const Window& window);
Side clickhouse_side(const ch::Client& client, const Table& table, const Window& window);

}  // namespace nf::verify
