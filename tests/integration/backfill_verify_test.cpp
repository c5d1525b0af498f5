// backfill and verify on the real stack, through the real binary, in a database pair of
// their own (PostgreSQL nf_bf_test, ClickHouse nf_bf_test) so other tests on the shared
// stack neither see nor disturb these rows.

#include <catch2/catch.hpp>

#include <signal.h>

#include <chrono>
#include <sstream>
#include <thread>

#include <nlohmann/json.hpp>
#include <pqxx/pqxx>

#include "core/catalog/tables.hpp"
#include "core/clickhouse/client.hpp"
#include "core/verify/row_hash.hpp"
#include "tests/support/process.hpp"
#include "tests/support/run.hpp"
#include "tests/support/stack.hpp"

namespace {

const std::string kDatabase = "nf_bf_test";

// The stack's PostgreSQL URL with another database name.
std::string postgres_url(const std::string& database) {
  std::string url = nf::test::stack_env().at("NOVAFEED_POSTGRES_URL");
  const auto query = url.find('?');
  const auto slash = url.rfind('/', query);
  return url.substr(0, slash + 1) + database + (query == std::string::npos ? "" : url.substr(query));
}

std::map<std::string, std::string> test_env() {
  auto env = nf::test::stack_env();
  env["NOVAFEED_POSTGRES_URL"] = postgres_url(kDatabase);
  env["NOVAFEED_CLICKHOUSE_DATABASE"] = kDatabase;
  env["NOVAFEED_LOG_LEVEL"] = "warn";
  return env;
}

nf::ch::Client clickhouse(const std::string& database = kDatabase) {
  auto settings = nf::ch::settings_from(nf::test::stack_config());
  settings.database = database;
  settings.timeout_ms = 60000;
  return nf::ch::Client(settings);
}

void exec_pg(const std::string& sql) {
  pqxx::connection conn(postgres_url(kDatabase));
  pqxx::nontransaction tx(conn);
  tx.exec(sql);
}

std::string scalar_pg(const std::string& sql) {
  pqxx::connection conn(postgres_url(kDatabase));
  pqxx::nontransaction tx(conn);
  return tx.exec1(sql)[0].c_str();
}

uint64_t scalar_ch(const std::string& sql) { return nf::ch::as_u64(clickhouse().query(sql).at(0).at("n")); }

nf::test::RunResult novafeed(const std::vector<std::string>& args) { return nf::test::run_novafeed(args, test_env()); }

// Fresh databases with novafeed's schema and 20,000 users, once per test process.
void prepare_databases() {
  static bool ready = false;
  if (ready) return;
  {
    pqxx::connection admin(postgres_url("postgres"));
    pqxx::nontransaction tx(admin);
    tx.exec("DROP DATABASE IF EXISTS " + kDatabase + " WITH (FORCE)");
    tx.exec("CREATE DATABASE " + kDatabase);
  }
  clickhouse("").execute("DROP DATABASE IF EXISTS " + kDatabase, false);
  const auto applied = novafeed({"schema", "apply"});
  INFO(applied.out << applied.err);
  REQUIRE(applied.exit_code == 0);
  exec_pg("INSERT INTO users (id, username, created_at, updated_at) SELECT u, 'user' || u, now() - interval '3 hours', "
          "now() - interval '2 hours' FROM generate_series(1, 20000) u");
  ready = true;
}

nlohmann::json parse_json(const nf::test::RunResult& run) {
  INFO("stdout: " << run.out << "\nstderr: " << run.err);
  REQUIRE_NOTHROW(nlohmann::json::parse(run.out));
  return nlohmann::json::parse(run.out);
}

bool contains(const nlohmann::json& array, const std::string& value) {
  for (const auto& item : array)
    if (item == value) return true;
  return false;
}

}  // namespace

