#pragma once
// A real Redis in cluster mode for one test: Debian's redis-server started with
// --cluster-enabled yes on a free port of 127.0.0.1, in a directory of its own (nodes.conf,
// its log), all 16384 hash slots given to this one node, ready once CLUSTER INFO says
// cluster_state:ok. One node needs no redirections (hiredis, which novafeed uses, follows
// none), yet refuses what a cluster refuses: a command whose keys are in different slots
// (CROSSSLOT) and SELECT of a database other than 0. Its INFO errorstats count every error
// reply it sent, so a test can prove that novafeed never got one. Stopped (SIGTERM, then
// SIGKILL) and its directory removed with the object; it also dies with the test binary.
// Failures throw std::runtime_error naming what failed and the log's tail.

#include <chrono>
#include <map>
#include <string>

#include "core/redis/client.hpp"

namespace nf::test {

class RedisClusterServer {
 public:
  RedisClusterServer();
  ~RedisClusterServer();
  RedisClusterServer(const RedisClusterServer&) = delete;
  RedisClusterServer& operator=(const RedisClusterServer&) = delete;

  int port() const { return port_; }
  // redis://127.0.0.1:<port>/0, for NOVAFEED_REDIS_URL.
  std::string url() const;
  redis::Settings settings() const;
  // A new connection to it (database 0).
  redis::Connection connect() const;

  // INFO errorstats as "CROSSSLOT" → 2 (errorstat_CROSSSLOT:count=2); empty: no error
  // reply since the start or the last reset_errorstats().
  std::map<std::string, long> error_counts() const;
  // CONFIG RESETSTAT (errorstats and commandstats start again from zero).
  void reset_errorstats() const;
  // INFO commandstats as "unlink" → calls.
  std::map<std::string, long> command_calls() const;

  // The last `bytes` of its log file.
  std::string log_tail(size_t bytes = 4000) const;

 private:
  std::string directory_;
  int port_ = 0;
  int pid_ = -1;
};

}  // namespace nf::test
