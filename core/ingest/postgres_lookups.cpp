#include "core/ingest/postgres_lookups.hpp"

#include "core/error/error.hpp"
#include "core/metrics/dependency_metrics.hpp"

namespace nf::ingest {

std::string pg_bigint_array(const std::set<uint64_t>& ids) {
  std::string out = "{";
  for (const auto id : ids) out += (out.size() > 1 ? "," : "") + std::to_string(id);
  return out + "}";
}

PostgresLookups::PostgresLookups(pg::Settings settings, size_t author_cache_entries)
    : settings_(std::move(settings)), author_cache_entries_(author_cache_entries) {}

pqxx::connection& PostgresLookups::connection() {
  if (!connection_ || !connection_->is_open()) connection_ = pg::connect(settings_);
  return *connection_;
}

template <typename Work>
auto PostgresLookups::with_connection(const char* what, Work work) {
  const metrics::DependencyTimer timed(metrics::Dependency::postgres);  // a throw counts as an error
  try {
    pqxx::read_transaction tx(connection());
    tx.exec("SET LOCAL statement_timeout = 10000");
    return work(tx);
  } catch (const pqxx::broken_connection& e) {
    connection_.reset();
    fail_unreachable(std::string("PostgreSQL at ") + pg::describe(settings_) + ": " + what + ": " + e.what());
  } catch (const pqxx::sql_error& e) {
    connection_.reset();
    fail_check(std::string("PostgreSQL at ") + pg::describe(settings_) + ": " + what + ": " + e.what());
  }
}

std::map<uint64_t, uint64_t> PostgresLookups::post_authors(const std::set<uint64_t>& post_ids) {
  std::map<uint64_t, uint64_t> found;
  std::set<uint64_t> missing;
  for (const auto id : post_ids) {
    if (const auto it = author_cache_.find(id); it != author_cache_.end()) found[id] = it->second;
    else missing.insert(id);
  }
  if (missing.empty()) return found;
  const auto rows = with_connection("looking up post authors", [&](pqxx::transaction_base& tx) {
    return tx.exec_params("SELECT id, author_id FROM posts WHERE id = ANY($1::bigint[])", pg_bigint_array(missing));
  });
  // A crude bound: start over when full (a hit rate that matters comes from recent posts).
  if (author_cache_.size() + rows.size() > author_cache_entries_) author_cache_.clear();
  for (const auto& row : rows) {
    const auto id = row[0].as<uint64_t>(), author = row[1].as<uint64_t>();
    found[id] = author;
    author_cache_[id] = author;
  }
  return found;
}

std::vector<uint64_t> PostgresLookups::followers_of(const std::set<uint64_t>& authors) {
  if (authors.empty()) return {};
  const auto rows = with_connection("looking up followers", [&](pqxx::transaction_base& tx) {
    return tx.exec_params("SELECT DISTINCT follower_id FROM follows WHERE followee_id = ANY($1::bigint[])",
                          pg_bigint_array(authors));
  });
  std::vector<uint64_t> followers;
  followers.reserve(rows.size());
  for (const auto& row : rows) followers.push_back(row[0].as<uint64_t>());
  return followers;
}

}  // namespace nf::ingest
