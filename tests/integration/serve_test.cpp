// `novafeed serve --with-ingest` on the real stack, over real HTTP: the served feed equals
// a recomputation of SPEC §3 from ClickHouse's raw rows; a like through the API moves a
// post; ClickHouse stopped → timeline, back → ranked without a restart; Kafka stopped →
// 503, back → the same batch accepted once; a table of bad requests → the right 4xx.

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>

#include <algorithm>
#include <chrono>
#include <future>
#include <cmath>
#include <fstream>
#include <map>
#include <set>
#include <thread>

#include <catch2/catch.hpp>
#include <pqxx/pqxx>
#include <nlohmann/json.hpp>

#include "core/auth/jwt.hpp"
#include "core/clickhouse/client.hpp"
#include "core/net/http_client.hpp"
#include "core/pg/connection.hpp"
#include "core/time/rfc3339.hpp"
#include "tests/support/eventually.hpp"
#include "tests/support/process.hpp"
#include "tests/support/run.hpp"
#include "tests/support/recompute_feed.hpp"
#include "tests/support/stack.hpp"
#include "tests/support/promtool.hpp"

namespace {

using json = nlohmann::json;
using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// "2026-11-23T12:00:00.123Z" → epoch ms.
int64_t parse_rfc3339_ms(const std::string& text) {
  const auto ms = nf::time::parse_rfc3339_ms(text);
  INFO("'" << text << "'");
  REQUIRE(ms.has_value());
  return *ms;
}

std::string token_for(uint64_t user) {
  return nf::auth::mint_token(nf::test::stack_jwt_secret(), user, now_ms() / 1000, 3600);
}

// The server under test, on a free port, with the in-process ingest (or without: a
// second instance beside the first).
enum class WithIngest { yes, no };
class Server {
 public:
  explicit Server(WithIngest with_ingest = WithIngest::yes) {
    port_ = nf::test::free_port();
    auto env = nf::test::stack_env();
    env["NOVAFEED_FEED_TRENDING_MEMO_MS"] = "0";  // trending recomputed per miss: the test recomputes it too
    env["NOVAFEED_INGEST_GROUP"] = "novafeed-serve-test";
    env["NOVAFEED_INGEST_BATCH_MS"] = "200";
    std::vector<std::string> args{"--log-level", "info", "-X", "session.timeout.ms=6000", "serve",
                                  "--listen", "127.0.0.1:" + std::to_string(port_)};
    if (with_ingest == WithIngest::yes) args.push_back("--with-ingest");
    process_ = std::make_unique<nf::test::BackgroundNovafeed>(args, env);
    if (!process_->wait_for_stderr("listening on", 30s)) FAIL("serve did not start:\n" + process_->stderr_text());
  }

  nf::net::HttpResponse request(const std::string& method, const std::string& path, const std::string& token,
                                const std::string& body = "",
                                std::vector<std::pair<std::string, std::string>> headers = {}) const {
    nf::net::HttpRequest request;
    request.method = method;
    request.url = "http://127.0.0.1:" + std::to_string(port_) + path;
    request.body = body;
    request.timeout_ms = 15000;
    request.headers = std::move(headers);
    if (!token.empty()) request.headers.emplace_back("Authorization", "Bearer " + token);
    if (!body.empty()) request.headers.emplace_back("Content-Type", "application/json");
    auto response = nf::net::perform(request);
    if (!response) FAIL("HTTP " + method + " " + path + " failed: " + response.error() + "\nserve stderr:\n" + log());
    return *response;
  }

  json get_json(const std::string& path, const std::string& token, long expect_status = 200) const {
    const auto response = request("GET", path, token);
    INFO(path << " -> " << response.status << " " << response.body);
    REQUIRE(response.status == expect_status);
    return json::parse(response.body);
  }

  int stop() { return process_->stop(SIGTERM, 20s); }
  std::string log() const { return process_->stderr_text(); }
  int port() const { return port_; }

