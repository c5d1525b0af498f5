// novafeed on a real Redis in cluster mode (SPEC §7: "Redis keys stay valid on Redis
// Cluster"): Debian's redis-server with --cluster-enabled yes, all 16384 slots on one node
// (tests/support/redis_cluster_server.hpp). Such a node refuses every command whose keys
// are in different slots (CROSSSLOT) and every SELECT but database 0, and counts each error
// reply it sends (INFO errorstats). Through the real binary, on the real stack otherwise:
// serve --with-ingest --with-jobs, feeds missed, hit and paged, events with duplicates, a
// post by an author with 1,500 followers (their cached feeds UNLINKed), a follow and an
// unfollow, the hot-posts, suggested-users and feed-warmer jobs and their endpoints,
// latency, doctor; then the SCAN + UNLINK that seed --truncate and the ingest's truncate
// use to drop caches. Every answer is checked, and the node must have sent no error reply.
//
// ClickHouse is a database of this test's own (ScratchClickHouse), filled by serve's
// in-process ingest from the CDC of rows this test writes to the stack's PostgreSQL (ids
// 7.3e9 + …, unique per run) and from its events, which go through Kafka topics of the
// run's own (events and both dead-letter topics); its consumer group starts at the CDC
// topics' end. The stack's Redis is not touched.

#include <catch2/catch.hpp>

#include <signal.h>

#include <chrono>
#include <set>
#include <thread>

#include <nlohmann/json.hpp>
#include <pqxx/pqxx>

#include "core/auth/jwt.hpp"
#include "core/clickhouse/client.hpp"
#include "core/error/error.hpp"
#include "core/events/dedup.hpp"
#include "core/ingest/ingest_loop.hpp"
#include "core/net/http_client.hpp"
#include "core/pg/connection.hpp"
#include "core/redis/client.hpp"
#include "core/redis/keys.hpp"
#include "core/time/clock.hpp"
#include "tests/support/consumer_group.hpp"
#include "tests/support/eventually.hpp"
#include "tests/support/kafka_topics.hpp"
#include "tests/support/process.hpp"
#include "tests/support/redis_cluster_server.hpp"
#include "tests/support/run.hpp"
#include "tests/support/scratch_clickhouse.hpp"
#include "tests/support/stack.hpp"

namespace {

using json = nlohmann::json;
using namespace std::chrono_literals;
using nf::test::eventually;

using nf::time::now_ms;

// 7.3e9 + 10,000 ids per run (by the clock): far above the seeded ids and the other tests' ranges.
uint64_t unique_base() { return 7'300'000'000ULL + static_cast<uint64_t>(now_ms() % 100'000) * 10'000; }

constexpr uint64_t kFollowers = 1500;  // more than one pipelined round of UNLINKs (1,000)

std::string token_for(uint64_t user) {
  return nf::auth::mint_token(nf::test::stack_jwt_secret(), user, now_ms() / 1000, 3600);
}

// The Kafka topics of one run: its events and both dead-letter topics (the CDC topics are
// the connector's), so its ingest neither reads nor dead-letters another test's messages.
struct RunTopics {
  explicit RunTopics(const std::string& run)
      : events(run + "-events"), events_dlq(run + "-events-dlq"), cdc_dlq(run + "-cdc-dlq"),
        scratch({events, events_dlq, cdc_dlq}, 3) {}
  std::string events, events_dlq, cdc_dlq;
  nf::test::ScratchTopics scratch;
};

// The stack with Redis swapped for the cluster node, ClickHouse for the scratch database
// and the events path for the run's topics.
std::map<std::string, std::string> cluster_env(const nf::test::RedisClusterServer& redis,
                                               const nf::test::ScratchClickHouse& clickhouse, const std::string& group,
                                               const RunTopics& topics) {
  auto env = nf::test::stack_env();
  env["NOVAFEED_REDIS_URL"] = redis.url();  // database 0 also for the ch26 runs: a cluster has no other
  env["NOVAFEED_CLICKHOUSE_DATABASE"] = clickhouse.database();
  env["NOVAFEED_KAFKA_EVENTS_TOPIC"] = topics.events;
  env["NOVAFEED_INGEST_EVENTS_DLQ_TOPIC"] = topics.events_dlq;
  env["NOVAFEED_INGEST_CDC_DLQ_TOPIC"] = topics.cdc_dlq;
  env["NOVAFEED_INGEST_GROUP"] = group;
  env["NOVAFEED_INGEST_BATCH_MS"] = "200";
  env["NOVAFEED_FEED_TRENDING_MEMO_MS"] = "0";
  env["NOVAFEED_INGEST_REINVALIDATE_MS"] = "1000";  // settle() waits out the second pass
  return env;
}

class Server {
 public:
  explicit Server(const std::map<std::string, std::string>& env) {
    port_ = nf::test::free_port();
    process_ = std::make_unique<nf::test::BackgroundNovafeed>(
        std::vector<std::string>{"--log-level", "info", "-X", "session.timeout.ms=6000", "serve", "--listen",
                                 "127.0.0.1:" + std::to_string(port_), "--with-ingest", "--with-jobs"},
        env);
    if (!process_->wait_for_stderr("listening on", 30s)) FAIL("serve did not start:\n" + process_->stderr_text());
    if (!process_->wait_for_stderr("ingest: assigned", 60s)) FAIL("serve's ingest got no partitions:\n" + log());
    if (!process_->wait_for_stderr("cache watch of feed:v1:*: listening on Redis channel", 30s)) FAIL("serve does not watch Redis:\n" + log());
  }

