// `novafeed jobs` on the real stack, through the real binary: each job's output equals an
// independent recomputation from ClickHouse's raw rows; a job never runs twice at once
// (a held lock → exit 4 naming the holder; a SIGKILLed holder frees it at once); two
// `serve --with-jobs` instances run each job once per interval, never overlapping, and
// the survivor takes over when the leader is killed.
//
// The jobs read a ClickHouse database of their own (JobsWorld), so their lists hold
// exactly the rows planted here and those rows never reach another test's feed; planted
// ids are a private range per run (8e12 + …) all the same.

#include <catch2/catch.hpp>

#include <signal.h>

#include <chrono>
#include <cmath>
#include <fstream>
#include <map>
#include <set>
#include <thread>

#include <nlohmann/json.hpp>
#include <pqxx/pqxx>

#include "core/auth/jwt.hpp"
#include "core/clickhouse/client.hpp"
#include "core/ingest/event_counts.hpp"
#include "core/net/http_client.hpp"
#include "core/pg/connection.hpp"
#include "core/retention/policy.hpp"
#include "tests/support/eventually.hpp"
#include "tests/support/process.hpp"
#include "tests/support/recompute_feed.hpp"
#include "tests/support/recompute_trending.hpp"
#include "tests/support/run.hpp"
#include "tests/support/scratch_clickhouse.hpp"
#include "tests/support/slow_proxy.hpp"
#include "tests/support/stack.hpp"