 private:
  int port_ = 0;
  std::unique_ptr<nf::test::BackgroundNovafeed> process_;
};

// Deletes the cached feed in Redis. Serve keeps hits in memory and drops its copy when
// Redis's invalidation message arrives, a moment after the DEL: the pause covers it.
void drop_cached_feed(uint64_t user) {
  nf::test::redis_del("feed:v1:" + std::to_string(user));
  std::this_thread::sleep_for(250ms);
}

// A counter of serve's /metrics (0 when absent).
uint64_t metric(const std::string& metrics_text, const std::string& name) {
  const auto at = metrics_text.find("\n" + name + " ");
  if (at == std::string::npos) return 0;
  return static_cast<uint64_t>(std::stod(metrics_text.substr(at + name.size() + 2)));
}

using nf::test::eventually;

std::vector<nf::test::ExpectedItem> recompute_feed(uint64_t user, int64_t now_ms_value) {
  return nf::test::recompute_feed(nf::test::stack_clickhouse(), user, now_ms_value, nf::test::redis_get("hot:posts:24h"));
}

// True when every row PostgreSQL holds in posts, follows, likes and comments is live in
// ClickHouse with the same key and owner. (ClickHouse may hold more: rows other tests write
// straight into it; server and test read the same.)
bool clickhouse_has_postgres_rows(const nf::ch::Client& ch) {
  auto postgres = nf::pg::connect(nf::pg::settings_from(nf::test::stack_config()));
  pqxx::nontransaction tx(*postgres);
  const std::vector<std::tuple<std::string, std::string, std::string>> tables = {
      {"posts", "id", "author_id"}, {"follows", "follower_id", "followee_id"},
      {"likes", "user_id", "post_id"}, {"comments", "id", "post_id"}};
  for (const auto& [table, a, b] : tables) {
    std::string tuples;
    size_t rows = 0;
    for (const auto& row : tx.exec("SELECT " + a + ", " + b + " FROM " + table)) {
      tuples += (rows++ ? ",(" : "(") + row[0].as<std::string>() + "," + row[1].as<std::string>() + ")";
    }
    if (rows == 0) return false;
    const auto found = ch.query("SELECT count() AS n FROM " + table + " FINAL WHERE _deleted = 0 AND (" + a + ", " +
                                b + ") IN (" + tuples + ")");
    if (nf::ch::as_u64(found.at(0)["n"]) != rows) return false;
  }
  return true;
}

// Seeds small demo data ending now (a fresh seed number each run, so event ids are
// new), and waits until the in-process ingest has it all in ClickHouse.
void seed_and_wait_for_ingest(const Server& server) {
  const auto env = nf::test::stack_env();
  REQUIRE(nf::test::run_novafeed({"schema", "apply"}, env).exit_code == 0);
  const auto connector = nf::test::run_novafeed({"connectors", "apply", "--wait"}, env);
  INFO(connector.err);
  REQUIRE(connector.exit_code == 0);
  const int64_t start_s = now_ms() / 1000;
  const auto seed = nf::test::run_novafeed({"--json", "seed", "--scale", "small", "--truncate", "--seed",
                                            std::to_string(start_s % 1000000), "--now", std::to_string(start_s - 5)},
                                           env);
  INFO(seed.out << seed.err);
  REQUIRE(seed.exit_code == 0);
  const auto summary = json::parse(seed.out);
  const std::string prefix = "seed" + std::to_string(start_s % 1000000) + "-";
  const uint64_t events = summary["events"]["delivered"].get<uint64_t>();
  REQUIRE(events > 0);
  const auto ch = nf::test::stack_clickhouse();
  const bool caught_up = eventually(180s, [&] {
    const auto rows = ch.query("SELECT uniqExact(event_id) AS n FROM events WHERE startsWith(event_id, " +
                               nf::ch::quote(prefix) + ")");
    return nf::ch::as_u64(rows.at(0)["n"]) == events && clickhouse_has_postgres_rows(ch);
  });
  REQUIRE(caught_up);
  // The ingest unlinks the feeds its last flushes touched a second time,
  // ingest.reinvalidate_ms (3 s) later: a feed a test caches before that pass can vanish
  // between two reads (seen once in CI: user 17's second read was a miss).
  std::this_thread::sleep_for(std::chrono::milliseconds(nf::test::stack_config().get_int("ingest.reinvalidate_ms")) + 2s);
}

// promtool (Debian's prometheus package, installed by scripts/test). Missing: a failure
// under CI=true, a loud warning otherwise.
bool promtool_available() {
  if (std::system("command -v promtool >/dev/null 2>&1") == 0) return true;
  const char* ci = std::getenv("CI");
  if (ci && std::string(ci) == "true") FAIL("promtool is not installed (scripts/test installs Debian's prometheus)");
  WARN("promtool not installed: /metrics and the alert rules were NOT checked by promtool");
  return false;
}

}  // namespace