  nf::net::HttpResponse request(const std::string& method, const std::string& path, uint64_t user,
                                const std::string& body = "") const {
    nf::net::HttpRequest request;
    request.method = method;
    request.url = "http://127.0.0.1:" + std::to_string(port_) + path;
    request.body = body;
    request.timeout_ms = 15000;
    request.headers.emplace_back("Authorization", "Bearer " + token_for(user));
    if (!body.empty()) request.headers.emplace_back("Content-Type", "application/json");
    auto response = nf::net::perform(request);
    if (!response) FAIL("HTTP " + method + " " + path + " failed: " + response.error() + "\nserve stderr:\n" + log());
    return *response;
  }

  json get(const std::string& path, uint64_t user) const {
    const auto response = request("GET", path, user);
    INFO("GET " << path << " as " << user << " -> " << response.status << " " << response.body);
    REQUIRE(response.status == 200);
    return json::parse(response.body);
  }

  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  int stop() { return process_->stop(SIGTERM, 30s); }
  std::string log() const {
    const auto text = process_->stderr_text();
    return text.size() > 6000 ? text.substr(text.size() - 6000) : text;
  }

 private:
  int port_ = 0;
  std::unique_ptr<nf::test::BackgroundNovafeed> process_;
};

std::set<uint64_t> ids_of(const json& items, const std::string& source = "") {
  std::set<uint64_t> ids;
  for (const auto& item : items)
    if (source.empty() || item.at("source") == source) ids.insert(item.at("post_id").get<uint64_t>());
  return ids;
}

uint64_t count_of(const nf::ch::Client& clickhouse, const std::string& sql) {
  return nf::ch::as_u64(clickhouse.query(sql).at(0).at("n"));
}

void pg_exec(pqxx::connection& pg, const std::string& sql) {
  pqxx::work tx(pg);
  tx.exec(sql);
  tx.commit();
}

// `novafeed jobs run <job> --once`, again while another instance holds the job (exit 4).
json run_job(const std::map<std::string, std::string>& env, const std::string& job) {
  nf::test::RunResult result;
  eventually(60s, [&] {
    result = nf::test::run_novafeed({"--json", "jobs", "run", job, "--once"}, env);
    return result.exit_code != 4;
  }, 1000ms);
  INFO("jobs run " << job << " --once: exit " << result.exit_code << "\n" << result.out << result.err);
  REQUIRE(result.exit_code == 0);
  return json::parse(result.out);
}

// How many of `keys` exist, by one EXISTS per key (pipelined: valid on a cluster).
size_t existing(nf::redis::Connection& redis, const std::vector<std::string>& keys) {
  std::vector<std::vector<std::string>> commands;
  for (const auto& key : keys) commands.push_back({"EXISTS", key});
  size_t n = 0;
  for (const auto& reply : redis.pipeline(commands)) n += reply->type == REDIS_REPLY_INTEGER ? reply->integer : 0;
  return n;
}

// Past the ingest's second invalidation pass (ingest.reinvalidate_ms = 1000 here): a feed
// cached after this is removed only by a later change.
void settle() { std::this_thread::sleep_for(1500ms); }

// Every error reply the node sent, for the failure message.
std::string describe_errors(const std::map<std::string, long>& errors) {
  std::string text;
  for (const auto& [kind, count] : errors) text += kind + "=" + std::to_string(count) + " ";
  return text.empty() ? "none" : text;
}

}  // namespace

