// `novafeed doctor` against the real local stack, through the real binary.

#include <catch2/catch.hpp>


#include <algorithm>
#include <chrono>
#include <thread>

#include <pqxx/pqxx>

#include <nlohmann/json.hpp>

#include "core/pg/connection.hpp"
#include "tests/support/run.hpp"
#include "tests/support/stack.hpp"

namespace {

std::map<std::string, std::string> env_with(std::map<std::string, std::string> overrides) {
  auto env = nf::test::stack_env();
  for (auto& [key, value] : overrides) env[key] = value;
  return env;
}

using nf::test::StoppedService;

// The text line of check `name` ("FAIL  connector   ..."), "" when there is none.
std::string line_of(const std::string& text, const std::string& name) {
  size_t start = 0;
  while (start < text.size()) {
    const size_t end = std::min(text.find('\n', start), text.size());
    const std::string line = text.substr(start, end - start);
    const auto name_at = line.find_first_not_of(' ', line.find(' '));
    if (name_at != std::string::npos && line.compare(name_at, name.size() + 1, name + " ") == 0) return line;
    start = end + 1;
  }
  return "";
}

const nlohmann::json* find_check(const nlohmann::json& checks, const std::string& name) {
  for (const auto& check : checks)
    if (check["name"] == name) return &check;
  return nullptr;
}

}  // namespace

TEST_CASE("doctor: the whole stack up, schema applied, connector RUNNING -> exit 0") {
  if (!nf::test::require_stack()) return;
  // No ingest runs in this test: the lag check reads a group of its own that never
  // committed (a warning, not unhealthy) rather than whatever earlier runs left in the
  // default group (the lag check itself: ingest_test.cpp, "doctor: the ingest group's lag").
  const auto env = env_with({{"NOVAFEED_INGEST_GROUP",
                              "doctor-whole-stack-" + std::to_string(std::chrono::system_clock::now().time_since_epoch().count())}});
  const auto schema = nf::test::run_novafeed({"schema", "apply"}, env);
  INFO("schema apply: " << schema.out << schema.err);
  REQUIRE(schema.exit_code == 0);
  const auto connectors = nf::test::run_novafeed({"connectors", "apply", "--wait"}, env);
  INFO("connectors apply: " << connectors.out << connectors.err);
  REQUIRE(connectors.exit_code == 0);
  // The whole stack includes its jobs: each has just succeeded (doctor fails a job with no
  // success for three intervals).
  const auto jobs = nf::test::run_novafeed({"--set", "jobs.feed_warmer_users=10", "jobs", "run", "all", "--once"}, env);
  INFO("jobs run all --once: " << jobs.out << jobs.err);
  REQUIRE(jobs.exit_code == 0);

  const auto text = nf::test::run_novafeed({"doctor"}, env);
  INFO("doctor: " << text.out << text.err);
  CHECK(text.exit_code == 0);
  CHECK_THAT(line_of(text.out, "connector"), Catch::StartsWith("OK ") && Catch::Contains("RUNNING"));
  CHECK_THAT(line_of(text.out, "slot"), Catch::StartsWith("OK ") && Catch::Contains("active"));
  CHECK_THAT(text.out, Catch::EndsWith("\n") && Catch::Contains("\nhealthy: "));

  const auto json = nf::test::run_novafeed({"--json", "doctor"}, env);
  INFO("doctor --json: " << json.out << json.err);
  CHECK(json.exit_code == 0);
  const auto checks = nlohmann::json::parse(json.out);  // exactly one document
  REQUIRE(checks.is_array());
  for (const char* name : {"postgres", "wal_level", "slot", "publication", "clickhouse", "redis", "kafka", "topics",
                           "connect", "connector", "jobs"}) {
    INFO("check " << name);
    const auto* check = find_check(checks, name);
    REQUIRE(check != nullptr);
    CHECK((*check)["status"] == "ok");
  }
  CHECK((*find_check(checks, "slot"))["figures"]["retained_wal_bytes"].is_number_integer());
  CHECK((*find_check(checks, "kafka"))["figures"]["brokers"].get<int>() >= 1);
  CHECK_FALSE((*find_check(checks, "clickhouse"))["figures"]["version"].get<std::string>().empty());
  // The jobs' lists go again: the tests after this one compute trending from their own rows.
  for (const char* window : {"1h", "24h", "7d"}) nf::test::redis_del(std::string("hot:posts:") + window);
}