TEST_CASE("serve: on seeded data the feed equals a recomputation from raw rows, a like through the API moves a post",
          "[serve][clickhouse]") {
  if (!nf::test::require_stack()) return;
  Server server;
  seed_and_wait_for_ingest(server);

  // Several users, so follow, trending and affinity candidates all appear somewhere.
  size_t checked_items = 0;
  std::set<std::string> sources_seen;
  for (uint64_t user : {1, 2, 3, 17, 42}) {
    drop_cached_feed(user);
    const auto page = server.get_json("/api/v1/feed?limit=50", token_for(user));
    CHECK(page["algo"] == "ranked");
    CHECK(page["cached"] == false);
    CHECK(page["user_id"] == user);
    const auto computed_at = parse_rfc3339_ms(page["computed_at"].get<std::string>());
    const auto expected = recompute_feed(user, computed_at);
    const auto& items = page["items"];
    INFO("user " << user << " served " << items.dump());
    REQUIRE(items.size() == expected.size());
    for (size_t i = 0; i < expected.size(); ++i) {
      INFO("position " << i);
      CHECK(items[i]["post_id"].get<uint64_t>() == expected[i].post_id);
      CHECK(items[i]["source"] == expected[i].source);
      CHECK(items[i]["score"].get<double>() == Approx(expected[i].score).epsilon(1e-9));
      sources_seen.insert(expected[i].source);
    }
    checked_items += expected.size();

    // The second read is the cached list, the same items.
    const auto again = server.get_json("/api/v1/feed?limit=50", token_for(user));
    CHECK(again["cached"] == true);
    CHECK(again["items"] == items);
  }
  CHECK(checked_items > 50);
  CHECK(sources_seen.count("follow") == 1);
  CHECK(sources_seen.count("trending") == 1);

  SECTION("paging: limit 20 pages the cached list with next_cursor, null at its end") {
    const uint64_t user = 1;
    const auto all = server.get_json("/api/v1/feed?limit=50", token_for(user));
    json paged = json::array();
    std::string path = "/api/v1/feed?limit=20";
    for (int pages = 0; pages < 5; ++pages) {
      const auto page = server.get_json(path, token_for(user));
      for (const auto& item : page["items"]) paged.push_back(item);
      if (page["next_cursor"].is_null()) break;
      path = "/api/v1/feed?limit=20&cursor=" + nf::net::url_encode(page["next_cursor"].get<std::string>());
    }
    CHECK(paged == all["items"]);
  }

  SECTION("concurrent misses of one user rank once and get the same answer") {
    const auto rankings = [&server] {
      const auto body = server.request("GET", "/metrics", "").body;
      const std::string name = "\nnovafeed_feed_rankings_total ";
      const auto at = body.find(name);
      REQUIRE(at != std::string::npos);
      return std::stoull(body.substr(at + name.size()));
    };
    const uint64_t user = 3;
    drop_cached_feed(user);
    const auto before = rankings();
    // The threads only make requests: Catch's assertions (INFO, REQUIRE, also inside
    // Server::request and token_for) are not thread-safe, and 8 threads using them at once
    // corrupted the heap (CI, once: "double free or corruption"). Judged here, after.
    const std::string token = token_for(user);
    const std::string url = "http://127.0.0.1:" + std::to_string(server.port()) + "/api/v1/feed?limit=50";
    std::vector<std::future<tl::expected<nf::net::HttpResponse, std::string>>> answers;
    for (int i = 0; i < 8; ++i)
      answers.push_back(std::async(std::launch::async, [&] {
        nf::net::HttpRequest request;
        request.url = url;
        request.timeout_ms = 15000;
        request.headers = {{"Authorization", "Bearer " + token}};
        return nf::net::perform(request);
      }));
    std::vector<json> pages;
    for (auto& answer : answers) {
      const auto response = answer.get();
      REQUIRE(response);
      INFO(response->body);
      REQUIRE(response->status == 200);
      pages.push_back(json::parse(response->body));
    }
    CHECK(rankings() - before == 1);
    for (const auto& page : pages) {
      CHECK(page["algo"] == "ranked");
      CHECK(page["items"] == pages.front()["items"]);
      CHECK(page["computed_at"] == pages.front()["computed_at"]);
    }
  }

  SECTION("two instances keep hits in memory; a followee's new post makes both stop serving the stale page") {
    Server second(WithIngest::no);
    // A user who follows someone, and one of their followees.
    uint64_t user = 0, followee = 0;
    {
      auto postgres = nf::pg::connect(nf::pg::settings_from(nf::test::stack_config()));
      pqxx::nontransaction tx(*postgres);
      const auto row = tx.exec("SELECT follower_id, followee_id FROM follows ORDER BY follower_id, followee_id LIMIT 1");
      REQUIRE(row.size() == 1);
      user = row[0][0].as<uint64_t>();
      followee = row[0][1].as<uint64_t>();
    }
    drop_cached_feed(user);
    const auto stale = server.get_json("/api/v1/feed?limit=20", token_for(user));
    REQUIRE(stale["algo"] == "ranked");
    const auto in_process_hits = [](const Server& instance) {
      return metric(instance.request("GET", "/metrics", "").body, "novafeed_feed_in_process_hits_total");
    };
    // Each instance reads the value from Redis once, then answers from memory.
    for (const Server* instance : {&server, &second}) {
      const auto before = in_process_hits(*instance);
      for (int i = 0; i < 3; ++i) {
        const auto page = instance->get_json("/api/v1/feed?limit=20", token_for(user));
        CHECK(page["cached"] == true);
        CHECK(page["computed_at"] == stale["computed_at"]);
        CHECK(page["items"] == stale["items"]);
      }
      CHECK(in_process_hits(*instance) - before >= 2);
    }

    // The followee posts; ingest (in the first instance) deletes the followers' cached
    // feeds in Redis, and Redis tells both instances.
    const uint64_t post = 900000000 + static_cast<uint64_t>(now_ms() % 1000000);
    {
      auto postgres = nf::pg::connect(nf::pg::settings_from(nf::test::stack_config()));
      pqxx::work tx(*postgres);
      tx.exec_params("INSERT INTO posts (id, author_id, caption) VALUES ($1, $2, 'two instances')", post, followee);
      tx.commit();
    }
    std::map<const Server*, json> fresh;
    const bool both_fresh = eventually(60s, [&] {
      for (const Server* instance : {&server, &second}) {
        if (fresh.count(instance)) continue;
        auto page = instance->get_json("/api/v1/feed?limit=20", token_for(user));
        if (page["computed_at"] != stale["computed_at"]) fresh[instance] = std::move(page);
      }
      return fresh.size() == 2;
    });
    INFO(server.log());
    REQUIRE(both_fresh);
    // Fresh is right: each answer equals SPEC §3 recomputed at its time, so it holds the
    // new post exactly when the ranking puts it in the first 20.
    for (const auto& [instance, page] : fresh) {
      const auto expected = recompute_feed(user, parse_rfc3339_ms(page["computed_at"].get<std::string>()));
      const auto& items = page["items"];
      REQUIRE(items.size() == std::min<size_t>(20, expected.size()));
      for (size_t i = 0; i < items.size(); ++i) CHECK(items[i]["post_id"].get<uint64_t>() == expected[i].post_id);
    }
    {
      auto postgres = nf::pg::connect(nf::pg::settings_from(nf::test::stack_config()));
      pqxx::work tx(*postgres);
      tx.exec_params("DELETE FROM posts WHERE id = $1", post);
      tx.commit();
    }
    CHECK(second.stop() == 0);
  }

  SECTION("likes posted through the API reach ClickHouse and move the post up after invalidation") {
    // Ingest resolves a like's author in PostgreSQL, and the stack's ClickHouse may also
    // hold posts PostgreSQL no longer has (written straight into it by other tests, or
    // left by an earlier run). So: the first
    // user whose feed has a PostgreSQL post below its top, and the lowest-ranked such post.
    std::set<uint64_t> in_postgres;
    {
      auto postgres = nf::pg::connect(nf::pg::settings_from(nf::test::stack_config()));
      pqxx::nontransaction tx(*postgres);
      for (const auto& row : tx.exec("SELECT id FROM posts WHERE deleted_at IS NULL"))
        in_postgres.insert(row[0].as<uint64_t>());
    }
    uint64_t user = 0;
    json before;
    size_t target_at = 0;
    for (uint64_t candidate = 1; candidate <= 200 && target_at < 2; ++candidate) {
      drop_cached_feed(candidate);
      before = server.get_json("/api/v1/feed?limit=50", token_for(candidate));
      target_at = before["items"].size();
      while (target_at > 0 && !in_postgres.count(before["items"][target_at - 1]["post_id"].get<uint64_t>()))
        --target_at;
      user = candidate;
    }
    INFO("user " << user << " feed " << before["items"].dump());
    REQUIRE(target_at > 1);
    const auto& target = before["items"][target_at - 1];
    const uint64_t post = target["post_id"].get<uint64_t>();
    const uint64_t author = target["author_id"].get<uint64_t>();
    const double score_before = target["score"].get<double>();

    // Likes by 20 other users (u's own like would make the post "seen" and remove it).
    const std::string run = std::to_string(now_ms());
    std::vector<std::string> ids;
    for (uint64_t liker = 100; ids.size() < 20; ++liker) {
      if (liker == user || liker == author) continue;
      const std::string id = "serve-test-like-" + run + "-" + std::to_string(liker);
      const json batch = json::array({{{"event_id", id}, {"post_id", post}, {"action", "like"}, {"ts", now_ms()}}});
      const auto response = server.request("POST", "/api/v1/events", token_for(liker), batch.dump());
      INFO(response.body);
      REQUIRE(response.status == 202);
      CHECK(json::parse(response.body)["accepted"] == 1);
      ids.push_back(id);
    }
    const auto ch = nf::test::stack_clickhouse();
    const bool in_clickhouse = eventually(60s, [&] {
      return nf::ch::as_u64(ch.query("SELECT uniqExact(event_id) AS n FROM events WHERE startsWith(event_id, " +
                                     nf::ch::quote("serve-test-like-" + run) + ")")
                                .at(0)["n"]) == ids.size();
    });
    INFO(server.log());
    REQUIRE(in_clickhouse);

    // Until the cached list expires or is invalidated, the feed stays as it was.
    CHECK(server.get_json("/api/v1/feed?limit=50", token_for(user))["cached"] == true);
    drop_cached_feed(user);
    const auto after = server.get_json("/api/v1/feed?limit=50", token_for(user));
    const auto& items = after["items"];
    const auto it = std::find_if(items.begin(), items.end(), [&](const json& i) { return i["post_id"] == post; });
    REQUIRE(it != items.end());
    CHECK((*it)["score"].get<double>() > score_before);
    CHECK(static_cast<size_t>(it - items.begin()) < target_at - 1);
    // And it is still exactly SPEC §3.
    const auto expected = recompute_feed(user, parse_rfc3339_ms(after["computed_at"].get<std::string>()));
    REQUIRE(items.size() == expected.size());
    for (size_t i = 0; i < expected.size(); ++i) CHECK(items[i]["post_id"].get<uint64_t>() == expected[i].post_id);
  }

  CHECK(server.stop() == 0);
}

