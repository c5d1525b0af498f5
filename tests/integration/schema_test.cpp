// `novafeed schema apply|status` against the real local stack, through the real binary.
//
// Most tests use the stack's own database (already migrated or not: each begins with an
// apply), so they re-run against a persisting stack. Tests that need a fresh schema or
// tamper with the bookkeeping use scratch namespaces instead (a PostgreSQL schema on the
// search_path, a ClickHouse database), so nobody else sharing the stack sees a broken
// state: they are dropped before and after.

#include <catch2/catch.hpp>

#include <ctime>
#include <future>

#include <nlohmann/json.hpp>
#include <pqxx/pqxx>

#include "core/clickhouse/client.hpp"
#include "core/ingest/event_counts.hpp"
#include "core/pg/connection.hpp"
#include "core/schema/embedded.hpp"
#include "core/schema/migration.hpp"
#include "core/schema/statements.hpp"
#include "tests/support/run.hpp"
#include "tests/support/stack.hpp"

namespace {

using Env = std::map<std::string, std::string>;

size_t migration_count(nf::schema::Target target) {
  return nf::schema::load_migrations(target, nf::schema::embedded_files()).size();
}

nf::config::Config config_for(const Env& env) {
  nf::config::Sources sources;
  for (const auto& [k, v] : env) sources.env.emplace_back(k, v);
  return nf::config::load(sources);
}

// Rows of novafeed_schema_migrations on each side, as text, for before/after comparisons.
std::vector<std::string> pg_migration_rows(const Env& env) {
  auto conn = nf::pg::connect(nf::pg::settings_from(config_for(env)));
  pqxx::nontransaction tx(*conn);
  std::vector<std::string> rows;
  for (const auto& row :
       tx.exec("SELECT version || '|' || name || '|' || checksum || '|' || applied_at FROM novafeed_schema_migrations "
               "ORDER BY version"))
    rows.push_back(row[0].as<std::string>());
  return rows;
}

std::vector<std::string> ch_migration_rows(const Env& env) {
  const nf::ch::Client client(nf::ch::settings_from(config_for(env)));
  std::vector<std::string> rows;
  for (const auto& row : client.query("SELECT version, name, checksum, toString(applied_at) AS at "
                                      "FROM novafeed_schema_migrations ORDER BY version, at"))
    rows.push_back(row.dump());
  return rows;
}

void pg_exec(const Env& env, const std::string& sql) {
  auto conn = nf::pg::connect(nf::pg::settings_from(config_for(env)));
  pqxx::nontransaction tx(*conn);
  tx.exec(sql);
}

// A scratch PostgreSQL schema (first and only on the search_path, so every unqualified
// name of the migrations lands there), its own publication, and a scratch ClickHouse
// database. Dropped when constructed and when destroyed.
class ScratchNamespaces {
 public:
  static constexpr const char* kSchema = "nf_schema_test";
  static constexpr const char* kPublication = "nf_schema_test_pub";
  static constexpr const char* kDatabase = "nf_schema_test";

  ScratchNamespaces() {
    env_ = nf::test::stack_env();
    const std::string url = env_.at("NOVAFEED_POSTGRES_URL");
    env_["NOVAFEED_POSTGRES_URL"] =
        url + (url.find('?') == std::string::npos ? "?" : "&") + "options=-csearch_path%3D" + kSchema;
    env_["NOVAFEED_CDC_PUBLICATION"] = kPublication;
    env_["NOVAFEED_CLICKHOUSE_DATABASE"] = kDatabase;
    drop();
    pg_exec(nf::test::stack_env(), std::string("CREATE SCHEMA ") + kSchema);
  }
  ~ScratchNamespaces() {
    try {
      drop();
    } catch (const std::exception& e) {
      WARN(std::string("could not drop the scratch schema/database: ") + e.what());
    }
  }
  ScratchNamespaces(const ScratchNamespaces&) = delete;
  ScratchNamespaces& operator=(const ScratchNamespaces&) = delete;

  const Env& env() const { return env_; }

