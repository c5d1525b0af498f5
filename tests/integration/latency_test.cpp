// `novafeed latency` on the real stack: probes through the real pipeline pass a gate with
// every stage timed; a frozen ingest fails the events path at the ClickHouse stage; a
// frozen Connect worker fails the cdc path at the Kafka stage and doctor sees the stalled
// slot; and a live, liked probe post reaches no real user (trending, hot posts,
// suggestions, feeds) while the probe reader sees it.
#include <signal.h>

#include <chrono>
#include <fstream>
#include <thread>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <pqxx/pqxx>

#include "core/auth/jwt.hpp"
#include "core/clickhouse/client.hpp"
#include "core/latency/probe_world.hpp"
#include "core/net/http_client.hpp"
#include "core/pg/connection.hpp"
#include "tests/support/eventually.hpp"
#include "tests/support/process.hpp"
#include "tests/support/run.hpp"
#include "tests/support/stack.hpp"

namespace {

using json = nlohmann::json;
using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;
using nf::latency::kProbeAuthor;
using nf::latency::kProbeReader;
using nf::ranking::kProbeIdFloor;

int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

using nf::test::eventually;

// serve on a free port, with its own ingest group (or none: a separate ingest beside it).
class Serve {
 public:
  explicit Serve(bool with_ingest) {
    port_ = nf::test::free_port();
    // A short session: the ingest of the test before, killed, holds its partitions until
    // the group times it out (45 s by default).
    std::vector<std::string> args{"--log-level", "info", "-X", "session.timeout.ms=6000", "serve",
                                  "--listen", "127.0.0.1:" + std::to_string(port_)};
    if (with_ingest) args.push_back("--with-ingest");
    process_ = std::make_unique<nf::test::BackgroundNovafeed>(args, env());
    if (!process_->wait_for_stderr("listening on", 30s)) FAIL("serve did not start:\n" + process_->stderr_text());
  }
  static std::map<std::string, std::string> env() {
    auto env = nf::test::stack_env();
    env["NOVAFEED_INGEST_GROUP"] = "novafeed-latency-test";
    env["NOVAFEED_INGEST_BATCH_MS"] = "200";
    return env;
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  json get(const std::string& path, uint64_t user) const {
    nf::net::HttpRequest request;
    request.url = url() + path;
    request.headers = {{"Authorization", "Bearer " + nf::auth::mint_token(nf::test::stack_jwt_secret(), user, now_ms() / 1000, 600)}};
    const auto response = nf::net::perform(request);
    if (!response || response->status != 200)
      FAIL("GET " + path + " failed: " + (response ? response->body : response.error()));
    return json::parse(response->body);
  }
  void post_like(uint64_t user, uint64_t post_id, const std::string& event_id) const {
    nf::net::HttpRequest request;
    request.method = "POST";
    request.url = url() + "/api/v1/events";
    request.headers = {{"Authorization", "Bearer " + nf::auth::mint_token(nf::test::stack_jwt_secret(), user, now_ms() / 1000, 600)},
                       {"Content-Type", "application/json"}};
    request.body = json::array({{{"event_id", event_id}, {"post_id", post_id}, {"action", "like"}, {"ts", now_ms()}}}).dump();
    const auto response = nf::net::perform(request);
    REQUIRE(response);
    INFO(response->body);
    REQUIRE(response->status == 202);
  }
  std::string log() const { return process_->stderr_text(); }

 private:
  int port_ = 0;
  std::unique_ptr<nf::test::BackgroundNovafeed> process_;
};

size_t live_probe_posts() {
  auto postgres = nf::pg::connect(nf::pg::settings_from(nf::test::stack_config()));
  pqxx::nontransaction tx(*postgres);
  return tx.exec_params("SELECT count(*) FROM posts WHERE author_id = $1 AND deleted_at IS NULL", kProbeAuthor)[0][0]
      .as<size_t>();
}

}  // namespace

TEST_CASE("latency: 20 probes per path through the real pipeline pass a 5 s gate, each stage timed, and the run's "
          "posts are retired", "[clickhouse]") {
  if (!nf::test::require_stack()) return;
  const auto& env = nf::test::stack_env();
  REQUIRE(nf::test::run_novafeed({"connectors", "apply", "--wait"}, env).exit_code == 0);
  Serve serve(true);

  const auto run = nf::test::run_novafeed(
      {"--json", "latency", "--samples", "20", "--gate", "p95=5s", "--api", serve.url()}, Serve::env());
  INFO("latency: " << run.out << run.err << "\nserve:\n" << serve.log());
  REQUIRE(run.exit_code == 0);
  const auto report = json::parse(run.out);
  CHECK(report["passed"] == true);
  REQUIRE(report["paths"].size() == 2);
  for (const auto& path : report["paths"]) {
    INFO(path["path"]);
    CHECK(path["failed"] == 0);
    CHECK(path["probes"].size() == 20);
    CHECK(path["end_to_end"]["samples"] == 20);
    REQUIRE(path["stages"].size() == 4);
    for (const auto& stage : path["stages"]) CHECK(stage["samples"] == 20);
    CHECK(path["end_to_end"]["p95_ms"].get<double>() > 0);
    // Each probe's stages are reached in order, the last one being the end to end.
    for (const auto& probe : path["probes"]) {
      REQUIRE(probe["reached_ms"].size() == 4);
      CHECK(probe["total_ms"] == probe["reached_ms"][3]);
    }
  }
  CHECK(report["paths"][0]["path"] == "events");
  CHECK(report["paths"][0]["stages"][0]["stage"] == "api");
  CHECK(report["paths"][1]["path"] == "cdc");
  CHECK(report["paths"][1]["stages"][0]["stage"] == "postgres");
  CHECK(live_probe_posts() == 0);

  // The human report: a row per stage and the end to end, and the gate's verdict.
  const auto text = nf::test::run_novafeed(
      {"latency", "--samples", "2", "--path", "cdc", "--gate", "cdc.p99=10s", "--api", serve.url()}, Serve::env());
  INFO(text.out << text.err);
  CHECK(text.exit_code == 0);
  for (const char* row : {"cdc path", "postgres", "kafka", "clickhouse", "feed", "end to end", "gate cdc.p99=10s: passed"})
    CHECK_THAT(text.out, Catch::Contains(row));
  CHECK(live_probe_posts() == 0);
}

TEST_CASE("latency: a live, liked probe post reaches no real user (trending, hot posts, suggestions, feeds), but the "
          "probe reader sees it", "[clickhouse]") {
  if (!nf::test::require_stack()) return;
  const auto& env = nf::test::stack_env();
  REQUIRE(nf::test::run_novafeed({"connectors", "apply", "--wait"}, env).exit_code == 0);
  Serve serve(true);
  auto postgres = nf::pg::connect(nf::pg::settings_from(nf::test::stack_config()));
  nf::latency::ensure_probe_users(*postgres);
  // A real user R who likes a probe post (so the probe author would be R's affinity
  // author and a high-affinity suggestion) and follows X, who follows the probe author
  // (a friend-of-friend suggestion): every door a probe could come through.
  const uint64_t base = 860000000 + static_cast<uint64_t>(now_ms() % 1000000) * 2;
  const uint64_t r = base, x = base + 1;
  const uint64_t liked = nf::latency::probe_post_id(now_ms(), 1, 1), other = liked + 1;
  {
    pqxx::work tx(*postgres);
    tx.exec_params("INSERT INTO users (id, username) VALUES ($1, $2), ($3, $4)", r, "latency-test-r-" + std::to_string(r),
                   x, "latency-test-x-" + std::to_string(x));
    tx.exec_params("INSERT INTO follows (follower_id, followee_id) VALUES ($1, $2), ($2, $3)", r, x, kProbeAuthor);
    tx.commit();
  }
  // Cleaned up however the test ends: a live probe post left behind would fail the next
  // runs' checks (the next latency run retires leftovers only after an hour).
  struct Cleanup {
    pqxx::connection& postgres;
    uint64_t r, x, liked, other;
    ~Cleanup() {
      try {
        nf::latency::retire_probe_posts(postgres, {liked, other});
        pqxx::work tx(postgres);
        tx.exec_params("DELETE FROM users WHERE id IN ($1, $2)", r, x);
        tx.commit();
      } catch (const std::exception&) {
      }
    }
  } cleanup{*postgres, r, x, liked, other};
  nf::latency::insert_probe_post(*postgres, liked);
  nf::latency::insert_probe_post(*postgres, other);
  const auto ch = nf::test::stack_clickhouse();
  REQUIRE(eventually(60s, [&] {
    return nf::latency::follow_in_clickhouse(ch) && nf::latency::post_in_clickhouse(ch, liked) &&
           nf::latency::post_in_clickhouse(ch, other) &&
           nf::ch::as_u64(ch.query("SELECT count() AS n FROM follows FINAL WHERE _deleted = 0 AND follower_id = " +
                                   std::to_string(x))
                              .at(0)["n"]) == 1;
  }));
  const std::string run = std::to_string(now_ms());
  serve.post_like(r, liked, "latency-test-r-" + run);
  serve.post_like(kProbeReader, liked, "latency-test-reader-" + run);
  REQUIRE(eventually(60s, [&] { return nf::latency::likes_in_clickhouse(ch, liked, now_ms()) == 2; }));
  REQUIRE(eventually(30s, [&] {
    return nf::ch::as_u64(ch.query("SELECT sum(interactions) AS n FROM user_author_counts WHERE user_id = " +
                                   std::to_string(r) + " AND author_id = " + std::to_string(kProbeAuthor))
                              .at(0)["n"]) == 1;
  }));

  const auto is_probe = [](const json& id) { return id.get<uint64_t>() >= kProbeIdFloor; };
  // Trending, computed live and written by the hot-posts job.
  for (const char* window : {"1h", "24h", "7d"}) {
    INFO(window);
    nf::test::redis_del(std::string("hot:posts:") + window);
    const auto live = serve.get(std::string("/api/v1/feed/trending?window=") + window + "&limit=200", r);
    for (const auto& item : live["items"]) CHECK_FALSE(is_probe(item["author_id"]));
  }
  const auto hot = nf::test::run_novafeed({"jobs", "run", "hot-posts", "--once"}, Serve::env());
  INFO(hot.err);
  REQUIRE(hot.exit_code == 0);
  for (const char* window : {"1h", "24h", "7d"}) {
    const auto value = nf::test::redis_get(std::string("hot:posts:") + window);
    REQUIRE(value.has_value());
    for (const auto& item : json::parse(*value)["items"]) CHECK_FALSE(is_probe(item["author_id"]));
  }
  // Suggestions: neither X's followee (the probe author) nor R's affinity author.
  const auto suggested = serve.get("/api/v1/discover/suggested-users?limit=20", r);
  for (const auto& item : suggested["items"]) CHECK_FALSE(is_probe(item["user_id"]));
  // R's feed: without the rule, `other` would be R's F3 (R liked its author).
  nf::test::redis_del("feed:v1:" + std::to_string(r));
  const auto feed = serve.get("/api/v1/feed?limit=50", r);
  CHECK(feed["algo"] == "ranked");
  for (const auto& item : feed["items"]) CHECK_FALSE(is_probe(item["author_id"]));
  // The probe reader sees the probe post it has not liked, and nothing else.
  nf::test::redis_del("feed:v1:" + std::to_string(kProbeReader));
  const auto probe_feed = serve.get("/api/v1/feed?limit=50", kProbeReader);
  bool sees_other = false;
  for (const auto& item : probe_feed["items"]) {
    CHECK(is_probe(item["author_id"]));
    sees_other = sees_other || item["post_id"].get<uint64_t>() == other;
  }
  CHECK(sees_other);

  CHECK(nf::latency::retire_probe_posts(*postgres, {liked, other}) == 2);
}

TEST_CASE("latency: ingest frozen -> the gate fails naming the clickhouse stage, the Connect worker frozen -> the cdc "
          "path fails at the kafka stage and doctor sees the stalled slot") {
  if (!nf::test::require_stack()) return;
  const auto& env = nf::test::stack_env();
  REQUIRE(nf::test::run_novafeed({"connectors", "apply", "--wait"}, env).exit_code == 0);
  Serve serve(false);
  nf::test::BackgroundNovafeed ingest({"--log-level", "info", "-X", "session.timeout.ms=6000", "ingest"}, Serve::env());
  const std::vector<std::string> one{"latency", "--samples", "1", "--timeout", "5s", "--api", serve.url()};
  // Caught up first: one probe of each path passes.
  REQUIRE(eventually(90s, [&] {
    auto args = one;
    args.insert(args.end(), {"--gate", "p95=5s"});
    return nf::test::run_novafeed(args, Serve::env()).exit_code == 0;
  }));

  {
    REQUIRE(::kill(ingest.pid(), SIGSTOP) == 0);
    auto args = one;
    args.insert(args.end(), {"--path", "events", "--gate", "p95=5s"});
    const auto frozen = nf::test::run_novafeed(args, Serve::env());
    ::kill(ingest.pid(), SIGCONT);
    INFO(frozen.out << frozen.err);
    CHECK(frozen.exit_code == 1);
    CHECK_THAT(frozen.out, Catch::Contains("events path: 1 of 1 probes stopped at the clickhouse stage"));
    CHECK_THAT(frozen.out, Catch::Contains("gate p95=5s: FAILED"));
  }
  CHECK(live_probe_posts() == 0);

  {
    nf::test::FrozenService worker("connect");
    const auto frozen_at = Clock::now();
    auto args = one;
    args.insert(args.end(), {"--path", "cdc"});
    const auto frozen = nf::test::run_novafeed(args, Serve::env());
    INFO(frozen.out << frozen.err);
    CHECK(frozen.exit_code == 1);
    CHECK_THAT(frozen.out, Catch::Contains("cdc path: 1 of 1 probes stopped at the kafka stage"));
    CHECK_THAT(frozen.out, Catch::Contains("never reached cdc.posts"));
    // The probe's INSERT wrote WAL the frozen task never confirms: two heartbeat intervals
    // (10 s) and the 5 s grace after Debezium's last beat, doctor calls the slot stalled.
    std::this_thread::sleep_until(frozen_at + 27s);
    const auto doctor = nf::test::run_novafeed({"--json", "doctor"}, Serve::env());
    INFO("doctor: " << doctor.out << doctor.err);
    CHECK((doctor.exit_code == 1 || doctor.exit_code == 3));
    bool stalled = false;
    for (const auto& check : json::parse(doctor.out))
      if (check["name"] == "slot") stalled = check["figures"].value("stalled", false);
    CHECK(stalled);
  }
  // Thawed (and healed by the ingest's CDC watch where needed), CDC delivers again.
  const bool recovered = eventually(120s, [&] {
    auto args = one;
    args.insert(args.end(), {"--path", "cdc"});
    return nf::test::run_novafeed(args, Serve::env()).exit_code == 0;
  });
  INFO("ingest:\n" << ingest.stderr_text());
  CHECK(recovered);
  CHECK(live_probe_posts() == 0);
}
