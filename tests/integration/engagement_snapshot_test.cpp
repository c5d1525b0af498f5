// Serve's in-memory engagement copy (core/feed/engagement_snapshot.hpp) on the real stack:
// a miss answers SPEC §3 exactly while the copy is in use, because the ingest announces
// every post whose counts it changed. The copy's periodic read is set to 10 minutes here,
// so only the announcements can keep the feed right; and a change planted behind the
// ingest's back (no announcement) is shown stale on purpose, which proves the copy is in
// use at all.

#include <catch2/catch.hpp>

#include <signal.h>

#include <chrono>
#include <filesystem>
#include <thread>

#include <nlohmann/json.hpp>

#include "core/auth/jwt.hpp"
#include "core/clickhouse/client.hpp"
#include "core/ingest/event_counts.hpp"
#include "core/net/http_client.hpp"
#include "core/redis/channels.hpp"
#include "core/redis/client.hpp"
#include "core/time/clock.hpp"
#include "core/time/rfc3339.hpp"
#include "tests/support/eventually.hpp"
#include "tests/support/kafka_topics.hpp"
#include "tests/support/process.hpp"
#include "tests/support/recompute_feed.hpp"
#include "tests/support/run.hpp"
#include "tests/support/stack.hpp"

namespace {

using Json = nlohmann::json;
using namespace std::chrono_literals;
using nf::test::BackgroundNovafeed;
using nf::test::eventually;

// A world of its own: user U follows author A, who posted three times in the last hours;
// strangers engaged with the posts.
struct World {
  uint64_t base = 0;
  int64_t now_s = 0;
  uint64_t user = 0, author = 0;
  std::vector<uint64_t> posts;
};

World build_world() {
  World w;
  w.now_s = nf::time::now_ms() / 1000;
  // 8.4e12 + 1000 ids per millisecond of the clock: apart from the other tests' ranges.
  w.base = 8'400'000'000'000ULL + static_cast<uint64_t>(nf::time::now_ms() % 1'000'000'000) * 1000;
  w.user = w.base + 1;
  w.author = w.base + 2;
  w.posts = {w.base + 101, w.base + 102, w.base + 103};
  return w;
}

void insert_world(const nf::ch::Client& ch, const World& w) {
  std::string posts;
  for (size_t i = 0; i < w.posts.size(); ++i) {
    const int64_t created = w.now_s - 3600 * static_cast<int64_t>(i + 1);
    posts += std::string(posts.empty() ? "" : ", ") + "(" + std::to_string(w.posts[i]) + ", " +
             std::to_string(w.author) + ", 'snapshot test', toDateTime(" + std::to_string(created) + "), toDateTime(" +
             std::to_string(created) + "), NULL, 1, 0)";
  }
  ch.execute("INSERT INTO posts (id, author_id, caption, created_at, updated_at, deleted_at, _version, _deleted) VALUES " +
             posts);
  ch.execute("INSERT INTO follows (follower_id, followee_id, created_at, updated_at, _version, _deleted) VALUES (" +
             std::to_string(w.user) + ", " + std::to_string(w.author) + ", toDateTime(" + std::to_string(w.now_s - 7200) +
             "), toDateTime(" + std::to_string(w.now_s - 7200) + "), 1, 0)");
}

// Events straight into ClickHouse, counted as the ingest counts them, but with no
// announcement: what no serve can know of until its copy is read again.
void plant_events_behind_ingest(const nf::ch::Client& ch, const World& w, const std::string& tag, uint64_t post,
                                const std::string& action, int count) {
  std::string values;
  for (int i = 0; i < count; ++i)
    values += std::string(values.empty() ? "" : ", ") + "('snapshot-" + std::to_string(w.base) + "-" + tag + "-" +
              std::to_string(i) + "', " + std::to_string(w.base + 500 + static_cast<uint64_t>(i)) + ", " +
              std::to_string(post) + ", " + std::to_string(w.author) + ", '" + action + "', toDateTime(" +
              std::to_string(w.now_s - 60) + "), 0)";
  ch.execute("INSERT INTO events (event_id, user_id, post_id, author_id, action, ts, dwell_ms) VALUES " + values);
  ch.execute(nf::ingest::count_stored_events_sql("post_id = " + std::to_string(post) + " AND event_id LIKE 'snapshot-" +
                                                 std::to_string(w.base) + "-" + tag + "-%'"));
}

void publish(const std::string& message) {
  const auto config = nf::test::stack_config();
  nf::redis::Connection redis(nf::redis::settings_from(config));
  redis.command({"PUBLISH", nf::redis::post_counts_channel(config.get("clickhouse.database")), message});
}

class Serve {
 public:
  explicit Serve(const std::string& name) {
    port_ = nf::test::free_port();
    auto env = nf::test::stack_env();
    env["NOVAFEED_FEED_TRENDING_MEMO_MS"] = "0";          // trending recomputed per miss, as the test does
    env["NOVAFEED_FEED_ENGAGEMENT_REFRESH_MS"] = "600000";  // only the announcements keep the copy right
    const auto dir = std::filesystem::temp_directory_path() / "novafeed-snapshot-test";
    std::filesystem::create_directories(dir);
    process_ = std::make_unique<BackgroundNovafeed>(
        std::vector<std::string>{"--log-level", "info", "serve", "--listen", "127.0.0.1:" + std::to_string(port_)}, env,
        nf::test::OutputFiles{(dir / (name + ".out")).string(), (dir / (name + ".err")).string()});
    if (!process_->wait_for_stderr("engagement snapshot: in use", 60s))
      FAIL("serve's engagement snapshot not in use after 60 s:\n" + process_->stderr_text());
  }
  ~Serve() { process_->stop(SIGTERM, 20s); }

  // A miss: the user's cached feed dropped first (Redis tells serve's memory a moment later).
  Json miss(uint64_t user) {
    nf::test::redis_del("feed:v1:" + std::to_string(user));
    std::this_thread::sleep_for(250ms);
    nf::net::HttpRequest request;
    request.method = "GET";
    request.url = "http://127.0.0.1:" + std::to_string(port_) + "/api/v1/feed?limit=50";
    request.timeout_ms = 15000;
    request.headers.emplace_back("Authorization", "Bearer " + nf::auth::mint_token(nf::test::stack_jwt_secret(), user,
                                                                                    nf::time::now_ms() / 1000, 3600));
    const auto response = nf::net::perform(request);
    if (!response || response->status != 200)
      throw std::runtime_error("GET /api/v1/feed: " + (response ? response->body : response.error()));
    return Json::parse(response->body);
  }
  std::string log() const { return process_->stderr_text(); }

 private:
  int port_ = 0;
  std::unique_ptr<BackgroundNovafeed> process_;
};

// "" when the page equals SPEC §3 recomputed at its computed_at; else what differs.
std::string difference_from_recomputation(const Json& page, uint64_t user) {
  if (page.at("algo") != "ranked") return "algo " + page.at("algo").dump();
  const auto at = nf::time::parse_rfc3339_ms(page.at("computed_at").get<std::string>());
  const auto expected =
      nf::test::recompute_feed(nf::test::stack_clickhouse(), user, *at, nf::test::redis_get("hot:posts:24h"));
  const auto& items = page.at("items");
  if (items.size() != expected.size())
    return std::to_string(items.size()) + " items served, " + std::to_string(expected.size()) + " recomputed";
  for (size_t i = 0; i < expected.size(); ++i) {
    const double served = items[i].at("score").get<double>();
    if (items[i].at("post_id").get<uint64_t>() != expected[i].post_id ||
        std::abs(served - expected[i].score) > 1e-9 * std::max(1.0, std::abs(expected[i].score)))
      return "position " + std::to_string(i) + ": served " + items[i].dump() + ", recomputed post " +
             std::to_string(expected[i].post_id) + " score " + std::to_string(expected[i].score);
  }
  return "";
}

// The score SPEC §3 gives `post` in `user`'s feed at the page's computed_at (-1: not in it).
double recomputed_score(const Json& page, uint64_t user, uint64_t post) {
  const auto at = nf::time::parse_rfc3339_ms(page.at("computed_at").get<std::string>());
  for (const auto& item :
       nf::test::recompute_feed(nf::test::stack_clickhouse(), user, *at, nf::test::redis_get("hot:posts:24h")))
    if (item.post_id == post) return item.score;
  return -1;
}

double score_of(const Json& page, uint64_t post) {
  for (const auto& item : page.at("items"))
    if (item.at("post_id").get<uint64_t>() == post) return item.at("score").get<double>();
  return -1;
}

}  // namespace

TEST_CASE("engagement snapshot: serve's misses equal SPEC §3 while its in-memory copy is used - changes the ingest "
          "announces are read again at once, an unannounced one shows until announced",
          "[clickhouse]") {
  if (!nf::test::require_stack()) return;
  const auto schema = nf::test::run_novafeed({"schema", "apply", "--target", "clickhouse"}, nf::test::stack_env());
  INFO(schema.out << schema.err);
  REQUIRE(schema.exit_code == 0);
  const auto ch = nf::test::stack_clickhouse();
  const World w = build_world();
  insert_world(ch, w);
  plant_events_behind_ingest(ch, w, "start", w.posts[0], "impression", 20);
  plant_events_behind_ingest(ch, w, "start-likes", w.posts[0], "like", 2);
  plant_events_behind_ingest(ch, w, "start-p2", w.posts[1], "impression", 10);

  Serve serve("serve-" + std::to_string(w.base));  // its copy is read now, with the world in it
  const Json first = serve.miss(w.user);
  CHECK(difference_from_recomputation(first, w.user) == "");
  const double first_score = score_of(first, w.posts[0]);
  REQUIRE(first_score > 0);

  // Five more likes behind the ingest's back: serve's copy does not know, and says so.
  plant_events_behind_ingest(ch, w, "unannounced", w.posts[0], "like", 5);
  const Json stale = serve.miss(w.user);
  INFO(serve.log());
  CHECK(difference_from_recomputation(stale, w.user) != "");
  // Served with the copy's 2 likes; SPEC §3 at the same instant counts 7.
  CHECK(score_of(stale, w.posts[0]) < recomputed_score(stale, w.user, w.posts[0]) - 1e-3);

  // Announced as the ingest announces: the next miss reads that post's figures again.
  publish(std::to_string(w.posts[0]));
  CHECK(eventually(10s, [&] { return difference_from_recomputation(serve.miss(w.user), w.user).empty(); }, 100ms));
  CHECK(score_of(serve.miss(w.user), w.posts[0]) > first_score);

  SECTION("through a real ingest: likes produced to Kafka are in the next miss, long before the copy's next read") {
    const std::string name = "snapshot-" + std::to_string(w.base);
    nf::test::ScratchTopics topics({name + "-events", name + "-dlq"}, 1);
    const auto dir = std::filesystem::temp_directory_path() / "novafeed-snapshot-test";
    BackgroundNovafeed ingest({"--log-level", "info", "--set", "ingest.group=" + name, "--set",
                               "kafka.events_topic=" + name + "-events", "--set",
                               "ingest.events_dlq_topic=" + name + "-dlq", "--set", "ingest.batch_ms=200", "ingest",
                               "events"},
                              nf::test::stack_env(),
                              nf::test::OutputFiles{(dir / (name + "-ingest.out")).string(),
                                                    (dir / (name + "-ingest.err")).string()});
    const double before = score_of(serve.miss(w.user), w.posts[1]);
    for (int i = 0; i < 4; ++i)
      nf::test::produce_acknowledged(name + "-events", std::to_string(w.base + 600 + i),
                                     Json{{"event_id", name + "-like-" + std::to_string(i)},
                                          {"user_id", w.base + 600 + static_cast<uint64_t>(i)},
                                          {"post_id", w.posts[1]},
                                          {"author_id", w.author},
                                          {"action", "like"},
                                          {"ts", nf::time::now_ms()}}
                                         .dump());
    const bool counted = eventually(60s, [&] {
      const auto rows = ch.query("SELECT sum(likes) AS n FROM post_counts WHERE post_id = " + std::to_string(w.posts[1]));
      return nf::ch::as_u64(rows.at(0).at("n")) == 4;
    });
    INFO("ingest's log:\n" << ingest.stderr_text());
    REQUIRE(counted);
    CHECK(eventually(10s, [&] { return difference_from_recomputation(serve.miss(w.user), w.user).empty(); }, 100ms));
    CHECK(score_of(serve.miss(w.user), w.posts[1]) > before);
    CHECK(ingest.stop(SIGTERM, 30s) == 0);
  }

  SECTION("'*' (seed --truncate) drops the copy: misses stay right, and the copy read again is in use") {
    publish("*");
    CHECK(difference_from_recomputation(serve.miss(w.user), w.user) == "");
    CHECK(eventually(30s, [&] {
      const std::string log = serve.log();
      size_t count = 0;
      for (auto at = log.find("engagement snapshot: in use"); at != std::string::npos;
           at = log.find("engagement snapshot: in use", at + 1))
        ++count;
      return count >= 2;
    }));
    plant_events_behind_ingest(ch, w, "after-reset", w.posts[2], "like", 3);
    const Json again = serve.miss(w.user);
    CHECK(difference_from_recomputation(again, w.user) != "");  // the new copy is what answered
  }
}