 private:
  void drop() {
    pg_exec(nf::test::stack_env(), std::string("DROP PUBLICATION IF EXISTS ") + kPublication);
    pg_exec(nf::test::stack_env(), std::string("DROP SCHEMA IF EXISTS ") + kSchema + " CASCADE");
    auto settings = nf::ch::settings_from(config_for(nf::test::stack_env()));
    settings.database.clear();
    nf::ch::Client(settings).execute(std::string("DROP DATABASE IF EXISTS ") + kDatabase, false);
  }
  Env env_;
};

// What the ClickHouse under test is: its version as `schema status` prints it, and
// whether it has TTL (Debian's 18.16 has not; the current engine has).
struct Engine {
  std::string version;
  bool ttl = false;
};

Engine engine_under_test() {
  const auto version = nf::test::stack_clickhouse().server_version();
  return {version.text, nf::ch::features_of(version).ttl};
}

// The migration of `target` whose file name contains `part` in a status JSON.
nlohmann::json migration_named(const nlohmann::json& target, const std::string& part) {
  for (const auto& m : target["migrations"])
    if (m["file"].is_string() && m["file"].get<std::string>().find(part) != std::string::npos) return m;
  FAIL("no migration named *" << part << "* in " << target.dump());
  return {};
}

nlohmann::json run_json(const std::vector<std::string>& args, const Env& env, int expected_exit) {
  const auto result = nf::test::run_novafeed(args, env);
  INFO("novafeed " << args.front() << " " << args.back() << ": " << result.out << result.err);
  REQUIRE(result.exit_code == expected_exit);
  return nlohmann::json::parse(result.out);
}

}  // namespace

TEST_CASE("schema: apply twice: the second run is a no-op that says so", "[clickhouse]") {
  if (!nf::test::require_stack()) return;
  const auto& env = nf::test::stack_env();
  const auto first = nf::test::run_novafeed({"schema", "apply"}, env);
  INFO("first apply: " << first.out << first.err);
  REQUIRE(first.exit_code == 0);
  const auto pg_before = pg_migration_rows(env);
  const auto ch_before = ch_migration_rows(env);
  CHECK(pg_before.size() == migration_count(nf::schema::Target::postgres));
  CHECK(ch_before.size() == migration_count(nf::schema::Target::clickhouse));

  const auto second = nf::test::run_novafeed({"schema", "apply"}, env);
  INFO("second apply: " << second.out << second.err);
  CHECK(second.exit_code == 0);
  CHECK_THAT(second.out, Catch::Contains("postgres") && Catch::Contains("clickhouse"));
  CHECK_THAT(second.out, Catch::Contains("up to date, nothing to apply"));
  CHECK_THAT(second.out, !Catch::Contains("applied 1") && !Catch::Contains("applied 2"));

  const auto json = run_json({"--json", "schema", "apply"}, env, 0);
  CHECK(json["applied"] == 0);
  REQUIRE(json["targets"].size() == 2);
  for (const auto& target : json["targets"]) CHECK(target["migrations"].empty());

  CHECK(pg_migration_rows(env) == pg_before);
  CHECK(ch_migration_rows(env) == ch_before);
}

TEST_CASE("schema: status: every migration applied, server versions shown, exit 0", "[clickhouse]") {
  if (!nf::test::require_stack()) return;
  const auto& env = nf::test::stack_env();
  REQUIRE(nf::test::run_novafeed({"schema", "apply"}, env).exit_code == 0);

  const auto text = nf::test::run_novafeed({"schema", "status"}, env);
  INFO("status: " << text.out << text.err);
  CHECK(text.exit_code == 0);
  const auto engine = engine_under_test();
  CHECK_THAT(text.out, Catch::Contains("PostgreSQL 15") && Catch::Contains("ClickHouse " + engine.version));
  if (nf::test::clickhouse_target().engine == "debian") CHECK_THAT(text.out, Catch::Contains("ClickHouse 18.16"));
  CHECK_THAT(text.out, Catch::Contains(engine.ttl ? "engine features offered by this server: ttl"
                                                  : "engine features offered by this server: none"));
  for (const auto& file : nf::schema::embedded_files())
    CHECK_THAT(text.out, Catch::Contains("schema/" + file.path));
  CHECK_THAT(text.out, !Catch::Contains("pending") && !Catch::Contains("changed"));

  const auto json = run_json({"--json", "schema", "status"}, env, 0);
  CHECK(json["up_to_date"] == true);
  REQUIRE(json["targets"].size() == 2);
  CHECK(json["targets"][0]["target"] == "postgres");
  CHECK(json["targets"][1]["target"] == "clickhouse");
  CHECK(json["targets"][0]["migrations"].size() == migration_count(nf::schema::Target::postgres));
  CHECK(json["targets"][1]["migrations"].size() == migration_count(nf::schema::Target::clickhouse));
  for (const auto& target : json["targets"])
    for (const auto& m : target["migrations"]) {
      INFO(m.dump());
      CHECK(m["state"] == "applied");
      CHECK(m["checksum"] == m["applied_checksum"]);
    }

  CHECK(json["targets"][1]["engine_features"] ==
        (engine.ttl ? nlohmann::json::array({"ttl"}) : nlohmann::json::array()));

  const auto only_ch = run_json({"--json", "schema", "status", "--target", "clickhouse"}, env, 0);
  REQUIRE(only_ch["targets"].size() == 1);
  CHECK(only_ch["targets"][0]["target"] == "clickhouse");
}