TEST_CASE("redis cluster: serve, ingest, jobs and doctor on a cluster-mode Redis answer right and get no error reply, "
          "no CROSSSLOT",
          "[redis][clickhouse]") {
  if (!nf::test::require_stack()) return;
  const auto applied = nf::test::run_novafeed({"schema", "apply", "--target", "postgres"}, nf::test::stack_env());
  INFO(applied.out << applied.err);
  REQUIRE(applied.exit_code == 0);
  const auto connector =
      nf::test::run_novafeed({"connectors", "apply", "--wait", "--timeout", "120s"}, nf::test::stack_env());
  INFO(connector.out << connector.err);
  REQUIRE(connector.exit_code == 0);

  nf::test::RedisClusterServer redis_cluster;
  nf::test::ScratchClickHouse scratch("nf_redis_cluster_test");
  const auto ch = scratch.client();
  const uint64_t base = unique_base();
  const std::string group = "redis-cluster-test-" + std::to_string(base);
  const RunTopics run_topics(group);
  const auto env = cluster_env(redis_cluster, scratch, group, run_topics);
  std::vector<std::string> topics = {run_topics.events};
  for (const auto& [topic, route] : nf::ingest::routes_for(nf::test::stack_config(), "cdc")) topics.push_back(topic);
  nf::test::start_group_at_end(group, topics);
  auto redis = redis_cluster.connect();
  INFO("cluster Redis log:\n" << redis_cluster.log_tail(1500));

  // The world: an author with 1,500 followers, a stranger who follows the first follower and
  // likes a post of someone else.
  const uint64_t author = base + 1, first = base + 100, stranger = base + 2, other = base + 3;
  const uint64_t last = first + kFollowers - 1, liked_post = base + 12;
  const std::string b = std::to_string(base);
  auto pg = nf::pg::connect(nf::pg::settings_from(nf::test::stack_config()));
  struct WorldRemoved {
    pqxx::connection& pg;
    std::string from, to;
    ~WorldRemoved() {
      try {
        pg_exec(pg, "DELETE FROM follows WHERE follower_id BETWEEN " + from + " AND " + to);
        pg_exec(pg, "DELETE FROM posts WHERE author_id BETWEEN " + from + " AND " + to);
        pg_exec(pg, "DELETE FROM users WHERE id BETWEEN " + from + " AND " + to);
      } catch (const std::exception& e) {
        WARN(std::string("could not remove the redis cluster test's rows: ") + e.what());
      }
    }
  } removed{*pg, b, std::to_string(base + 9999)};

  Server server(env);
  pg_exec(*pg, "INSERT INTO users (id, username) SELECT g, 'rc-' || g FROM generate_series(" + b + ", " +
                   std::to_string(last) + ") g");
  pg_exec(*pg, "INSERT INTO follows (follower_id, followee_id) SELECT g, " + std::to_string(author) +
                   " FROM generate_series(" + std::to_string(first) + ", " + std::to_string(last) + ") g");
  pg_exec(*pg, "INSERT INTO follows (follower_id, followee_id) VALUES (" + std::to_string(stranger) + ", " +
                   std::to_string(first) + ")");
  pg_exec(*pg, "INSERT INTO posts (id, author_id, caption) VALUES (" + std::to_string(base + 10) + ", " +
                   std::to_string(author) + ", 'redis cluster one')");
  pg_exec(*pg, "INSERT INTO posts (id, author_id, caption) VALUES (" + std::to_string(liked_post) + ", " +
                   std::to_string(other) + ", 'redis cluster liked')");
  const uint64_t post1 = base + 10, post2 = base + 11;
  REQUIRE(eventually(90s, [&] {
    return count_of(ch, "SELECT count() AS n FROM follows FINAL WHERE followee_id = " + std::to_string(author)) ==
               kFollowers &&
           count_of(ch, "SELECT count() AS n FROM posts FINAL WHERE id IN (" + std::to_string(post1) + ", " +
                               std::to_string(liked_post) + ")") == 2;
  }));
  settle();  // the flushes that inserted them also invalidated (nothing cached yet), twice

  {  // feeds: a miss, hits, pages
    // A miss, then hits, paged one item at a time through the cached list.
    const json miss = server.get("/api/v1/feed?limit=50", first);
    CHECK(miss["cached"] == false);
    CHECK(miss["algo"] == "ranked");
    CHECK(ids_of(miss["items"], "follow") == std::set<uint64_t>{post1});
    for (const auto& item : miss["items"])
      if (item["source"] == "follow") CHECK(item["author_id"] == author);
    CHECK(redis.command({"EXISTS", nf::redis::feed_key(first)})->integer == 1);  // landed in the cluster node
    const json hit = server.get("/api/v1/feed?limit=50", first);
    CHECK(hit["cached"] == true);
    CHECK(hit["items"] == miss["items"]);
    json paged = json::array();
    std::string cursor;
    for (int page = 0; page < 60; ++page) {
      const json one = server.get("/api/v1/feed?limit=1" + (cursor.empty() ? "" : "&cursor=" + cursor), first);
      CHECK(one["cached"] == true);
      for (const auto& item : one["items"]) paged.push_back(item);
      if (one["next_cursor"].is_null()) break;
      cursor = one["next_cursor"].get<std::string>();
    }
    CHECK(paged == miss["items"]);
  }

  {  // events
    // A batch with a repeated id, then the same batch again: each event_id counts once.
    json batch = json::array();
    for (const char* id : {"a", "b", "a"})
      batch.push_back({{"event_id", "rc-" + b + "-" + id}, {"post_id", liked_post}, {"action", "like"}, {"ts", now_ms()}});
    const auto once = server.request("POST", "/api/v1/events", stranger, batch.dump());
    INFO(once.body);
    REQUIRE(once.status == 202);
    CHECK(json::parse(once.body)["accepted"] == 2);
    CHECK(json::parse(once.body)["duplicates"] == 1);
    const auto again = server.request("POST", "/api/v1/events", stranger, batch.dump());
    INFO(again.body);
    REQUIRE(again.status == 202);
    CHECK(json::parse(again.body)["accepted"] == 0);
    CHECK(json::parse(again.body)["duplicates"] == 3);
    // Marked once, in the set of the generation the request fell in (or the one before,
    // when the window turned between the request and this check).
    const auto keys = nf::events::dedup_keys(stranger, now_ms(), 3600);
    CHECK(redis.command({"SISMEMBER", keys.current, "rc-" + b + "-a"})->integer +
              redis.command({"SISMEMBER", keys.previous, "rc-" + b + "-a"})->integer ==
          1);
    const bool counted = eventually(60s, [&] {
      return count_of(ch, "SELECT uniqExact(event_id) AS n FROM events WHERE user_id = " + std::to_string(stranger)) == 2;
    });
    INFO(server.log());
    CHECK(counted);
  }

  {  // a post by an author with 1,500 followers
    // Every follower's feed cached (three really, the others planted), then the author
    // posts: the ingest UNLINKs 1,500 keys of as many slots.
    std::vector<std::string> keys;
    std::vector<std::vector<std::string>> plant;
    for (uint64_t user = first; user <= last; ++user) {
      keys.push_back(nf::redis::feed_key(user));
      if (user > first + 2) plant.push_back({"SET", keys.back(), "[]", "EX", "300"});
    }
    redis.pipeline(plant);
    for (uint64_t user = first; user <= first + 2; ++user) server.get("/api/v1/feed?limit=50", user);
    REQUIRE(existing(redis, keys) == kFollowers);
    const auto unlinks_before = redis_cluster.command_calls()["unlink"];
    pg_exec(*pg, "INSERT INTO posts (id, author_id, caption) VALUES (" + std::to_string(post2) + ", " +
                     std::to_string(author) + ", 'redis cluster two')");
    size_t left = kFollowers;
    eventually(60s, [&] { return (left = existing(redis, keys)) == 0; });
    INFO(left << " followers' feeds still cached\n" << server.log());
    CHECK(left == 0);
    CHECK(redis_cluster.command_calls()["unlink"] - unlinks_before >= static_cast<long>(kFollowers));
    // Their next requests are misses with the new post (serve's copies in memory went too).
    REQUIRE(eventually(60s, [&] {
      return count_of(ch, "SELECT count() AS n FROM posts FINAL WHERE id = " + std::to_string(post2)) == 1;
    }));
    for (uint64_t user = first; user <= first + 2; ++user) {
      const json after = server.get("/api/v1/feed?limit=50", user);
      CHECK(after["cached"] == false);
      CHECK(ids_of(after["items"], "follow") == std::set<uint64_t>{post1, post2});
    }
  }

  {  // jobs
    // hot-posts and suggested-users write their lists into the cluster node; serve reads them.
    run_job(env, "hot-posts");
    CHECK(redis.command({"EXISTS", "hot:posts:24h"})->integer == 1);
    const json trending = server.get("/api/v1/feed/trending?window=24h&limit=200", stranger);
    CHECK(trending["cached"] == true);
    const auto trending_ids = ids_of(trending["items"]);
    CHECK(trending_ids.count(post1) == 1);
    CHECK(trending_ids.count(post2) == 1);

    // The stranger is active (their events) and follows the first follower, who follows the
    // author: the author is a friend of a friend.
    const json suggested_run = run_job(env, "suggested-users");
    INFO(suggested_run.dump());
    CHECK(redis.command({"EXISTS", "suggest:users:" + std::to_string(stranger)})->integer == 1);
    const json suggested = server.get("/api/v1/discover/suggested-users?limit=20", stranger);
    CHECK(suggested["cached"] == true);
    std::set<uint64_t> users;
    for (const auto& item : suggested["items"]) users.insert(item["user_id"].get<uint64_t>());
    CHECK(users.count(author) == 1);

    run_job(env, "feed-warmer");  // TTL per key, pipelined
  }

  {  // a follow and an unfollow
    const std::string key = nf::redis::feed_key(stranger);
    const json before = server.get("/api/v1/feed?limit=50", stranger);
    CHECK(ids_of(before["items"], "follow").empty());
    REQUIRE(redis.command({"EXISTS", key})->integer == 1);
    pg_exec(*pg, "INSERT INTO follows (follower_id, followee_id) VALUES (" + std::to_string(stranger) + ", " +
                     std::to_string(author) + ")");
    CHECK(eventually(60s, [&] { return redis.command({"EXISTS", key})->integer == 0; }));
    REQUIRE(eventually(60s, [&] {
      return count_of(ch, "SELECT count() AS n FROM follows FINAL WHERE follower_id = " + std::to_string(stranger) +
                              " AND followee_id = " + std::to_string(author) + " AND _deleted = 0") == 1;
    }));
    const json following = server.get("/api/v1/feed?limit=50", stranger);
    CHECK(following["cached"] == false);
    CHECK(ids_of(following["items"], "follow") == std::set<uint64_t>{post1, post2});
    settle();
    server.get("/api/v1/feed?limit=50", stranger);
    REQUIRE(redis.command({"EXISTS", key})->integer == 1);

    pg_exec(*pg, "DELETE FROM follows WHERE follower_id = " + std::to_string(stranger) +
                     " AND followee_id = " + std::to_string(author));
    CHECK(eventually(60s, [&] { return redis.command({"EXISTS", key})->integer == 0; }));
    REQUIRE(eventually(60s, [&] {
      return count_of(ch, "SELECT count() AS n FROM follows FINAL WHERE follower_id = " + std::to_string(stranger) +
                              " AND followee_id = " + std::to_string(author) + " AND _deleted = 0") == 0;
    }));
    const json unfollowed = server.get("/api/v1/feed?limit=50", stranger);
    CHECK(unfollowed["cached"] == false);
    CHECK(ids_of(unfollowed["items"], "follow").empty());
  }

  {  // latency: probes through this pipeline, their feeds read from serve (cached in the cluster node)
    const auto latency = nf::test::run_novafeed(
        {"--json", "latency", "--samples", "3", "--gate", "p95=10s", "--api", server.url()}, env);
    INFO("latency: exit " << latency.exit_code << "\n" << latency.out << latency.err << "\nserve:\n" << server.log());
    REQUIRE(latency.exit_code == 0);
    const json report = json::parse(latency.out);
    CHECK(report["passed"] == true);
    for (const auto& path : report["paths"]) CHECK(path["failed"] == 0);
  }

  {  // doctor
    const auto doctor = nf::test::run_novafeed({"--json", "doctor"}, env);
    const json checks = json::parse(doctor.out, nullptr, false);
    INFO("doctor: exit " << doctor.exit_code << "\n" << doctor.out << doctor.err);
    REQUIRE(checks.is_array());
    bool redis_ok = false;
    for (const auto& check : checks)
      if (check["name"] == "redis")
        redis_ok = check["status"] == "ok" &&
                   check["detail"].get<std::string>().find(":" + std::to_string(redis_cluster.port()) + "/0") !=
                       std::string::npos;
    CHECK(redis_ok);
  }

  CHECK(server.stop() == 0);
  const auto errors = redis_cluster.error_counts();
  INFO("error replies of the cluster node: " << describe_errors(errors));
  CHECK(errors.count("CROSSSLOT") == 0);
  CHECK(errors.empty());
}

