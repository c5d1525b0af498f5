#pragma once
// The replicated ClickHouse of `scripts/stack up --cluster` (docs/cluster.md): cluster
// `novafeed`, one shard, two replicas (ch-replica1, ch-replica2) over ZooKeeper, beside the
// stack's own single `clickhouse`. For tests tagged [cluster], which run once, not per engine.

#include <map>
#include <string>
#include <vector>

#include "core/clickhouse/client.hpp"
#include "core/config/config.hpp"

namespace nf::test {

constexpr const char* kClusterName = "novafeed";

// The replicas' HTTP URLs (NOVAFEED_STACK_CLUSTER_URLS, default the ports of scripts/stack).
std::vector<std::string> cluster_urls();

// True when both replicas answer and see ZooKeeper. When they do not: under CI=true this
// FAILS the test; otherwise a loud warning, and false so the test can return.
bool require_cluster();

// A client of one replica (0 or 1) alone, in `database` ("" for none).
ch::Client replica_client(size_t replica, const std::string& database);

// The stack's environment with ClickHouse swapped for the cluster: clickhouse.url lists
// `urls` in that order (the first is tried first), clickhouse.database and .cluster set.
std::map<std::string, std::string> cluster_env(const std::vector<std::string>& urls, const std::string& database);

// A count and an order-independent checksum of every row of each table of `database` on
// one replica (MergeTree-family tables, merged or not: what the replica holds).
std::map<std::string, std::string> table_fingerprints(const ch::Client& replica, const std::string& database);

// Kills a replica's server with SIGKILL (its pid file under the stack's run/), waits for
// its port to close; restart_replica starts it again with scripts/stack and waits until it
// is ready. The destructor restarts it however the test ends.
class KilledReplica {
 public:
  explicit KilledReplica(std::string service);  // "ch-replica2"
  ~KilledReplica();
  KilledReplica(const KilledReplica&) = delete;
  KilledReplica& operator=(const KilledReplica&) = delete;
  int restart();  // scripts/stack's exit code

 private:
  std::string service_;
  bool down_ = false;
};

}  // namespace nf::test