TEST_CASE("schema: apply --dry-run on an up-to-date schema changes nothing", "[clickhouse]") {
  if (!nf::test::require_stack()) return;
  const auto& env = nf::test::stack_env();
  REQUIRE(nf::test::run_novafeed({"schema", "apply"}, env).exit_code == 0);
  const auto pg_before = pg_migration_rows(env);
  const auto ch_before = ch_migration_rows(env);

  const auto dry = nf::test::run_novafeed({"schema", "apply", "--dry-run"}, env);
  INFO("dry run: " << dry.out << dry.err);
  CHECK(dry.exit_code == 0);
  CHECK_THAT(dry.out, Catch::Contains("nothing would run"));
  CHECK_THAT(dry.out, !Catch::Contains("CREATE"));
  CHECK(pg_migration_rows(env) == pg_before);
  CHECK(ch_migration_rows(env) == ch_before);
}

TEST_CASE("schema: the Debezium publication exists and covers the five tables and the heartbeat") {
  if (!nf::test::require_stack()) return;
  const auto& env = nf::test::stack_env();
  REQUIRE(nf::test::run_novafeed({"schema", "apply", "--target", "postgres"}, env).exit_code == 0);
  const auto config = config_for(env);
  auto conn = nf::pg::connect(nf::pg::settings_from(config));
  pqxx::nontransaction tx(*conn);
  std::vector<std::string> tables;
  for (const auto& row : tx.exec_params(
           "SELECT tablename FROM pg_publication_tables WHERE pubname = $1 ORDER BY tablename", config.get("cdc.publication")))
    tables.push_back(row[0].as<std::string>());
  CHECK(tables == std::vector<std::string>{"comments", "follows", "likes", config.get("cdc.heartbeat_table"), "posts",
                                           "users"});
}