TEST_CASE("doctor: ClickHouse stopped -> exit 3 naming clickhouse, JSON still one document", "[clickhouse]") {
  if (!nf::test::require_stack()) return;
  // Other tests share this ClickHouse: stop it once, ask both questions, start it again.
  nf::test::RunResult text, json;
  {
    StoppedService clickhouse("clickhouse");
    text = nf::test::run_novafeed({"doctor"}, nf::test::stack_env());
    json = nf::test::run_novafeed({"--json", "doctor"}, nf::test::stack_env());
  }
  INFO("doctor: " << text.out << text.err);
  CHECK(text.exit_code == 3);
  CHECK_THAT(line_of(text.out, "clickhouse"), Catch::StartsWith("UNREACHABLE ") && Catch::Contains("→"));
  CHECK_THAT(text.out, Catch::Contains("unreachable (clickhouse)"));

  INFO("doctor --json: " << json.out << json.err);
  CHECK(json.exit_code == 3);
  const auto checks = nlohmann::json::parse(json.out);
  const auto* clickhouse = find_check(checks, "clickhouse");
  REQUIRE(clickhouse != nullptr);
  CHECK((*clickhouse)["status"] == "unreachable");
  CHECK_FALSE((*clickhouse)["hint"].is_null());
}

TEST_CASE("doctor: Redis on a closed port -> exit 3 naming redis, within the timeout") {
  if (!nf::test::require_stack()) return;
  const auto started = std::chrono::steady_clock::now();
  const auto result = nf::test::run_novafeed({"doctor"}, env_with({{"NOVAFEED_REDIS_URL", "redis://127.0.0.1:1"}}));
  const auto took = std::chrono::steady_clock::now() - started;
  INFO("doctor: " << result.out << result.err);
  CHECK(result.exit_code == 3);
  CHECK_THAT(line_of(result.out, "redis"), Catch::StartsWith("UNREACHABLE ") && Catch::Contains("127.0.0.1:1"));
  CHECK_THAT(result.err, Catch::Contains("unreachable (redis)"));
  // Every dependency answers within its own timeout (the longest, connect.timeout_ms, is
  // 10 s); a refused connection must not wait for any of them.
  CHECK(took < std::chrono::seconds(12));
}

TEST_CASE("doctor: the Connect worker frozen while PostgreSQL writes -> the slot is reported stalled, connectors heal "
          "ends its walsender, thawed -> healthy") {
  if (!nf::test::require_stack()) return;
  using namespace std::chrono_literals;
  const auto& env = nf::test::stack_env();
  REQUIRE(nf::test::run_novafeed({"connectors", "apply", "--wait"}, env).exit_code == 0);
  // SIGSTOP: the walsender stays connected (the slot is active) but nothing is confirmed
  // and no heartbeat is written: what an orphaned task after a Kafka outage looks like.
  nf::test::FrozenService worker("connect");
  const auto frozen_at = std::chrono::steady_clock::now();
  auto postgres = nf::pg::connect(nf::pg::settings_from(nf::test::stack_config()));
  const uint64_t probe = 870000000 + static_cast<uint64_t>(
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count() %
      1000000);
  {
    pqxx::work tx(*postgres);
    tx.exec_params("INSERT INTO users (id, username) VALUES ($1, $2)", probe, "doctor-stall-" + std::to_string(probe));
    tx.commit();
  }
  // Two heartbeat intervals (10 s) and the 5 s grace, counted from Debezium's last beat.
  std::this_thread::sleep_until(frozen_at + 27s);
  const auto json = nf::test::run_novafeed({"--json", "doctor"}, env);
  INFO("doctor --json: " << json.out << json.err);
  CHECK((json.exit_code == 1 || json.exit_code == 3));  // 3: the frozen worker does not answer either
  const auto checks = nlohmann::json::parse(json.out);
  const auto* slot = find_check(checks, "slot");
  REQUIRE(slot != nullptr);
  CHECK((*slot)["status"] == "fail");
  CHECK((*slot)["figures"]["stalled"] == true);
  CHECK_THAT((*slot)["detail"].get<std::string>(), Catch::Contains("stalled"));
  CHECK_THAT((*slot)["hint"].get<std::string>(), Catch::Contains("pg_terminate_backend"));
  const auto walsender = (*slot)["figures"]["active_pid"].get<int64_t>();

  // `connectors heal` ends the stalled slot's walsender and says so; the frozen worker
  // does not answer its REST API, so it then exits 3 naming Kafka Connect.
  const auto healed = nf::test::run_novafeed({"connectors", "heal"}, env);
  INFO("connectors heal: " << healed.out << healed.err);
  CHECK(healed.exit_code == 3);
  CHECK_THAT(healed.out, Catch::Contains("ended walsender pid " + std::to_string(walsender) + " holding slot"));
  {
    pqxx::nontransaction tx(*postgres);
    const auto still = tx.exec_params("SELECT 1 FROM pg_stat_activity WHERE pid = $1", walsender);
    CHECK(still.empty());
  }

  worker.thaw();
  // Thawed, the worker streams again: the slot is healthy within a few heartbeats.
  bool healthy = false;
  for (int i = 0; i < 40 && !healthy; ++i) {
    std::this_thread::sleep_for(3s);
    const auto again = nlohmann::json::parse(nf::test::run_novafeed({"--json", "doctor"}, env).out);
    const auto* now = find_check(again, "slot");
    healthy = now && (*now)["status"] == "ok";
  }
  CHECK(healthy);
  {
    pqxx::work tx(*postgres);
    tx.exec_params("DELETE FROM users WHERE id = $1", probe);
    tx.commit();
  }
}