TEST_CASE("redis cluster: the SCAN and UNLINK that seed --truncate and a truncate's cache drop use delete every "
          "novafeed key, and only those, with no error reply",
          "[redis]") {
  nf::test::RedisClusterServer redis_cluster;
  auto redis = redis_cluster.connect();
  std::vector<std::vector<std::string>> plant;
  for (uint64_t user = 1; user <= 3000; ++user) {
    plant.push_back({"SET", nf::redis::feed_key(user), "[]"});
    plant.push_back({"SET", "suggest:users:" + std::to_string(user), "{}"});
    plant.push_back({"SADD", "dedup:events:{" + std::to_string(user) + "}:490244", "e"});
  }
  for (const char* window : {"1h", "24h", "7d"}) plant.push_back({"SET", std::string("hot:posts:") + window, "{}"});
  plant.push_back({"SET", "someone-else:1", "kept"});
  redis.pipeline(plant);

  size_t deleted = 0;
  for (const auto& pattern : nf::redis::novafeed_key_patterns()) deleted += nf::redis::unlink_matching(redis, pattern);
  CHECK(deleted == 3 * 3000 + 3);
  CHECK(redis.command({"DBSIZE"})->integer == 1);
  CHECK(redis.command({"EXISTS", "someone-else:1"})->integer == 1);
  const auto errors = redis_cluster.error_counts();
  INFO("error replies of the cluster node: " << describe_errors(errors));
  CHECK(errors.empty());
}