TEST_CASE("backfill of 1M follows, killed half-way and resumed, leaves ClickHouse equal to PostgreSQL",
          "[clickhouse]") {
  if (!nf::test::require_stack()) return;
  prepare_databases();
  exec_pg("TRUNCATE follows");
  exec_pg("INSERT INTO follows (follower_id, followee_id, created_at, updated_at) "
          "SELECT f, (f + k) % 20000 + 1, now() - interval '3 hours', now() - interval '2 hours' "
          "FROM generate_series(1, 20000) f, generate_series(1, 50) k");
  exec_pg("ANALYZE follows");
  REQUIRE(scalar_pg("SELECT count(*) FROM follows") == "1000000");

  // 40 ranges of ~25,000 rows; killed once a few are checkpointed.
  const std::vector<std::string> args = {"--set", "backfill.chunk_rows=25000", "backfill", "--table", "follows",
                                         "--jobs", "2"};
  nf::test::BackgroundNovafeed backfill(args, test_env());
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  uint64_t done = 0;
  while (std::chrono::steady_clock::now() < deadline) {
    done = scalar_ch("SELECT count() AS n FROM backfill_checkpoints WHERE table_name = 'follows'");
    if (done >= 5) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  REQUIRE(backfill.stop(SIGKILL, std::chrono::seconds(10)) == 128 + SIGKILL);  // killed, not finished
  const uint64_t done_at_kill = scalar_ch("SELECT count() AS n FROM backfill_checkpoints WHERE table_name = 'follows'");
  INFO("ranges checkpointed when killed: " << done_at_kill);
  REQUIRE(done_at_kill >= 5);
  REQUIRE(done_at_kill < 40);

  auto resumed = novafeed({"--json", "--set", "backfill.chunk_rows=25000", "backfill", "--table", "follows", "--resume"});
  REQUIRE(resumed.exit_code == 0);
  const auto report = parse_json(resumed);
  const auto& table = report["tables"][0];
  CHECK(table["resumed_ranges"].get<uint64_t>() == done_at_kill);
  CHECK(table["rows"].get<uint64_t>() + table["resumed_rows"].get<uint64_t>() == 1'000'000);
  CHECK(table["rows"].get<uint64_t>() < 1'000'000);  // the finished ranges were not copied again
  CHECK(resumed.err.find("\r") == std::string::npos);  // no progress bar off a terminal

  CHECK(scalar_ch("SELECT count() AS n FROM follows FINAL WHERE _deleted = 0") == 1'000'000);
  const auto verified = novafeed({"verify", "--table", "follows", "--since", "all"});
  INFO(verified.out << verified.err);
  CHECK(verified.exit_code == 0);
  CHECK(verified.out.find("result: consistent") != std::string::npos);

  // Composite keys: a follow deleted in PostgreSQL is named by both key columns, and the
  // repair redoes that follower's rows and marks the gone one deleted.
  exec_pg("DELETE FROM follows WHERE follower_id = 5 AND followee_id = 7");
  auto drifted = novafeed({"--json", "verify", "--table", "follows", "--since", "all", "--min-age", "0s"});
  CHECK(drifted.exit_code == 1);
  const auto drift = parse_json(drifted);
  CHECK(drift["tables"][0]["extra_in_clickhouse"]["ids"] == nlohmann::json::array({"5:7"}));
  CHECK(drift["tables"][0]["repair"] == "novafeed backfill --table follows --ids 5");
  auto repaired = novafeed({"backfill", "--table", "follows", "--ids", "5"});
  INFO(repaired.out << repaired.err);
  CHECK(repaired.exit_code == 0);
  CHECK(repaired.out.find("1 keys gone from PostgreSQL marked deleted") != std::string::npos);
  CHECK(novafeed({"verify", "--table", "follows", "--since", "all", "--min-age", "0s"}).exit_code == 0);
  CHECK(scalar_ch("SELECT count() AS n FROM follows FINAL WHERE _deleted = 0") == 999'999);
}

TEST_CASE("verify finds each planted drift, names the ids, exits 1, and its repair command fixes it", "[clickhouse]") {
  if (!nf::test::require_stack()) return;
  prepare_databases();
  exec_pg("TRUNCATE posts CASCADE");
  // Text that needs escaping on the way through COPY and TabSeparated, fractional
  // timestamps, soft-deleted rows.
  exec_pg("INSERT INTO posts (id, author_id, caption, created_at, updated_at, deleted_at) "
          "SELECT p, p % 20000 + 1, E'tab\\there\\nline\\\\back\\r\\x0b\\x08\\x0c ünï ' || p, "
          "now() - interval '3 hours' - p * interval '1.25 seconds', now() - interval '2 hours', "
          "CASE WHEN p % 7 = 0 THEN now() - interval '90 minutes' END FROM generate_series(1, 1000) p");

  const auto backfilled = novafeed({"backfill", "--table", "posts"});
  INFO(backfilled.out << backfilled.err);
  REQUIRE(backfilled.exit_code == 0);
  CHECK(scalar_ch("SELECT count() AS n FROM posts FINAL WHERE _deleted = 1") ==
        std::stoull(scalar_pg("SELECT count(*) FROM posts WHERE deleted_at IS NOT NULL")));
  CHECK(scalar_ch("SELECT count() AS n FROM posts WHERE id = 5 AND "
                  "caption = 'tab\\there\\nline\\\\back\\r\\x0B\\x08\\x0C ünï 5'") == 1);

  // The same row hashes to the same value in both databases and in the C++ reference.
  const auto& posts = nf::catalog::table("posts");
  const uint64_t pg_hash = static_cast<uint64_t>(
      std::stoll(scalar_pg("SELECT " + nf::verify::pg_row_hash(posts) + " FROM posts WHERE id = 7")));
  const uint64_t ch_hash = scalar_ch("SELECT " + nf::verify::ch_row_hash(posts) + " AS n FROM posts FINAL WHERE id = 7");
  CHECK(pg_hash == ch_hash);
  {
    pqxx::connection conn(postgres_url(kDatabase));
    pqxx::nontransaction tx(conn);
    const auto row = tx.exec1(
        "SELECT id, author_id, caption, floor(date_part('epoch', created_at))::bigint, "
        "floor(date_part('epoch', updated_at))::bigint, floor(date_part('epoch', deleted_at))::bigint, "
        "deleted_at IS NOT NULL FROM posts WHERE id = 7");
    std::vector<std::optional<std::string>> values;
    for (int i = 0; i < 6; ++i) values.push_back(row[i].is_null() ? std::nullopt : std::optional(row[i].as<std::string>()));
    CHECK(values[5].has_value());  // 7 is soft-deleted (p % 7 = 0)
    CHECK(nf::verify::row_hash(posts, values, row[6].as<bool>()) == pg_hash);
  }

  auto consistent = novafeed({"verify", "--table", "posts", "--since", "all", "--min-age", "0s"});
  INFO(consistent.out << consistent.err);
  REQUIRE(consistent.exit_code == 0);

  // The drifts: 2001 missing in ClickHouse; 3001 extra in ClickHouse; 10 changed; 20 deleted in
  // PostgreSQL but live in ClickHouse; 30 live in PostgreSQL but deleted in ClickHouse.
  exec_pg("INSERT INTO posts (id, author_id, caption, created_at, updated_at) "
          "VALUES (2001, 1, 'new', now() - interval '1 hour', now() - interval '1 hour')");
  exec_pg("UPDATE posts SET caption = 'changed' WHERE id = 10");
  exec_pg("DELETE FROM posts WHERE id = 20");
  // 30's delete version is newer than the backfill's (as a CDC delete would be).
  const uint64_t newer = scalar_ch("SELECT max(_version) + 1 AS n FROM posts");
  clickhouse().execute(
      "INSERT INTO posts (id, author_id, caption, created_at, updated_at, _version, _deleted) "
      "VALUES (3001, 1, 'ghost', now() - 7200, now() - 7200, 1, 0), (30, 31, '', now() - 60, now() - 60, " +
      std::to_string(newer) + ", 1)");

  auto drifted = novafeed({"--json", "verify", "--table", "posts", "--since", "all", "--min-age", "0s"});
  CHECK(drifted.exit_code == 1);
  const auto report = parse_json(drifted);
  INFO(report.dump(2));
  const auto& t = report["tables"][0];
  CHECK(report["consistent"] == false);
  CHECK(t["missing_in_clickhouse"]["count"] == 2);
  CHECK(contains(t["missing_in_clickhouse"]["ids"], "2001"));
  CHECK(contains(t["missing_in_clickhouse"]["ids"], "30"));
  CHECK(t["extra_in_clickhouse"]["count"] == 2);
  CHECK(contains(t["extra_in_clickhouse"]["ids"], "3001"));
  CHECK(contains(t["extra_in_clickhouse"]["ids"], "20"));
  REQUIRE(t["different"]["count"] == 1);
  CHECK(t["different"]["rows"][0]["id"] == "10");
  CHECK(contains(t["different"]["rows"][0]["columns"], "caption"));
  CHECK(t["repair"] == "novafeed backfill --table posts --ids 10,20,30,2001,3001");

  // The text report says the same for a person.
  auto text = novafeed({"verify", "--table", "posts", "--since", "all", "--min-age", "0s"});
  CHECK(text.exit_code == 1);
  CHECK(text.out.find("posts     DRIFT") != std::string::npos);
  CHECK(text.out.find("repair: novafeed backfill --table posts --ids 10,20,30,2001,3001") != std::string::npos);

  // A change younger than --min-age is CDC lag, not drift: row 10 was just updated.
  auto lagging = novafeed({"--json", "verify", "--table", "posts", "--since", "all", "--min-age", "10m"});
  const auto lag_report = parse_json(lagging);
  CHECK(lag_report["tables"][0]["different"]["count"] == 0);
  CHECK(lag_report["tables"][0]["skipped_in_flight"].get<uint64_t>() >= 1);

  // The printed repair makes the databases agree again.
  std::vector<std::string> repair;
  std::istringstream words(t["repair"].get<std::string>());
  for (std::string word; words >> word;) repair.push_back(word);
  repair.erase(repair.begin());  // "novafeed"
  auto repaired = novafeed(repair);
  INFO(repaired.out << repaired.err);
  REQUIRE(repaired.exit_code == 0);
  auto after = novafeed({"verify", "--table", "posts", "--since", "all", "--min-age", "0s"});
  INFO(after.out << after.err);
  CHECK(after.exit_code == 0);
}

TEST_CASE("verify on 1M posts: planted drift is narrowed to its ids, and drift on a third of the rows is "
          "counted with statements far below max_query_size",
          "[clickhouse]") {
  if (!nf::test::require_stack()) return;
  prepare_databases();
  exec_pg("TRUNCATE posts CASCADE");
  exec_pg("INSERT INTO posts (id, author_id, caption, created_at, updated_at) "
          "SELECT p, p % 20000 + 1, 'caption ' || p, now() - interval '3 hours', now() - interval '2 hours' "
          "FROM generate_series(1, 1000000) p");
  exec_pg("ANALYZE posts");
  const auto backfilled = novafeed({"backfill", "--table", "posts", "--jobs", "2"});
  INFO(backfilled.out << backfilled.err);
  REQUIRE(backfilled.exit_code == 0);
  REQUIRE(scalar_ch("SELECT count() AS n FROM posts FINAL WHERE _deleted = 0") == 1'000'000);
  const std::vector<std::string> verify_all = {"--json", "verify", "--table", "posts", "--since", "all",
                                               "--min-age", "0s"};
  REQUIRE(novafeed(verify_all).exit_code == 0);

  // A few drifts among 1M rows: 1000001 missing in ClickHouse, 2000000 extra there,
  // 777777 and 5 changed, 424242 deleted in PostgreSQL only.
  exec_pg("INSERT INTO posts (id, author_id, caption, created_at, updated_at) "
          "VALUES (1000001, 1, 'new', now() - interval '1 hour', now() - interval '1 hour')");
  exec_pg("UPDATE posts SET caption = 'changed' WHERE id IN (5, 777777)");
  exec_pg("DELETE FROM posts WHERE id = 424242");
  clickhouse().execute("INSERT INTO posts (id, author_id, caption, created_at, updated_at, _version, _deleted) "
                       "VALUES (2000000, 1, 'ghost', now() - 7200, now() - 7200, 1, 0)");
  auto narrowed = novafeed(verify_all);
  CHECK(narrowed.exit_code == 1);
  const auto report = parse_json(narrowed);
  INFO(report.dump(2));
  const auto& t = report["tables"][0];
  CHECK(t["narrowed"] == true);
  CHECK(t["missing_in_clickhouse"]["ids"] == nlohmann::json::array({"1000001"}));
  CHECK(t["extra_in_clickhouse"]["ids"] == nlohmann::json::array({"424242", "2000000"}));
  REQUIRE(t["different"]["count"] == 2);
  CHECK(t["different"]["rows"][0]["id"] == "5");
  CHECK(t["different"]["rows"][1]["id"] == "777777");
  CHECK(t["repair"] == "novafeed backfill --table posts --ids 5,424242,777777,1000001,2000000");
  std::vector<std::string> repair;
  std::istringstream words(t["repair"].get<std::string>());
  for (std::string word; words >> word;) repair.push_back(word);
  repair.erase(repair.begin());  // "novafeed"
  REQUIRE(novafeed(repair).exit_code == 0);
  REQUIRE(novafeed(verify_all).exit_code == 0);

  // A third of the rows changed in the last hour: too much to list, but every level of the
  // bisection still runs. Narrowing to ~200k buckets of key % 262144 once made statements
  // of over 1 MiB (the buckets as literals), which ClickHouse refuses (max_query_size
  // 256 KiB); the buckets now travel as external data.
  exec_pg("UPDATE posts SET caption = caption || ' edited' WHERE id % 3 = 0");
  const uint64_t in_hour = std::stoull(scalar_pg("SELECT count(*) FROM posts WHERE updated_at > now() - interval '50 minutes'"));
  REQUIRE(in_hour >= 333'333);
  auto wide = novafeed({"--json", "verify", "--table", "posts", "--since", "1h", "--min-age", "0s"});
  INFO(wide.err);
  CHECK(wide.exit_code == 1);
  CHECK_THAT(wide.err, !Catch::Contains("Max query size") && !Catch::Contains("HTTP 500"));
  const auto wide_report = parse_json(wide);
  const auto& w = wide_report["tables"][0];
  INFO(w.dump(2));
  CHECK(w["postgres_rows"] == in_hour);  // the rows updated within the hour: id % 3 = 0, and 5
  CHECK(w["narrowed"] == false);
  CHECK(w["repair"] == "novafeed backfill --table posts");
  REQUIRE(novafeed({"backfill", "--table", "posts", "--jobs", "2"}).exit_code == 0);
  CHECK(novafeed(verify_all).exit_code == 0);
}