TEST_CASE("serve: Redis stopped -> no page is served from memory (changes could be missed), back -> hits from memory "
          "again", "[serve][clickhouse]") {
  if (!nf::test::require_stack()) return;
  Server server;
  const uint64_t user = 2;
  const auto in_process_hits = [&server] {
    return metric(server.request("GET", "/metrics", "").body, "novafeed_feed_in_process_hits_total");
  };
  const auto hits_from_memory = [&] {
    server.get_json("/api/v1/feed?limit=20", token_for(user));  // read from Redis (or ranked) and kept
    const auto before = in_process_hits();
    const auto page = server.get_json("/api/v1/feed?limit=20", token_for(user));
    return page["cached"] == true && in_process_hits() == before + 1;
  };
  drop_cached_feed(user);
  REQUIRE(eventually(30s, hits_from_memory));

  {
    nf::test::StoppedService redis_down("redis");
    // Within moments the watch is lost: the copies go, and every request is computed
    // without the cache (SPEC §4) rather than answered from a memory nobody can vouch for.
    const bool from_scratch = eventually(10s, [&] {
      return server.get_json("/api/v1/feed?limit=20", token_for(user))["cached"] == false;
    });
    CHECK(from_scratch);
    const auto during = in_process_hits();
    for (int i = 0; i < 3; ++i) CHECK(server.get_json("/api/v1/feed?limit=20", token_for(user))["cached"] == false);
    CHECK(in_process_hits() == during);
    REQUIRE(redis_down.start_again() == 0);
  }
  // The watch comes back by itself (retried every second): hits from memory again.
  CHECK(eventually(30s, hits_from_memory));
  CHECK(server.stop() == 0);
}

