#pragma once
// Renders the placeholders of a migration file for one server, just before it runs
// (checksums are of the stored file, so they do not change with configuration):
//
//   {{name}}       a configured identifier: {{publication}}, {{heartbeat_table}} (PostgreSQL),
//                  {{database}} (ClickHouse)
//   {{ttl EXPR}}   ClickHouse only: "TTL EXPR" on servers that support TTL (>= 19.6), nothing
//                  on older ones (there the `retention` job drops expired partitions). What
//                  the server has is ch::features_of(version), the one place that knows.
//                  A placeholder that renders to nothing takes the blanks before it, and a
//                  line break right before those, along: "…ORDER BY id\n{{ttl …}};" becomes
//                  "…ORDER BY id;".

#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>

#include <tl/expected.hpp>

#include "core/clickhouse/client.hpp"
#include "core/config/config.hpp"

namespace nf::schema {

struct RenderOptions {
  // {{name}} → value. Values are plain identifiers (checked where they come from config).
  std::map<std::string, std::string, std::less<>> variables;
  // The ClickHouse server the SQL is for; unset for PostgreSQL, where {{ttl …}} is an error.
  std::optional<ch::ServerVersion> clickhouse;
  // SPEC §7, clickhouse.cluster: the cluster each statement is rewritten for after its
  // placeholders are rendered (cluster.hpp: ON CLUSTER, Replicated engines, Distributed
  // T_all tables); "" for one server. render_sql itself does not look at it.
  std::string cluster;
  // The macro naming a server's shard in the replicated tables' ZooKeeper paths.
  std::string shard_macro = "shard";
};

// Which engine features a rendering relied on, and which it went without because the
// server lacks them: `schema apply` records both with the migration ("ttl", "-ttl").
struct EngineUse {
  std::set<std::string> relied_on;
  std::set<std::string> went_without;

  // "ttl", "-ttl", "" (none): the form novafeed_schema_migrations.engine_features keeps.
  std::string recorded() const;
};

// Renders every placeholder; the error names the placeholder and its line. `use`, when
// given, collects the engine features the rendering relied on or went without.
tl::expected<std::string, std::string> render_sql(std::string_view sql, const RenderOptions& options,
                                                  EngineUse* use = nullptr);

// True for a plain unquoted SQL identifier: [A-Za-z_][A-Za-z0-9_]*, at most 63 bytes.
bool is_plain_identifier(std::string_view text);

// {{publication}} and {{heartbeat_table}} from cdc.publication and cdc.heartbeat_table.
// Throws nf::Error(usage) when one is not a plain identifier.
RenderOptions postgres_render_options(const config::Config& config);

// {{database}} from clickhouse.database, {{ttl …}} by `server`, the cluster from
// clickhouse.cluster. Throws nf::Error(usage) for a database or cluster name that is not a
// plain identifier.
RenderOptions clickhouse_render_options(const config::Config& config, const ch::ServerVersion& server);

}  // namespace nf::schema
