// The ClickHouse side of `schema status|apply`.

#include <algorithm>
#include <chrono>

#include <spdlog/spdlog.h>

#include "core/clickhouse/client.hpp"
#include "core/error/error.hpp"
#include "core/schema/cluster.hpp"
#include "core/schema/render.hpp"
#include "core/schema/statements.hpp"
#include "core/schema/target_sides.hpp"

namespace nf::schema {

namespace {

// DDL may take longer than the query timeout meant for ranking reads.
constexpr long kDdlTimeoutMs = 60000;

// engine_features: what the rendering relied on or went without ("ttl", "-ttl"; see
// EngineUse), so `schema status` and the retention job know how the tables were made,
// whatever the server has become since (an upgrade does not add TTL to old tables).
const std::string kCreateMigrationsTable =
    "CREATE TABLE IF NOT EXISTS novafeed_schema_migrations (\n"
    "  version         UInt32,\n"
    "  name            String,\n"
    "  checksum        String,\n"
    "  applied_at      DateTime DEFAULT now(),\n"
    "  engine_features String DEFAULT '?'\n"
    ") ENGINE = MergeTree\n"
    "ORDER BY version";

// Tables made before novafeed recorded engine features lack the column; their rows read
// '?' (not recorded). 18.16 has no ADD COLUMN IF NOT EXISTS, so the column is looked up.
const std::string kAddEngineFeatures =
    "ALTER TABLE novafeed_schema_migrations ADD COLUMN engine_features String DEFAULT '?'";
constexpr std::string_view kNotRecorded = "?";

struct Clients {
  ch::Client in_database;  // statements of the migrations
  ch::Client server;       // no default database: system tables, CREATE DATABASE
};

Clients clients_from(const config::Config& config) {
  auto settings = ch::settings_from(config);
  settings.timeout_ms = std::max(settings.timeout_ms, kDdlTimeoutMs);
  auto server = settings;
  server.database.clear();
  return {ch::Client(settings), ch::Client(server)};
}

std::string location_of(const ch::Settings& settings, const std::string& cluster) {
  return settings.url + ", database " + settings.database + (cluster.empty() ? "" : ", cluster " + cluster);
}

// The statement as it runs: as is on one server, rewritten for the cluster (cluster.hpp).
std::vector<std::string> for_target(const std::string& statement, const RenderOptions& options,
                                    const std::string& file) {
  if (options.cluster.empty()) return {statement};
  auto rewritten = on_cluster(statement, ClusterLayout{options.cluster, options.variables.at("database"),
                                                       options.shard_macro});
  if (!rewritten) fail_check(file + ": " + rewritten.error());
  return std::move(*rewritten);
}

struct ServerFacts {
  ch::ServerVersion version;
  bool has_database = false;
  bool has_migrations_table = false;
  bool has_engine_features = false;  // the column of kAddEngineFeatures
  std::vector<AppliedMigration> applied;
};

bool has_engine_features_column(const Clients& clients) {
  return !clients.server
              .query("SELECT name FROM system.columns WHERE database = " +
                     ch::quote(clients.in_database.settings().database) +
                     " AND table = 'novafeed_schema_migrations' AND name = 'engine_features'")
              .empty();
}

ServerFacts read_facts(const Clients& clients) {
  ServerFacts facts;
  facts.version = clients.server.server_version();
  const std::string database = ch::quote(clients.in_database.settings().database);
  facts.has_database = !clients.server.query("SELECT name FROM system.databases WHERE name = " + database).empty();
  facts.has_migrations_table =
      facts.has_database && !clients.server
                                 .query("SELECT name FROM system.tables WHERE database = " + database +
                                        " AND name = 'novafeed_schema_migrations'")
                                 .empty();
  if (!facts.has_migrations_table) return facts;
  facts.has_engine_features = has_engine_features_column(clients);
  const std::string features = facts.has_engine_features ? "engine_features" : "'?' AS engine_features";
  for (const auto& row : clients.in_database.query(
           "SELECT version, name, checksum, toString(applied_at, 'UTC') AS applied_at, " + features +
           " FROM novafeed_schema_migrations ORDER BY version, applied_at")) {
    const auto recorded = row.at("engine_features").get<std::string>();
    facts.applied.push_back(AppliedMigration{static_cast<int>(ch::as_u64(row.at("version"))),
                                             row.at("name").get<std::string>(), row.at("checksum").get<std::string>(),
                                             row.at("applied_at").get<std::string>(),
                                             recorded == kNotRecorded ? std::nullopt : std::optional(recorded)});
  }
  return facts;
}

struct RenderedMigration {
  std::vector<std::string> statements;
  std::string engine_features;  // EngineUse::recorded()
};

RenderedMigration render_statements(const Migration& migration, const RenderOptions& options) {
  EngineUse use;
  const auto rendered = render_sql(migration.sql, options, &use);
  if (!rendered) fail_check("schema/" + migration.file + ": " + rendered.error());
  auto statements = split_statements(*rendered);
  if (!statements) fail_check("schema/" + migration.file + ": " + statements.error());
  std::vector<std::string> out;
  for (const auto& statement : *statements)
    for (auto& s : for_target(statement, options, "schema/" + migration.file)) out.push_back(std::move(s));
  return {std::move(out), use.recorded()};
}

bool went_without(const MigrationStatus& m, const std::string& feature) {
  if (!m.engine_features) return false;
  std::string list = "," + *m.engine_features + ",";
  return list.find(",-" + feature + ",") != std::string::npos;
}

// What the server offers, and how retention works for the tables as they were made.
std::vector<std::string> engine_notes(const ch::ServerVersion& version, const std::vector<MigrationStatus>& migrations) {
  const auto features = ch::features_of(version);
  std::string offered;
  for (const auto& name : features.names()) offered += (offered.empty() ? "" : ", ") + name;
  std::vector<std::string> notes;
  notes.push_back("engine features offered by this server: " + (offered.empty() ? std::string("none") : offered));
  std::string without_ttl;
  for (const auto& m : migrations)
    if (went_without(m, "ttl")) without_ttl += (without_ttl.empty() ? "" : ", ") + m.file;
  if (!features.ttl) {
    notes.push_back("no TTL on this server (< 19.6): `novafeed jobs run retention` drops expired partitions");
  } else if (!without_ttl.empty()) {
    notes.push_back("retention: " + without_ttl +
                    " ran without TTL (on an older server), so its tables have none: "
                    "`novafeed jobs run retention` drops their expired partitions");
  } else {
    notes.push_back("retention by TTL (the server supports TTL and the tables have it)");
  }
  return notes;
}

}  // namespace

TargetStatus clickhouse_status(const config::Config& config, const std::vector<Migration>& migrations) {
  const Clients clients = clients_from(config);
  const ServerFacts facts = read_facts(clients);
  TargetStatus status;
  status.target = Target::clickhouse;
  status.server = "ClickHouse " + facts.version.text;
  status.location = location_of(clients.in_database.settings(), config.get("clickhouse.cluster"));
  status.migrations = compare_with_applied(migrations, facts.applied);
  status.engine_features = ch::features_of(facts.version).names();
  if (!facts.has_database) status.notes.push_back("database " + clients.in_database.settings().database + " does not exist yet");
  for (auto& note : engine_notes(facts.version, status.migrations)) status.notes.push_back(std::move(note));
  return status;
}

TargetApply clickhouse_apply(const config::Config& config, const std::vector<Migration>& migrations, bool dry_run) {
  const Clients clients = clients_from(config);
  const ServerFacts facts = read_facts(clients);
  const RenderOptions options = clickhouse_render_options(config, facts.version);
  TargetApply result;
  result.target = Target::clickhouse;
  result.server = "ClickHouse " + facts.version.text;
  result.location = location_of(clients.in_database.settings(), options.cluster);

  const auto statuses = compare_with_applied(migrations, facts.applied);
  fail_if_changed("clickhouse", statuses);
  warn_unknown("clickhouse", statuses);
  if (!facts.has_database) {
    for (auto& s : for_target("CREATE DATABASE IF NOT EXISTS " + options.variables.at("database"), options, "setup"))
      result.setup_statements.push_back(std::move(s));
    if (!dry_run) clients.server.execute(result.setup_statements.back(), false);
  }
  if (!facts.has_migrations_table) {
    for (auto& s : for_target(kCreateMigrationsTable, options, "setup")) {
      result.setup_statements.push_back(s);
      if (!dry_run) clients.in_database.execute(s);
    }
  } else if (!facts.has_engine_features) {
    const auto add = for_target(kAddEngineFeatures, options, "setup").front();
    result.setup_statements.push_back(add);
    if (!dry_run) {
      try {
        clients.in_database.execute(add);
      } catch (const Error& e) {
        // A concurrent apply may have added it first.
        if (e.code() == ExitCode::unreachable || !has_engine_features_column(clients)) throw;
      }
    }
  }

  for (const auto& migration : migrations) {
    if (is_applied(statuses, migration.version)) {
      ++result.already_applied;
      continue;
    }
    auto rendered = render_statements(migration, options);
    PlannedMigration planned{migration.version, migration.name, migration.file, migration.checksum,
                             std::move(rendered.statements), 0, rendered.engine_features};
    if (!dry_run) {
      spdlog::info("clickhouse: applying {} ({} statements)", migration.file, planned.statements.size());
      const auto started = std::chrono::steady_clock::now();
      for (size_t i = 0; i < planned.statements.size(); ++i) {
        try {
          clients.in_database.execute(planned.statements[i]);
        } catch (const Error& e) {
          if (e.code() == ExitCode::unreachable) throw;
          fail_check("schema/" + migration.file + " statement " + std::to_string(i + 1) + " of " +
                     std::to_string(planned.statements.size()) + " failed: " + e.what() +
                     ". The migration is not recorded; its statements are IF NOT EXISTS, so fix the cause "
                     "and run `schema apply` again.");
        }
      }
      clients.in_database.execute(
          "INSERT INTO novafeed_schema_migrations (version, name, checksum, engine_features) VALUES (" +
          std::to_string(migration.version) + ", " + ch::quote(migration.name) + ", " + ch::quote(migration.checksum) +
          ", " + ch::quote(planned.engine_features) + ")");
      planned.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
      spdlog::info("clickhouse: applied {} in {:.2f} s", migration.file, planned.seconds);
    }
    result.migrations.push_back(std::move(planned));
  }
  return result;
}

}  // namespace nf::schema