TEST_CASE("serve: ClickHouse stopped -> timeline within the timeout, started again -> ranked without a restart",
          "[serve][clickhouse]") {
  if (!nf::test::require_stack()) return;
  Server server;
  const uint64_t user = 1;
  drop_cached_feed(user);
  REQUIRE(server.get_json("/api/v1/feed", token_for(user))["algo"] == "ranked");

  nf::test::StoppedService clickhouse_down("clickhouse");
  for (int i = 0; i < 5; ++i) {  // enough to open the breaker, and every answer is 200
    drop_cached_feed(user);
    const auto started = Clock::now();
    const auto page = server.get_json("/api/v1/feed", token_for(user));
    const auto elapsed = Clock::now() - started;
    CHECK(page["algo"] == "timeline");
    CHECK(elapsed < 2500ms);  // clickhouse.timeout_ms is 2 s; a refused connection is much faster
  }
  const auto ready = server.request("GET", "/readyz", "");
  CHECK(ready.status == 200);  // PostgreSQL still answers the feed
  CHECK(json::parse(ready.body)["dependencies"]["clickhouse"]["state"] == "down");

  REQUIRE(clickhouse_down.start_again() == 0);
  const bool ranked_again = eventually(60s, [&] {
    drop_cached_feed(user);
    return server.get_json("/api/v1/feed", token_for(user))["algo"] == "ranked";
  });
  INFO(server.log());
  CHECK(ranked_again);
  CHECK(server.stop() == 0);
}

