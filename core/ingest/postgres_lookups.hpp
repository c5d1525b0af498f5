#pragma once
// What `ingest` asks PostgreSQL: the author of a post (for events written without one)
// and the followers of an author (whose cached feeds a new post makes stale). One
// connection, opened on first use and again after it breaks; authors are cached, since a
// post's author never changes.

#include <cstdint>
#include <map>
#include <memory>
#include <set>
#include <unordered_map>
#include <vector>

#include "core/pg/connection.hpp"

namespace nf::ingest {

class PostgresLookups {
 public:
  explicit PostgresLookups(pg::Settings settings, size_t author_cache_entries = 200000);

  // The author of each post in `post_ids` that exists in PostgreSQL (a post missing from
  // the result does not exist). Throws nf::Error(unreachable) when PostgreSQL is down.
  std::map<uint64_t, uint64_t> post_authors(const std::set<uint64_t>& post_ids);
  // The followers of each author. Throws nf::Error(unreachable) when PostgreSQL is down.
  std::vector<uint64_t> followers_of(const std::set<uint64_t>& authors);

 private:
  pqxx::connection& connection();
  template <typename Work>
  auto with_connection(const char* what, Work work);

  pg::Settings settings_;
  size_t author_cache_entries_;
  std::unique_ptr<pqxx::connection> connection_;
  std::unordered_map<uint64_t, uint64_t> author_cache_;
};

// "{1,2,3}": a bigint[] parameter.
std::string pg_bigint_array(const std::set<uint64_t>& ids);

}  // namespace nf::ingest