namespace {

using json = nlohmann::json;
using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;
using nf::test::BackgroundNovafeed;

int64_t wall_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

uint64_t unique_base() { return 8'000'000'000'000ULL + static_cast<uint64_t>(wall_ms() % 1'000'000'000) * 1000; }

// The jobs' world: the stack, with a ClickHouse database of its own and PostgreSQL's
// schema applied (job_runs). The Redis lists the jobs write are removed at the end, so no
// later test reads lists of this database instead of its own.
class JobsWorld {
 public:
  JobsWorld() : scratch_("nf_jobs_test"), env_(nf::test::stack_env()) {
    env_["NOVAFEED_CLICKHOUSE_DATABASE"] = scratch_.database();
    const auto applied = run({"schema", "apply", "--target", "postgres"});
    INFO(applied.out << applied.err);
    REQUIRE(applied.exit_code == 0);
  }
  ~JobsWorld() {
    for (const char* window : {"1h", "24h", "7d"}) nf::test::redis_del(std::string("hot:posts:") + window);
  }
  JobsWorld(const JobsWorld&) = delete;
  JobsWorld& operator=(const JobsWorld&) = delete;

  const std::map<std::string, std::string>& env() const { return env_; }
  nf::ch::Client clickhouse() const { return scratch_.client(); }
  nf::test::RunResult run(const std::vector<std::string>& args) const { return nf::test::run_novafeed(args, env_); }
  json run_json(const std::vector<std::string>& args, int expected_exit) const {
    const auto result = run(args);
    INFO("novafeed " << args.back() << ": exit " << result.exit_code << "\nstdout: " << result.out
                     << "\nstderr: " << result.err);
    REQUIRE(result.exit_code == expected_exit);
    return json::parse(result.out);
  }

 private:
  nf::test::ScratchClickHouse scratch_;
  std::map<std::string, std::string> env_;
};

std::unique_ptr<pqxx::connection> postgres() { return nf::pg::connect(nf::pg::settings_from(nf::test::stack_config())); }

std::string at(int64_t seconds) { return "toDateTime(" + std::to_string(seconds) + ")"; }

void insert_post(const nf::ch::Client& ch, uint64_t id, uint64_t author, int64_t created_s) {
  ch.execute("INSERT INTO posts (id, author_id, caption, created_at, updated_at, _version, _deleted) VALUES (" +
             std::to_string(id) + ", " + std::to_string(author) + ", 'jobs test', " + at(created_s) + ", " +
             at(created_s) + ", 1, 0)");
}

void insert_user(const nf::ch::Client& ch, uint64_t id) {
  ch.execute("INSERT INTO users (id, username, display_name, created_at, updated_at, _version, _deleted) VALUES (" +
             std::to_string(id) + ", 'jt" + std::to_string(id) + "', '', now(), now(), 1, 0)");
}

void insert_follow(const nf::ch::Client& ch, uint64_t follower, uint64_t followee) {
  ch.execute("INSERT INTO follows (follower_id, followee_id, created_at, updated_at, _version, _deleted) VALUES (" +
             std::to_string(follower) + ", " + std::to_string(followee) + ", now(), now(), 1, 0)");
}

// `count` events of `action` by `user` on `post` at `ts_s`, with fresh ids.
void insert_events(const nf::ch::Client& ch, uint64_t user, uint64_t post, uint64_t author, const std::string& action,
                   int64_t ts_s, int count) {
  std::string rows;
  for (int i = 0; i < count; ++i)
    rows += "{\"event_id\":\"jt-" + std::to_string(post) + "-" + std::to_string(user) + "-" + action + "-" +
            std::to_string(i) + "\",\"user_id\":" + std::to_string(user) + ",\"post_id\":" + std::to_string(post) +
            ",\"author_id\":" + std::to_string(author) + ",\"action\":\"" + action + "\",\"ts\":" + std::to_string(ts_s) +
            ",\"dwell_ms\":0}\n";
  ch.insert("events", "JSONEachRow", rows);
  // Counted as the ingest counts them (post_counts, user_author_counts: schema 0006).
  ch.execute(nf::ingest::count_stored_events_sql("post_id = " + std::to_string(post) + " AND event_id LIKE 'jt-" +
                                                 std::to_string(post) + "-" + std::to_string(user) +
                                                 "-" + action + "-%'"));
}


// `serve` on a free port (with the jobs' schedule when asked).
class Server {
 public:
  Server(const JobsWorld& world, bool with_jobs, std::map<std::string, std::string> extra_env = {}) {
    port_ = nf::test::free_port();
    auto env = world.env();
    for (auto& [k, v] : extra_env) env[k] = v;
    std::vector<std::string> args = {"--log-level", "info", "serve", "--listen", "127.0.0.1:" + std::to_string(port_)};
    if (with_jobs) args.push_back("--with-jobs");
    process_ = std::make_unique<BackgroundNovafeed>(args, env);
    if (!process_->wait_for_stderr("listening on", 30s)) FAIL("serve did not start:\n" + process_->stderr_text());
  }
  json get(const std::string& path, uint64_t user) const {
    nf::net::HttpRequest request;
    request.url = "http://127.0.0.1:" + std::to_string(port_) + path;
    request.timeout_ms = 15000;
    request.headers.emplace_back("Authorization",
                                 "Bearer " + nf::auth::mint_token(nf::test::stack_jwt_secret(), user, wall_ms() / 1000, 3600));
    const auto response = nf::net::perform(request);
    REQUIRE(response);
    INFO(path << " -> " << response->status << " " << response->body);
    REQUIRE(response->status == 200);
    return json::parse(response->body);
  }
  // GET without a token (/metrics, /healthz): the body.
  std::string get_text(const std::string& path) const {
    nf::net::HttpRequest request;
    request.url = "http://127.0.0.1:" + std::to_string(port_) + path;
    request.timeout_ms = 15000;
    const auto response = nf::net::perform(request);
    REQUIRE(response);
    REQUIRE(response->status == 200);
    return response->body;
  }
  BackgroundNovafeed& process() { return *process_; }

 private:
  int port_ = 0;
  std::unique_ptr<BackgroundNovafeed> process_;
};

template <typename Done>
bool eventually(std::chrono::milliseconds timeout, Done done) {
  return nf::test::eventually(timeout, done, 200ms);
}

struct Run {
  int64_t id;
  std::string instance;
  double started_s, finished_s;  // epoch seconds; finished 0 while running
  std::string result;
};

// The runs of `job` that started after `since_s` (epoch seconds), oldest first.
std::vector<Run> runs_of(const std::string& job, double since_s) {
  auto connection = postgres();
  pqxx::nontransaction tx(*connection);
  std::vector<Run> runs;
  for (const auto& row : tx.exec_params(
           "SELECT id, host || ':' || pid, extract(epoch FROM started_at)::float8, "
           "coalesce(extract(epoch FROM finished_at)::float8, 0), result FROM job_runs "
           "WHERE job = $1 AND started_at > to_timestamp($2) ORDER BY started_at, id",
           job, since_s))
    runs.push_back({row[0].as<int64_t>(), row[1].c_str(), row[2].as<double>(), row[3].as<double>(), row[4].c_str()});
  return runs;
}

double database_now_s() {
  auto connection = postgres();
  pqxx::nontransaction tx(*connection);
  return tx.exec1("SELECT extract(epoch FROM now())::float8")[0].as<double>();
}

}  // namespace

TEST_CASE("jobs: hot-posts writes trending(W) of every window, equal to a recomputation, and serve answers it cached",
          "[jobs][clickhouse]") {
  if (!nf::test::require_stack()) return;
  JobsWorld world;
  const auto ch = world.clickhouse();
  const uint64_t base = unique_base();
  const int64_t now_s = wall_ms() / 1000;
  // One post per window edge: 10 min (all windows), 5 h (24h, 7d), 3 days (7d), 9 days (none).
  insert_post(ch, base + 1, base + 101, now_s - 600);
  insert_post(ch, base + 2, base + 102, now_s - 5 * 3600);
  insert_post(ch, base + 3, base + 103, now_s - 3 * 86400);
  insert_post(ch, base + 4, base + 104, now_s - 9 * 86400);
  for (uint64_t p = 1; p <= 4; ++p) {
    insert_events(ch, base + 500, base + p, base + 100 + p, "like", now_s - 60, 40);  // far above seeded posts
    insert_events(ch, base + 501, base + p, base + 100 + p, "impression", now_s - 60, 5);
  }

  const auto report = world.run_json({"--json", "jobs", "run", "hot-posts", "--once"}, 0);
  REQUIRE(report["runs"].size() == 1);
  CHECK(report["runs"][0]["result"] == "ok");
  CHECK(report["runs"][0]["rows"] == 3);

  std::map<std::string, json> lists;
  for (const auto& [window, hours] : std::vector<std::pair<std::string, int64_t>>{{"1h", 1}, {"24h", 24}, {"7d", 168}}) {
    const auto value = nf::test::redis_get("hot:posts:" + window);
    REQUIRE(value.has_value());
    const auto list = json::parse(*value);
    lists[window] = list;
    CHECK(list["window"] == window);
    const auto expected = nf::test::recompute_trending(ch, hours, list["computed_at_ms"].get<int64_t>());
    INFO("window " << window);
    REQUIRE(list["items"].size() == expected.size());
    for (size_t i = 0; i < expected.size(); ++i) {
      INFO("position " << i);
      CHECK(list["items"][i]["post_id"].get<uint64_t>() == expected[i].post_id);
      CHECK(std::abs(list["items"][i]["trend"].get<double>() - expected[i].trend) < 1e-9);
    }
    std::set<uint64_t> ids;
    for (const auto& item : list["items"]) ids.insert(item["post_id"].get<uint64_t>());
    CHECK(ids.count(base + 1) == 1);  // 10 minutes old: in every window
    CHECK(ids.count(base + 2) == (hours >= 24 ? 1u : 0u));
    CHECK(ids.count(base + 3) == (hours >= 168 ? 1u : 0u));
    CHECK(ids.count(base + 4) == 0);  // 9 days old: in none
  }

  // serve reads the lists instead of recomputing them.
  Server server(world, false);
  const auto served = server.get("/api/v1/feed/trending?window=24h&limit=200", base + 500);
  CHECK(served["cached"] == true);
  CHECK(served["computed_at_ms"] == lists["24h"]["computed_at_ms"]);
  REQUIRE(served["items"].size() == lists["24h"]["items"].size());
  for (size_t i = 0; i < served["items"].size(); ++i)
    CHECK(served["items"][i]["post_id"] == lists["24h"]["items"][i]["post_id"]);
}

TEST_CASE("jobs: suggested-users writes each active user's list: a planted friend of friends, never the user or a "
          "followee",
          "[jobs][clickhouse]") {
  if (!nf::test::require_stack()) return;
  JobsWorld world;
  const auto ch = world.clickhouse();
  const uint64_t base = unique_base();
  const uint64_t u = base + 1, f1 = base + 2, f2 = base + 3, fof = base + 4, followed = base + 5, author = base + 6,
                 quiet = base + 7;
  for (uint64_t id = base + 1; id <= base + 7; ++id) insert_user(ch, id);
  // u follows f1, f2 and `followed`; f1 and f2 both follow `fof` (2 mutual follows), f1
  // also follows `followed` (already followed: never suggested) and u itself (never).
  for (const auto followee : {f1, f2, followed}) insert_follow(ch, u, followee);
  for (const auto& [a, b] : std::vector<std::pair<uint64_t, uint64_t>>{{f1, fof}, {f2, fof}, {f1, followed}, {f1, u}})
    insert_follow(ch, a, b);
  // u is active (events in the last hour) and likes `author`'s post twice (affinity);
  // `quiet` follows f1 too but has no events: not active, no list.
  insert_follow(ch, quiet, f1);
  const int64_t now_s = wall_ms() / 1000;
  insert_post(ch, base + 50, author, now_s - 3600);
  insert_events(ch, u, base + 50, author, "like", now_s - 120, 2);
  nf::test::redis_del("suggest:users:" + std::to_string(quiet));

  const auto report = world.run_json({"--json", "jobs", "run", "suggested-users", "--once"}, 0);
  CHECK(report["runs"][0]["result"] == "ok");
  CHECK(report["runs"][0]["facts"]["written"].get<uint64_t>() >= 1);

  const auto value = nf::test::redis_get("suggest:users:" + std::to_string(u));
  REQUIRE(value.has_value());
  const auto list = json::parse(*value);
  INFO(list.dump(2));
  CHECK(list["user_id"] == u);
  std::map<uint64_t, json> by_id;
  for (const auto& item : list["items"]) by_id[item["user_id"].get<uint64_t>()] = item;
  REQUIRE(by_id.count(fof) == 1);
  CHECK(by_id[fof]["mutual_follows"] == 2);
  CHECK(by_id[fof]["reason"] == "friends_of_friends");
  REQUIRE(by_id.count(author) == 1);
  CHECK(by_id[author]["interactions"] == 2);
  for (const auto never : {u, f1, f2, followed}) CHECK(by_id.count(never) == 0);
  CHECK_FALSE(nf::test::redis_get("suggest:users:" + std::to_string(quiet)).has_value());
}

TEST_CASE("jobs: feed-warmer caches the most active users' feeds, equal to a recomputation, and they are hits",
          "[jobs][clickhouse]") {
  if (!nf::test::require_stack()) return;
  JobsWorld world;
  const auto ch = world.clickhouse();
  const uint64_t base = unique_base();
  const int64_t now_s = wall_ms() / 1000;
  // Three active users (events in the last hour: 21, 31, 41), each following an
  // author with fresh posts, so their feeds hold follow, trending and affinity posts.
  const std::vector<uint64_t> users = {base + 1, base + 2, base + 3};
  for (size_t i = 0; i < users.size(); ++i) {
    const uint64_t author = base + 100 + i;
    insert_follow(ch, users[i], author);
    for (int p = 0; p < 3; ++p) insert_post(ch, base + 1000 + i * 10 + p, author, now_s - 600 * (p + 1));
    insert_events(ch, users[i], base + 1000 + i * 10, author, "like", now_s - 300, 1);
    insert_events(ch, users[i], base + 1000 + i * 10 + 1, author, "impression", now_s - 300, 20 + 10 * static_cast<int>(i));
  }
  for (const auto user : users) nf::test::redis_del("feed:v1:" + std::to_string(user));
  REQUIRE(world.run({"jobs", "run", "hot-posts", "--once"}).exit_code == 0);  // F2 from the list, as serve reads it

  // The two most active: users[2] and users[1], not users[0] (fewest events).
  const std::vector<std::string> warm = {"--json", "--set", "jobs.feed_warmer_users=2", "jobs", "run", "feed-warmer",
                                         "--once"};
  const auto report = world.run_json(warm, 0);
  INFO(report.dump(2));
  CHECK(report["runs"][0]["result"] == "ok");
  CHECK(report["runs"][0]["facts"]["active_users"].get<int>() >= 3);  // looked at: up to 4 per feed of the budget
  CHECK(report["runs"][0]["facts"]["needing_warmth"] == 2);           // the budget
  CHECK(report["runs"][0]["facts"]["warmed"] == 2);
  CHECK(report["runs"][0]["facts"]["recent_posts_read"].get<int>() >= 9);  // one engagement read for both feeds
  CHECK_FALSE(nf::test::redis_get("feed:v1:" + std::to_string(users[0])).has_value());

  Server server(world, false);
  std::map<uint64_t, json> first_computed_at;
  for (const auto user : {users[1], users[2]}) {
    INFO("user " << user);
    const auto value = nf::test::redis_get("feed:v1:" + std::to_string(user));
    REQUIRE(value.has_value());
    const auto cached = json::parse(*value);
    first_computed_at[user] = cached["computed_at"];
    const auto expected = nf::test::recompute_feed(ch, user, cached["computed_at"].get<int64_t>(),
                                                   nf::test::redis_get("hot:posts:24h"));
    std::string expected_text;
    for (const auto& item : expected) expected_text += std::to_string(item.post_id) + " " + item.source + ", ";
    INFO("cached: " << cached.dump() << "\nexpected: " << expected_text);
    REQUIRE(cached["items"].size() == expected.size());
    REQUIRE_FALSE(expected.empty());
    for (size_t i = 0; i < expected.size(); ++i) {
      CHECK(cached["items"][i]["post_id"].get<uint64_t>() == expected[i].post_id);
      CHECK(cached["items"][i]["source"] == expected[i].source);
      CHECK(std::abs(cached["items"][i]["score"].get<double>() - expected[i].score) < 1e-9);
    }
    const auto page = server.get("/api/v1/feed?limit=50", user);
    CHECK(page["cached"] == true);
    CHECK(page["algo"] == "ranked");
    CHECK(page["items"].size() == expected.size());
  }

  // A second run finds them warm and leaves them alone (its budget goes to the next most
  // active users whose feed is cold: whoever else is active on this stack; the choice is
  // unit-tested in tests/unit/jobs/feed_warmer_test.cpp).
  const auto again = world.run_json(warm, 0);
  INFO(again.dump(2));
  CHECK(again["runs"][0]["result"] == "ok");
  CHECK(again["runs"][0]["facts"]["still_warm"].get<int>() >= 2);
  CHECK(again["runs"][0]["facts"]["warmed"].get<int>() <= 2);
  for (const auto& [user, computed_at] : first_computed_at) {
    const auto value = nf::test::redis_get("feed:v1:" + std::to_string(user));
    REQUIRE(value.has_value());
    CHECK(json::parse(*value)["computed_at"] == computed_at);  // not recomputed
  }

  // Users on the timeline side of the canary are served the timeline: none is warmed.
  for (const auto user : users) nf::test::redis_del("feed:v1:" + std::to_string(user));
  const auto canary = world.run_json({"--json", "--set", "feed.ranked_percent=0", "--set", "jobs.feed_warmer_users=2",
                                      "jobs", "run", "feed-warmer", "--once"},
                                     0);
  INFO(canary.dump(2));
  CHECK(canary["runs"][0]["result"] == "ok");
  CHECK(canary["runs"][0]["facts"]["active_users"] == 0);
  CHECK(canary["runs"][0]["facts"]["warmed"] == 0);
  for (const auto user : users) CHECK_FALSE(nf::test::redis_get("feed:v1:" + std::to_string(user)).has_value());
}

TEST_CASE("jobs: retention drops expired partitions where a table has no TTL and checks the TTL where it has one",
          "[jobs][clickhouse]") {
  if (!nf::test::require_stack()) return;
  JobsWorld world;
  const auto report = world.run_json({"--json", "jobs", "run", "retention", "--once"}, 0);
  INFO(report.dump(2));
  const auto& run = report["runs"][0];
  CHECK(run["result"] == "ok");
  const bool ttl = nf::ch::features_of(world.clickhouse().server_version()).ttl;
  REQUIRE(run["facts"]["tables"].size() == nf::retention::default_policies().size());
  for (const auto& table : run["facts"]["tables"]) CHECK(table["method"] == (ttl ? "ttl_in_place" : "drop_partitions"));
}

TEST_CASE("jobs: a job never runs twice at once: a held lock gives exit 4 naming the holder, a SIGKILLed holder frees "
          "it at once",
          "[jobs][clickhouse]") {
  if (!nf::test::require_stack()) return;
  JobsWorld world;

  SECTION("a lock held elsewhere: skipped, one line naming the holder, exit 4") {
    auto holder = postgres();
    pqxx::nontransaction tx(*holder);
    tx.exec("SET application_name = 'novafeed jobs test-holder:4242'");
    REQUIRE(tx.exec1("SELECT pg_try_advisory_lock(28262, 1)")[0].as<bool>());  // hot-posts' lock
    const auto skipped = world.run({"jobs", "run", "hot-posts", "--once"});
    CHECK(skipped.exit_code == 4);
    CHECK(skipped.out.empty());
    CHECK_THAT(skipped.err, Catch::StartsWith("hot-posts: skipped, running on test-holder:4242"));
    CHECK(std::count(skipped.err.begin(), skipped.err.end(), '\n') == 1);
    const auto as_json = world.run({"--json", "jobs", "run", "hot-posts", "--once"});
    CHECK(as_json.exit_code == 4);
    CHECK(json::parse(as_json.out)["runs"][0]["held_by"]["instance"] == "test-holder:4242");
    // `all`: the others run, so something was done: exit 0, the skip still said.
    const auto all = world.run({"--set", "jobs.feed_warmer_users=1", "jobs", "run", "all", "--once"});
    CHECK(all.exit_code == 0);
    CHECK_THAT(all.err, Catch::Contains("hot-posts: skipped"));
    const auto status = json::parse(world.run({"--json", "jobs", "status"}).out);
    CHECK(status["jobs"][0]["job"] == "hot-posts");
    CHECK(status["jobs"][0]["lock_held_by"]["instance"] == "test-holder:4242");
    tx.exec("SELECT pg_advisory_unlock(28262, 1)");
    CHECK(world.run({"jobs", "run", "hot-posts", "--once"}).exit_code == 0);
  }

  SECTION("two runs at once: the second is skipped naming the first; the first SIGKILLed: the next runs at once") {
    // The first run reaches ClickHouse through a proxy holding each request 2 s, so it is
    // certainly still running when the second starts.
    const std::string ch_url = nf::test::clickhouse_target().url;
    nf::test::SlowProxy proxy(std::stoi(ch_url.substr(ch_url.rfind(':') + 1)), 2000ms);
    const double since = database_now_s() - 1;
    BackgroundNovafeed first({"--set", "clickhouse.url=http://127.0.0.1:" + std::to_string(proxy.port()), "jobs",
                              "run", "hot-posts", "--once"},
                             world.env());
    REQUIRE(eventually(10s, [&] {
      const auto runs = runs_of("hot-posts", since);
      return !runs.empty() && runs.back().result == "running";
    }));
    const auto second = world.run({"jobs", "run", "hot-posts", "--once"});
    CHECK(second.exit_code == 4);
    CHECK_THAT(second.err, Catch::StartsWith("hot-posts: skipped, running on ") &&
                               Catch::Contains(":" + std::to_string(first.pid()) + " since "));

    const std::string first_instance_suffix = ":" + std::to_string(first.pid());
    CHECK(first.stop(SIGKILL, 10s) == 128 + SIGKILL);
    const auto started = Clock::now();
    const auto third = world.run({"--json", "jobs", "run", "hot-posts", "--once"});
    INFO(third.err);
    CHECK(third.exit_code == 0);
    CHECK(Clock::now() - started < 10s);  // no waiting for a timeout: the lock went with the session
    CHECK(json::parse(third.out)["runs"][0]["abandoned_runs_marked"] == 1);
    const auto runs = runs_of("hot-posts", since);
    REQUIRE(runs.size() >= 2);
    for (const auto& run : runs)
      if (run.instance.ends_with(first_instance_suffix)) CHECK(run.result == "abandoned");
    CHECK(runs.back().result == "ok");
  }
}

TEST_CASE("jobs: two serve --with-jobs instances run each job once per interval, never overlapping, and the other "
          "takes over when the leader is killed",
          "[jobs][clickhouse]") {
  if (!nf::test::require_stack()) return;
  JobsWorld world;
  // Short intervals, so a minute shows many of them.
  const std::map<std::string, std::string> env = {
      {"NOVAFEED_JOBS_HOT_POSTS_1H_INTERVAL_S", "3"},  {"NOVAFEED_JOBS_HOT_POSTS_24H_INTERVAL_S", "3"},
      {"NOVAFEED_JOBS_HOT_POSTS_7D_INTERVAL_S", "3"},  {"NOVAFEED_JOBS_SUGGESTED_USERS_INTERVAL_S", "5"},
      {"NOVAFEED_JOBS_FEED_WARMER_INTERVAL_S", "3"},   {"NOVAFEED_JOBS_FEED_WARMER_USERS", "20"},
      {"NOVAFEED_JOBS_RETENTION_INTERVAL_S", "8"},     {"NOVAFEED_JOBS_POLL_S", "1"}};
  const std::map<std::string, double> interval = {
      {"hot-posts", 3}, {"suggested-users", 5}, {"feed-warmer", 3}, {"retention", 8}};
  const double since = database_now_s();
  Server a(world, true, env), b(world, true, env);
  std::this_thread::sleep_for(40s);

  for (const auto& [job, seconds] : interval) {
    INFO("job " << job);
    const auto runs = runs_of(job, since);
    CHECK(runs.size() >= static_cast<size_t>(30 / seconds));
    std::set<std::string> instances;
    for (size_t i = 0; i < runs.size(); ++i) {
      instances.insert(runs[i].instance);
      if (runs[i].result != "running") CHECK(runs[i].result == "ok");
      if (i == 0) continue;
      INFO("runs " << runs[i - 1].id << " and " << runs[i].id);
      CHECK(runs[i].started_s - runs[i - 1].started_s >= seconds - 0.01);  // once per interval, by the database's clock
      CHECK(runs[i].started_s >= runs[i - 1].finished_s);                   // never two at once
      CHECK(runs[i - 1].finished_s > 0);
    }
  }

  // Kill the instance that ran hot-posts last: the other one takes it over.
  const auto before = runs_of("hot-posts", since);
  REQUIRE_FALSE(before.empty());
  const std::string leader = before.back().instance;
  auto& leader_server = leader.ends_with(":" + std::to_string(a.process().pid())) ? a : b;
  auto& survivor = &leader_server == &a ? b : a;
  REQUIRE(leader.ends_with(":" + std::to_string(leader_server.process().pid())));
  CHECK(leader_server.process().stop(SIGKILL, 10s) == 128 + SIGKILL);
  const double killed_at = database_now_s();
  const std::string survivor_pid = ":" + std::to_string(survivor.process().pid());
  CHECK(eventually(10s, [&] {
    for (const auto& run : runs_of("hot-posts", killed_at))
      if (run.instance.ends_with(survivor_pid) && run.result == "ok") return true;
    return false;
  }));

  // The survivor's /metrics counts its own runs: successes, and when the last one ended.
  const auto metrics = survivor.get_text("/metrics");
  const auto value_of = [&](const std::string& series) {
    const auto at = metrics.find("\n" + series + " ");
    REQUIRE(at != std::string::npos);
    return std::stod(metrics.substr(at + series.size() + 2, metrics.find('\n', at + 1) - at - series.size() - 2));
  };
  CHECK(value_of("novafeed_job_runs_total{job=\"hot-posts\",result=\"ok\"}") >= 1);
  CHECK(value_of("novafeed_job_failures_total{job=\"hot-posts\"}") == 0);
  CHECK(value_of("novafeed_job_last_success_timestamp_seconds{job=\"hot-posts\"}") > killed_at - 60);
  CHECK(value_of("novafeed_job_last_duration_seconds{job=\"hot-posts\"}") > 0);
  CHECK(survivor.process().stop(SIGTERM, 30s) == 0);
}