TEST_CASE("serve: Kafka stopped 30 s -> POST /events answers 503 with Retry-After, Kafka back -> the same batch is "
          "accepted once, CDC resumes by itself and doctor sees the pipeline healthy", "[serve][clickhouse]") {
  if (!nf::test::require_stack()) return;
  Server server;
  const uint64_t user = 7;
  const std::string run = std::to_string(now_ms());
  json batch = json::array();
  for (int i = 0; i < 10; ++i)
    batch.push_back({{"event_id", "serve-test-kafka-" + run + "-" + std::to_string(i)},
                     {"post_id", 1 + i},
                     {"action", "view"},
                     {"ts", now_ms()},
                     {"dwell_ms", 1200}});

  {
    nf::test::StoppedService kafka_down("kafka");
    const auto started = Clock::now();
    const auto stopped_at = started;
    const auto refused = server.request("POST", "/api/v1/events", token_for(user), batch.dump());
    INFO(refused.body);
    CHECK(refused.status == 503);
    CHECK(!refused.header("retry-after").empty());
    CHECK(json::parse(refused.body)["error"]["code"] == "kafka_unavailable");
    CHECK(Clock::now() - started < 10s);
    // An outage of 30 s: long past the Connect worker's 3 s before it revokes its tasks.
    std::this_thread::sleep_until(stopped_at + 30s);
    REQUIRE(kafka_down.start_again() == 0);
  }
  // CDC resumes by itself (no restart of anything): a row written in PostgreSQL after
  // the outage reaches ClickHouse within 60 s. (Before the worker's
  // task.shutdown.graceful.timeout.ms, Debezium's task was abandoned mid-outage and its
  // orphan kept the replication slot for good: docs/connectors.md, "After a Kafka outage".)
  const uint64_t probe_user = 880000000 + static_cast<uint64_t>(now_ms() % 1000000);
  {
    auto postgres = nf::pg::connect(nf::pg::settings_from(nf::test::stack_config()));
    pqxx::work tx(*postgres);
    tx.exec_params("INSERT INTO users (id, username) VALUES ($1, $2)", probe_user,
                   "serve-test-after-kafka-" + std::to_string(probe_user));
    tx.commit();
  }
  const bool cdc_resumed = eventually(60s, [&] {
    const auto rows = nf::test::stack_clickhouse().query("SELECT count() AS n FROM users WHERE id = " +
                                                         std::to_string(probe_user));
    return nf::ch::as_u64(rows.at(0)["n"]) == 1;
  });
  INFO(server.log());
  CHECK(cdc_resumed);
  {
    auto postgres = nf::pg::connect(nf::pg::settings_from(nf::test::stack_config()));
    pqxx::work tx(*postgres);
    tx.exec_params("DELETE FROM users WHERE id = $1", probe_user);
    tx.commit();
  }
  CHECK(nf::test::run_novafeed({"connectors", "status"}, nf::test::stack_env()).exit_code == 0);
  // And doctor sees a healthy pipeline again, by itself: Kafka, the topics, the connector
  // and its task, the slot (not stalled), this server's ingest group's lag. (Not the jobs:
  // none run in this test, so their records may be stale from earlier tests.)
  auto doctor_env = nf::test::stack_env();
  doctor_env["NOVAFEED_INGEST_GROUP"] = "novafeed-serve-test";
  json doctor_checks;
  const bool doctor_healthy = eventually(60s, [&] {
    const auto doctor = nf::test::run_novafeed({"--json", "doctor"}, doctor_env);
    doctor_checks = json::parse(doctor.out, nullptr, false);
    if (!doctor_checks.is_array()) return false;
    for (const char* name : {"kafka", "topics", "connect", "connector", "slot", "lag"}) {
      bool ok = false;
      for (const auto& check : doctor_checks)
        if (check["name"] == name) ok = check["status"] == "ok" || (std::string(name) == "lag" && check["status"] == "warn");
      if (!ok) return false;
    }
    return true;
  }, 1000ms);
  INFO("doctor --json: " << doctor_checks.dump(2));
  CHECK(doctor_healthy);

  // The client retries the same batch until Kafka takes it: accepted whole, once.
  json accepted;
  const bool took = eventually(90s, [&] {
    const auto response = server.request("POST", "/api/v1/events", token_for(user), batch.dump());
    if (response.status != 202) return false;
    accepted = json::parse(response.body);
    return true;
  });
  INFO(server.log());
  REQUIRE(took);
  CHECK(accepted["accepted"] == 10);
  CHECK(accepted["duplicates"] == 0);
  const auto repeat = json::parse(server.request("POST", "/api/v1/events", token_for(user), batch.dump()).body);
  CHECK(repeat["accepted"] == 0);
  CHECK(repeat["duplicates"] == 10);

  const auto ch = nf::test::stack_clickhouse();
  const bool counted_once = eventually(90s, [&] {
    const auto row = ch.query("SELECT uniqExact(event_id) AS n FROM events WHERE startsWith(event_id, " +
                              nf::ch::quote("serve-test-kafka-" + run) + ")");
    return nf::ch::as_u64(row.at(0)["n"]) == 10;
  });
  CHECK(counted_once);
  // The aggregate is written by the materialized view in the same INSERT; on 26.7 it was
  // once seen empty right after the events were counted (a retried INSERT whose first try
  // wrote `events` but failed in the view?), so it gets the same patience. A lost row
  // still fails.
  const bool aggregated = eventually(30s, [&] {
    const auto per_post = ch.query("SELECT uniqExactMerge(events) AS n FROM post_metrics_1h WHERE post_id = 1 AND "
                                   "action = 'view' AND hour >= toStartOfHour(now() - INTERVAL 2 HOUR)");
    return nf::ch::as_u64(per_post.at(0)["n"]) >= 1;
  });
  CHECK(aggregated);
  CHECK(server.stop() == 0);
}