TEST_CASE("redis cluster: redis.url with a database other than 0 is a usage error that says to use /0", "[redis]") {
  if (!nf::test::require_stack()) return;  // for doctor's other checks
  nf::test::RedisClusterServer redis_cluster;
  auto settings = redis_cluster.settings();
  settings.endpoint.db = 1;
  try {
    nf::redis::Connection connection(settings);
    FAIL("SELECT 1 on a cluster node was taken");
  } catch (const nf::Error& e) {
    CHECK(e.code() == nf::ExitCode::usage);
    CHECK_THAT(e.what(), Catch::Contains("database 0 only") &&
                             Catch::Contains("redis://127.0.0.1:" + std::to_string(redis_cluster.port()) + "/0"));
  }
  // doctor names it the same way.
  auto env = nf::test::stack_env();
  env["NOVAFEED_REDIS_URL"] = "redis://127.0.0.1:" + std::to_string(redis_cluster.port()) + "/1";
  const auto doctor = nf::test::run_novafeed({"--json", "doctor"}, env);
  const json checks = json::parse(doctor.out, nullptr, false);
  INFO("doctor: exit " << doctor.exit_code << "\n" << doctor.out << doctor.err);
  REQUIRE(checks.is_array());
  bool named = false;
  for (const auto& check : checks)
    if (check["name"] == "redis")
      named = check["status"] != "ok" && check.dump().find("database 0 only") != std::string::npos;
  CHECK(named);
}
