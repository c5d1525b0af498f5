#pragma once
// ClickHouse DDL for a replicated cluster (`schema apply --cluster NAME`, clickhouse.cluster;
// docs/cluster.md). The migrations are written for one server; with a cluster each
// statement, once its placeholders are rendered, is rewritten here:
//
//   CREATE TABLE / MATERIALIZED VIEW / DATABASE, ALTER TABLE   get ON CLUSTER NAME
//   ENGINE = XMergeTree(args)   ReplicatedXMergeTree('/clickhouse/tables/{shard}/DB/T',
//                               '{replica}', args): one copy per replica of its shard
//   a bookkeeping table         the same, with "all" for {shard}: one copy on every server
//                               (offsets, checkpoints, truncate marks, migrations)
//   a SummingMergeTree table    SETTINGS replicated_deduplication_window = 0: two equal
//                               blocks of counts are two facts, never a retried insert
//   each sharded table T        also T_all ON CLUSTER, ENGINE = Distributed(NAME, DB, T[, key]):
//                               reads that must see every shard (key: kShardKeys)
//   INSERT … SELECT             unchanged: it runs on the server novafeed talks to, and
//                               replication copies its parts to the other replicas
//
// Nothing else changes: a view's SELECT, the Null table event_keys_in, TTL, SETTINGS.

#include <string>
#include <string_view>
#include <vector>

#include <tl/expected.hpp>

namespace nf::schema {

struct ClusterLayout {
  std::string cluster;               // as in the servers' <remote_servers>
  std::string database;              // the database the tables are in
  std::string shard_macro = "shard";  // the macro naming a server's shard ({shard})
};

// The sharding key of each table's Distributed table, "" for tables written by views on
// each shard (no key: inserts into them through T_all are refused, as they must be).
std::string_view shard_key_of(std::string_view table);

// Tables kept whole on every server (no {shard} in their path, no T_all).
bool replicated_everywhere(std::string_view table);

// The statement as it runs on the cluster, followed by the Distributed table it calls
// for, if any. The error names what could not be rewritten.
tl::expected<std::vector<std::string>, std::string> on_cluster(const std::string& statement,
                                                               const ClusterLayout& layout);

}  // namespace nf::schema