TEST_CASE("serve: each bad request gets its 4xx and the server keeps serving", "[serve][clickhouse]") {
  if (!nf::test::require_stack()) return;
  Server server;
  const uint64_t user = 3;
  const auto good = token_for(user);
  const auto expired = nf::auth::mint_token(nf::test::stack_jwt_secret(), user, now_ms() / 1000 - 7200, 60);
  const auto forged = nf::auth::mint_token("not-the-server-secret-not-the-server-secret", user, now_ms() / 1000, 3600);
  json too_many = json::array();
  for (int i = 0; i < 101; ++i)
    too_many.push_back({{"event_id", "x" + std::to_string(i)}, {"post_id", 1}, {"action", "view"}, {"ts", now_ms()}});
  const json unknown_action =
      json::array({{{"event_id", "bad-action"}, {"post_id", 1}, {"action", "poke"}, {"ts", now_ms()}}});
  const std::string huge(300 * 1024, 'x');

  struct Case {
    std::string name, method, path, token, body;
    long status;
    std::string code;
    std::vector<std::pair<std::string, std::string>> headers = {};
  };
  const std::vector<Case> cases = {
      {"malformed JSON", "POST", "/api/v1/events", good, "{\"events\": [", 400, "invalid_json"},
      {"101 events", "POST", "/api/v1/events", good, too_many.dump(), 400, "too_many_events"},
      {"unknown action", "POST", "/api/v1/events", good, unknown_action.dump(), 400, "invalid_events"},
      {"body over 256 KiB", "POST", "/api/v1/events", good, huge, 413, "body_too_large"},
      {"missing JWT", "GET", "/api/v1/feed", "", "", 401, "missing_token"},
      {"expired JWT", "GET", "/api/v1/feed", expired, "", 401, "expired_token"},
      {"forged JWT", "GET", "/api/v1/feed", forged, "", 401, "bad_signature"},
      {"garbage JWT", "GET", "/api/v1/feed", "abc.def", "", 401, "malformed_token"},
      {"limit 0", "GET", "/api/v1/feed?limit=0", good, "", 400, "invalid_limit"},
      {"limit 10^9", "GET", "/api/v1/feed?limit=1000000000", good, "", 400, "invalid_limit"},
      {"limit not a number", "GET", "/api/v1/feed?limit=ten", good, "", 400, "invalid_limit"},
      {"garbage cursor", "GET", "/api/v1/feed?cursor=!!garbage!!", good, "", 400, "invalid_cursor"},
      {"bad %-escape in the query", "GET", "/api/v1/feed?cursor=%%%garbage", good, "", 400, "bad_target"},
      {"garbage base64 cursor", "GET", "/api/v1/feed?cursor=bm90LWEtY3Vyc29y", good, "", 400, "invalid_cursor"},
      {"unknown trending window", "GET", "/api/v1/feed/trending?window=2h", good, "", 400, "invalid_window"},
      {"unknown path", "GET", "/api/v1/nothing-here", good, "", 404, "not_found"},
      {"unknown method", "DELETE", "/api/v1/feed", good, "", 405, "method_not_allowed"},
      {"events by GET", "GET", "/api/v1/events", good, "", 405, "method_not_allowed"},
  };
  for (const auto& c : cases) {
    INFO(c.name);
    const auto response = server.request(c.method, c.path, c.token, c.body, c.headers);
    INFO(response.status << " " << response.body);
    CHECK(response.status == c.status);
    const auto body = json::parse(response.body, nullptr, false);
    REQUIRE(!body.is_discarded());
    CHECK(body["error"]["code"] == c.code);
    CHECK(!body["error"]["message"].get<std::string>().empty());
    // The server keeps serving after each one.
    CHECK(server.request("GET", "/healthz", "").status == 200);
  }

  // Headers over the limit: 431, and still serving.
  const auto big_header = server.request("GET", "/api/v1/feed", good, "", {{"X-Padding", std::string(16 * 1024, 'p')}});
  CHECK(big_header.status == 431);
  CHECK(server.request("GET", "/healthz", "").status == 200);

  // The metrics endpoints saw all of it.
  const auto prometheus = server.request("GET", "/metrics", "");
  CHECK(prometheus.status == 200);
  CHECK(prometheus.body.find("novafeed_http_requests_total") != std::string::npos);
  // Prometheus's own linter agrees with the exposition, and with the example alert rules
  // (which name these metrics).
  if (promtool_available()) {
    const auto metrics_check = nf::test::run_promtool("check metrics", prometheus.body);
    INFO(metrics_check.second);
    CHECK(metrics_check.first == 0);
    const auto rules_check = nf::test::run_promtool("check rules " + nf::test::source_dir() + "/examples/monitoring/novafeed-rules.yml", "");
    INFO(rules_check.second);
    CHECK(rules_check.first == 0);
  }
  const auto today = server.get_json("/api/v1/feed/metrics", "");
  CHECK(today["requests"].get<uint64_t>() >= cases.size());
  CHECK(server.stop() == 0);
}