TEST_CASE("schema: apply from scratch: dry run first, then both databases, the same as status shows", "[clickhouse]") {
  if (!nf::test::require_stack()) return;
  ScratchNamespaces scratch;
  const auto& env = scratch.env();

  const auto status_before = nf::test::run_novafeed({"schema", "status"}, env);
  INFO("status before: " << status_before.out << status_before.err);
  CHECK(status_before.exit_code == 1);
  CHECK_THAT(status_before.out, Catch::Contains("pending"));

  const auto dry = nf::test::run_novafeed({"schema", "apply", "--dry-run"}, env);
  INFO("dry run: " << dry.out << dry.err);
  REQUIRE(dry.exit_code == 0);
  CHECK_THAT(dry.out, Catch::Contains("CREATE DATABASE IF NOT EXISTS nf_schema_test"));
  CHECK_THAT(dry.out, Catch::Contains("CREATE PUBLICATION nf_schema_test_pub"));
  CHECK_THAT(dry.out, Catch::Contains("CREATE TABLE IF NOT EXISTS events"));
  CHECK_THAT(dry.out, !Catch::Contains("{{"));
  const auto engine = engine_under_test();
  if (engine.ttl) {
    CHECK_THAT(dry.out, Catch::Contains("TTL ts + INTERVAL 30 DAY") && Catch::Contains("TTL day + INTERVAL 90 DAY"));
  } else {
    CHECK_THAT(dry.out, !Catch::Contains("TTL ts"));  // 18.16: the retention job, not TTL
  }
  // Nothing was created: the ClickHouse database still does not exist, nor the PG table.
  const auto still_pending = run_json({"--json", "schema", "status"}, env, 1);
  for (const auto& target : still_pending["targets"])
    for (const auto& m : target["migrations"]) CHECK(m["state"] == "pending");

  const auto applied = run_json({"--json", "schema", "apply"}, env, 0);
  CHECK(applied["applied"] ==
        migration_count(nf::schema::Target::postgres) + migration_count(nf::schema::Target::clickhouse));
  const auto status_after = run_json({"--json", "schema", "status"}, env, 0);
  CHECK(status_after["up_to_date"] == true);
  CHECK(status_after["targets"][0]["publication"]["exists"] == true);
  CHECK(status_after["targets"][0]["publication"]["tables"].size() == 6);

  // Each ClickHouse migration records the engine features its DDL relied on (TTL) or went
  // without (then the retention job drops partitions), and status shows it.
  const auto& ch_status = status_after["targets"][1];
  CHECK(migration_named(ch_status, "0001_")["engine_features"] == "");
  CHECK(migration_named(ch_status, "0002_")["engine_features"] == (engine.ttl ? "ttl" : "-ttl"));
  CHECK(status_after["targets"][0]["migrations"][0]["engine_features"].is_null());  // PostgreSQL: none
  const auto status_text = nf::test::run_novafeed({"schema", "status", "--target", "clickhouse"}, env);
  CHECK_THAT(status_text.out, Catch::Contains(engine.ttl ? "(with ttl)" : "(without ttl)"));
  CHECK_THAT(status_text.out, Catch::Contains(engine.ttl ? "retention by TTL" : "drops expired partitions"));

  // The ClickHouse tables work as the pipeline expects: a replayed event counts once. (An
  // hour inside the 30-day TTL, which the current engine applies as the rows arrive.)
  const nf::ch::Client ch(nf::ch::settings_from(config_for(env)));
  const int64_t hour_s = (std::time(nullptr) / 3600 - 24) * 3600;
  const std::string event = R"({"event_id":"e1","user_id":7,"post_id":42,"author_id":9,"action":"like","ts":)" +
                            std::to_string(hour_s + 1230) + R"(,"dwell_ms":0})";
  ch.insert("events", "JSONEachRow", event + "\n" + event + "\n");
  ch.insert("events", "JSONEachRow", event + "\n");
  const auto metrics = ch.query(
      "SELECT toUInt32(hour) AS hour, toString(action) AS action, uniqExactMerge(events) AS n "
      "FROM post_metrics_1h WHERE post_id = 42 GROUP BY hour, action");
  REQUIRE(metrics.size() == 1);
  CHECK(nf::ch::as_u64(metrics[0]["hour"]) == static_cast<uint64_t>(hour_s));
  CHECK(metrics[0]["action"] == "like");
  CHECK(nf::ch::as_u64(metrics[0]["n"]) == 1);
  const auto affinity =
      ch.query("SELECT author_id, uniqExactMerge(events) AS n FROM user_author_90d WHERE user_id = 7 GROUP BY author_id");
  REQUIRE(affinity.size() == 1);
  CHECK(nf::ch::as_u64(affinity[0]["author_id"]) == 9);
  CHECK(nf::ch::as_u64(affinity[0]["n"]) == 1);
  // The counters the ranking sums (schema 0006): counting the same event again adds nothing.
  for (int i = 0; i < 2; ++i) ch.execute(nf::ingest::count_stored_events_sql("post_id = 42"));
  const auto counts = ch.query("SELECT sum(likes) AS l, sum(impressions) AS i FROM post_counts WHERE post_id = 42");
  REQUIRE(counts.size() == 1);
  CHECK(nf::ch::as_u64(counts[0]["l"]) == 1);
  CHECK(nf::ch::as_u64(counts[0]["i"]) == 0);
  const auto n = ch.query("SELECT author_id, sum(interactions) AS n FROM user_author_counts WHERE user_id = 7 GROUP BY author_id");
  REQUIRE(n.size() == 1);
  CHECK(nf::ch::as_u64(n[0]["author_id"]) == 9);
  CHECK(nf::ch::as_u64(n[0]["n"]) == 1);
}

TEST_CASE("schema: two concurrent applies: one waits for the other, each migration recorded once") {
  if (!nf::test::require_stack()) return;
  ScratchNamespaces scratch;
  const auto& env = scratch.env();
  auto run = [&] { return nf::test::run_novafeed({"schema", "apply", "--target", "postgres"}, env); };
  auto a = std::async(std::launch::async, run);
  auto b = std::async(std::launch::async, run);
  const auto ra = a.get();
  const auto rb = b.get();
  INFO("a: " << ra.out << ra.err << "\nb: " << rb.out << rb.err);
  CHECK(ra.exit_code == 0);
  CHECK(rb.exit_code == 0);
  CHECK(pg_migration_rows(env).size() == migration_count(nf::schema::Target::postgres));
}

