// The PostgreSQL side of `schema status|apply`.

#include <algorithm>
#include <chrono>

#include <pqxx/pqxx>
#include <spdlog/spdlog.h>

#include "core/error/error.hpp"
#include "core/pg/connection.hpp"
#include "core/schema/render.hpp"
#include "core/schema/target_sides.hpp"

namespace nf::schema {

namespace {

constexpr const char* kMigrationsTable = "novafeed_schema_migrations";

// Held for the whole of an apply, so two concurrent applies run one after the other and
// the second finds the first one's work recorded. ("nfschema" as a number.)
constexpr long long kApplyLockKey = 0x6e66736368656d61LL;

const std::string kCreateMigrationsTable =
    "CREATE TABLE IF NOT EXISTS novafeed_schema_migrations (\n"
    "  version    integer     PRIMARY KEY,\n"
    "  name       text        NOT NULL,\n"
    "  checksum   text        NOT NULL,\n"
    "  applied_at timestamptz NOT NULL DEFAULT now()\n"
    ")";

// Runs `body`, turning libpqxx failures into nf::Error kinds with `what` as context.
template <typename Body>
auto guarded(const pg::Settings& settings, const std::string& what, Body&& body) {
  try {
    return body();
  } catch (const pqxx::broken_connection& e) {
    fail_unreachable("PostgreSQL at " + pg::describe(settings) + " went away while " + what + ": " + e.what());
  } catch (const pqxx::sql_error& e) {
    std::string reason = e.what();
    while (!reason.empty() && (reason.back() == '\n' || reason.back() == ' ')) reason.pop_back();
    fail_check("PostgreSQL " + what + " failed: " + reason);
  }
}

struct ServerFacts {
  std::string version;
  bool has_migrations_table = false;
  std::vector<AppliedMigration> applied;
};

ServerFacts read_facts(pqxx::connection& conn) {
  pqxx::nontransaction tx(conn);
  ServerFacts facts;
  const std::string version = tx.exec1("SELECT current_setting('server_version')")[0].as<std::string>();
  facts.version = version.substr(0, version.find(' '));
  facts.has_migrations_table = !tx.exec1("SELECT to_regclass('novafeed_schema_migrations')")[0].is_null();
  if (!facts.has_migrations_table) return facts;
  const auto rows = tx.exec(
      "SELECT version, name, checksum, to_char(applied_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS') "
      "FROM novafeed_schema_migrations ORDER BY version");
  for (const auto& row : rows)
    facts.applied.push_back(AppliedMigration{row[0].as<int>(), row[1].as<std::string>(), row[2].as<std::string>(),
                                             row[3].as<std::string>(), std::nullopt});
  return facts;
}

PublicationState read_publication(pqxx::connection& conn, const std::string& name) {
  pqxx::nontransaction tx(conn);
  PublicationState state;
  state.name = name;
  state.exists = !tx.exec_params("SELECT 1 FROM pg_publication WHERE pubname = $1", name).empty();
  for (const auto& row : tx.exec_params(
           "SELECT schemaname || '.' || tablename FROM pg_publication_tables WHERE pubname = $1 ORDER BY 1", name))
    state.tables.push_back(row[0].as<std::string>());
  return state;
}

std::string render_or_fail(const Migration& migration, const RenderOptions& options) {
  auto rendered = render_sql(migration.sql, options);
  if (!rendered) fail_check("schema/" + migration.file + ": " + rendered.error());
  return std::move(*rendered);
}

void take_apply_lock(pqxx::connection& conn) {
  pqxx::nontransaction tx(conn);
  const std::string key = std::to_string(kApplyLockKey);
  if (tx.exec1("SELECT pg_try_advisory_lock(" + key + ")")[0].as<bool>()) return;
  spdlog::info("postgres: another `schema apply` is running; waiting for it to finish");
  tx.exec("SELECT pg_advisory_lock(" + key + ")");
}

void release_apply_lock(pqxx::connection& conn) {
  pqxx::nontransaction tx(conn);
  tx.exec("SELECT pg_advisory_unlock(" + std::to_string(kApplyLockKey) + ")");
}

}  // namespace

TargetStatus postgres_status(const config::Config& config, const std::vector<Migration>& migrations) {
  const auto settings = pg::settings_from(config);
  const auto options = postgres_render_options(config);
  auto conn = pg::connect(settings);
  return guarded(settings, "reading the migrations", [&] {
    const ServerFacts facts = read_facts(*conn);
    TargetStatus status;
    status.target = Target::postgres;
    status.server = "PostgreSQL " + facts.version;
    status.location = pg::describe(settings);
    status.migrations = compare_with_applied(migrations, facts.applied);
    status.publication = read_publication(*conn, options.variables.at("publication"));
    return status;
  });
}

TargetApply postgres_apply(const config::Config& config, const std::vector<Migration>& migrations, bool dry_run) {
  const auto settings = pg::settings_from(config);
  const auto options = postgres_render_options(config);
  auto conn = pg::connect(settings);
  TargetApply result;
  result.target = Target::postgres;
  result.location = pg::describe(settings);

  guarded(settings, "taking the schema lock", [&] {
    if (!dry_run) take_apply_lock(*conn);
  });
  const ServerFacts facts = guarded(settings, "reading the migrations", [&] { return read_facts(*conn); });
  result.server = "PostgreSQL " + facts.version;
  const auto statuses = compare_with_applied(migrations, facts.applied);
  fail_if_changed("postgres", statuses);
  warn_unknown("postgres", statuses);
  if (!facts.has_migrations_table) result.setup_statements.push_back(kCreateMigrationsTable);
  if (!dry_run && !facts.has_migrations_table)
    guarded(settings, "creating " + std::string(kMigrationsTable), [&] {
      pqxx::work tx(*conn);
      tx.exec(kCreateMigrationsTable);
      tx.commit();
    });

  for (const auto& migration : migrations) {
    if (is_applied(statuses, migration.version)) {
      ++result.already_applied;
      continue;
    }
    PlannedMigration planned{migration.version, migration.name, migration.file, migration.checksum,
                             {render_or_fail(migration, options)}, 0, ""};
    if (!dry_run) {
      spdlog::info("postgres: applying {}", migration.file);
      const auto started = std::chrono::steady_clock::now();
      guarded(settings, "migration schema/" + migration.file + " (rolled back, nothing of it was applied)", [&] {
        pqxx::work tx(*conn);
        tx.exec(planned.statements.front());
        tx.exec_params("INSERT INTO novafeed_schema_migrations (version, name, checksum) VALUES ($1, $2, $3)",
                       migration.version, migration.name, migration.checksum);
        tx.commit();
      });
      planned.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
      spdlog::info("postgres: applied {} in {:.2f} s", migration.file, planned.seconds);
    }
    result.migrations.push_back(std::move(planned));
  }
  if (!dry_run) guarded(settings, "releasing the schema lock", [&] { release_apply_lock(*conn); });
  return result;
}

}  // namespace nf::schema
