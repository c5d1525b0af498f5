// The ClickHouse side of `schema status|apply`.

#include <algorithm>
#include <chrono>

#include <spdlog/spdlog.h>

#include "core/clickhouse/client.hpp"
#include "core/error/error.hpp"
#include "core/schema/render.hpp"
#include "core/schema/statements.hpp"
#include "core/schema/target_sides.hpp"

namespace nf::schema {

namespace {

// DDL may take longer than the query timeout meant for ranking reads.
constexpr long kDdlTimeoutMs = 60000;

const std::string kCreateMigrationsTable =
    "CREATE TABLE IF NOT EXISTS novafeed_schema_migrations (\n"
    "  version    UInt32,\n"
    "  name       String,\n"
    "  checksum   String,\n"
    "  applied_at DateTime DEFAULT now()\n"
    ") ENGINE = MergeTree\n"
    "ORDER BY version";

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

std::string location_of(const ch::Settings& settings) { return settings.url + ", database " + settings.database; }

struct ServerFacts {
  ch::ServerVersion version;
  bool has_database = false;
  bool has_migrations_table = false;
  std::vector<AppliedMigration> applied;
};

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
  for (const auto& row : clients.in_database.query(
           "SELECT version, name, checksum, toString(applied_at, 'UTC') AS applied_at "
           "FROM novafeed_schema_migrations ORDER BY version, applied_at"))
    facts.applied.push_back(AppliedMigration{static_cast<int>(ch::as_u64(row.at("version"))),
                                             row.at("name").get<std::string>(), row.at("checksum").get<std::string>(),
                                             row.at("applied_at").get<std::string>()});
  return facts;
}

std::vector<std::string> render_statements(const Migration& migration, const RenderOptions& options) {
  const auto rendered = render_sql(migration.sql, options);
  if (!rendered) fail_check("schema/" + migration.file + ": " + rendered.error());
  auto statements = split_statements(*rendered);
  if (!statements) fail_check("schema/" + migration.file + ": " + statements.error());
  return std::move(*statements);
}

std::string retention_note(const ch::ServerVersion& version) {
  return version.supports_ttl() ? "retention by TTL (server supports TTL)"
                                : "no TTL on this server (< 19.6): the `retention` job drops expired partitions";
}

}  // namespace

TargetStatus clickhouse_status(const config::Config& config, const std::vector<Migration>& migrations) {
  const Clients clients = clients_from(config);
  const ServerFacts facts = read_facts(clients);
  TargetStatus status;
  status.target = Target::clickhouse;
  status.server = "ClickHouse " + facts.version.text;
  status.location = location_of(clients.in_database.settings());
  status.migrations = compare_with_applied(migrations, facts.applied);
  if (!facts.has_database) status.notes.push_back("database " + clients.in_database.settings().database + " does not exist yet");
  status.notes.push_back(retention_note(facts.version));
  return status;
}

TargetApply clickhouse_apply(const config::Config& config, const std::vector<Migration>& migrations, bool dry_run) {
  const Clients clients = clients_from(config);
  const ServerFacts facts = read_facts(clients);
  const RenderOptions options = clickhouse_render_options(config, facts.version);
  TargetApply result;
  result.target = Target::clickhouse;
  result.server = "ClickHouse " + facts.version.text;
  result.location = location_of(clients.in_database.settings());

  const auto statuses = compare_with_applied(migrations, facts.applied);
  fail_if_changed("clickhouse", statuses);
  warn_unknown("clickhouse", statuses);
  if (!facts.has_database) {
    result.setup_statements.push_back("CREATE DATABASE IF NOT EXISTS " + options.variables.at("database"));
    if (!dry_run) clients.server.execute(result.setup_statements.back(), false);
  }
  if (!facts.has_migrations_table) {
    result.setup_statements.push_back(kCreateMigrationsTable);
    if (!dry_run) clients.in_database.execute(kCreateMigrationsTable);
  }

  for (const auto& migration : migrations) {
    if (is_applied(statuses, migration.version)) {
      ++result.already_applied;
      continue;
    }
    PlannedMigration planned{migration.version, migration.name, migration.file, migration.checksum,
                             render_statements(migration, options), 0};
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
      clients.in_database.execute("INSERT INTO novafeed_schema_migrations (version, name, checksum) VALUES (" +
                                  std::to_string(migration.version) + ", " + ch::quote(migration.name) + ", " +
                                  ch::quote(migration.checksum) + ")");
      planned.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
      spdlog::info("clickhouse: applied {} in {:.2f} s", migration.file, planned.seconds);
    }
    result.migrations.push_back(std::move(planned));
  }
  return result;
}

}  // namespace nf::schema