TEST_CASE("schema: a tampered checksum: status and apply exit 1 naming the file and both checksums") {
  if (!nf::test::require_stack()) return;
  ScratchNamespaces scratch;
  const auto& env = scratch.env();
  REQUIRE(nf::test::run_novafeed({"schema", "apply", "--target", "postgres"}, env).exit_code == 0);
  const auto rows = pg_migration_rows(env);
  REQUIRE(!rows.empty());
  const auto migrations = nf::schema::load_migrations(nf::schema::Target::postgres, nf::schema::embedded_files());
  pg_exec(env, "UPDATE novafeed_schema_migrations SET checksum = 'feedface' WHERE version = 1");

  const auto status = nf::test::run_novafeed({"schema", "status", "--target", "postgres"}, env);
  INFO("status: " << status.out << status.err);
  CHECK(status.exit_code == 1);
  CHECK_THAT(status.out, Catch::Contains("schema/" + migrations[0].file) && Catch::Contains("changed") &&
                             Catch::Contains("feedface") && Catch::Contains(migrations[0].checksum));
  CHECK_THAT(status.err, Catch::Contains("schema/" + migrations[0].file));

  const auto apply = nf::test::run_novafeed({"schema", "apply", "--target", "postgres"}, env);
  INFO("apply: " << apply.out << apply.err);
  CHECK(apply.exit_code == 1);
  CHECK_THAT(apply.err, Catch::Contains("schema/" + migrations[0].file) && Catch::Contains("feedface") &&
                            Catch::Contains(migrations[0].checksum) && Catch::Contains("new migration"));

  pg_exec(env, "UPDATE novafeed_schema_migrations SET checksum = '" + migrations[0].checksum + "' WHERE version = 1");
  CHECK(nf::test::run_novafeed({"schema", "status", "--target", "postgres"}, env).exit_code == 0);
  CHECK(pg_migration_rows(env) == rows);
}

TEST_CASE("schema: status with a database that does not answer exits 3") {
  auto env = nf::test::stack_env();
  env["NOVAFEED_POSTGRES_URL"] = "postgresql://novafeed@127.0.0.1:1/novafeed";
  env["NOVAFEED_CLICKHOUSE_URL"] = "http://127.0.0.1:1";
  for (const char* target : {"postgres", "clickhouse"}) {
    const auto result = nf::test::run_novafeed({"schema", "status", "--target", target}, env);
    INFO(target << ": " << result.out << result.err);
    CHECK(result.exit_code == 3);
    CHECK_THAT(result.err, Catch::Contains("127.0.0.1:1") && Catch::Contains("unreachable"));
  }
}

TEST_CASE("schema: a ClickHouse migrations table from before engine features were recorded gains the column, "
          "its old rows read as not recorded",
          "[clickhouse]") {
  if (!nf::test::require_stack()) return;
  ScratchNamespaces scratch;
  const auto& env = scratch.env();
  // The bookkeeping table as earlier novafeed versions made it, with 0001 recorded.
  const auto migrations = nf::schema::load_migrations(nf::schema::Target::clickhouse, nf::schema::embedded_files());
  REQUIRE(migrations.size() >= 2);
  const nf::ch::Client ch(nf::ch::settings_from(config_for(env)));
  ch.execute("CREATE DATABASE " + std::string(ScratchNamespaces::kDatabase), false);
  ch.execute("CREATE TABLE novafeed_schema_migrations (version UInt32, name String, checksum String, "
             "applied_at DateTime DEFAULT now()) ENGINE = MergeTree ORDER BY version");
  // 0001 really applied (0005 reads its posts table), and recorded the old way.
  const auto first = nf::schema::split_statements(migrations[0].sql);
  REQUIRE(first.has_value());
  for (const auto& statement : *first) ch.execute(statement);
  ch.execute("INSERT INTO novafeed_schema_migrations (version, name, checksum) VALUES (1, '" + migrations[0].name +
             "', '" + migrations[0].checksum + "')");

  const auto dry = nf::test::run_novafeed({"schema", "apply", "--target", "clickhouse", "--dry-run"}, env);
  INFO("dry run: " << dry.out << dry.err);
  CHECK_THAT(dry.out, Catch::Contains("ADD COLUMN engine_features"));

  const auto applied = run_json({"--json", "schema", "apply", "--target", "clickhouse"}, env, 0);
  CHECK(applied["applied"] == migrations.size() - 1);
  const auto status = run_json({"--json", "schema", "status", "--target", "clickhouse"}, env, 0);
  const auto& target = status["targets"][0];
  CHECK(migration_named(target, "0001_")["engine_features"].is_null());  // recorded before: unknown
  CHECK(migration_named(target, "0002_")["engine_features"] == (engine_under_test().ttl ? "ttl" : "-ttl"));
  // Applying again changes nothing (the column is there now).
  const auto again = run_json({"--json", "schema", "apply", "--target", "clickhouse"}, env, 0);
  CHECK(again["applied"] == 0);
  CHECK(again["targets"][0]["setup_statements"].empty());
}
