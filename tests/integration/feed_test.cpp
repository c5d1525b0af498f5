// FeedService on the real stack: a small world inserted directly into ClickHouse (ids
// unique to the run, so the shared stack's other data cannot touch it), ranked by the
// service and recomputed here from the raw rows with SPEC §3's arithmetic written out
// again (not calling core/ranking). Then the cache (hit, invalidation) and the fallback
// to the PostgreSQL timeline with ClickHouse unreachable (a closed port: the shared
// ClickHouse keeps running for the other tests).
//
// trending(24h) is global, so the recomputation ranks every live post of the last 24 h
// (or, when the jobs have written hot:posts:24h, reads that same list, which is what the
// service reads first).
#include <catch2/catch.hpp>

#include <chrono>
#include <cmath>
#include <map>
#include <set>
#include <thread>
#include <tuple>

#include <pqxx/pqxx>

#include "core/clickhouse/client.hpp"
#include "core/error/error.hpp"
#include "core/feed/feed_service.hpp"
#include "core/ingest/event_counts.hpp"
#include "core/pg/connection.hpp"
#include "core/redis/client.hpp"
#include "core/redis/pool.hpp"
#include "tests/support/run.hpp"
#include "tests/support/recompute_feed.hpp"
#include "tests/support/stack.hpp"

namespace {

using Json = nlohmann::json;
using nf::ranking::Source;

int64_t wall_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

nf::config::Config feed_config(const std::vector<std::string>& settings = {}) {
  nf::config::Sources sources;
  for (const auto& [k, v] : nf::test::stack_env()) sources.env.emplace_back(k, v);
  // A live trending list is recomputed on every request, so the one the service ranks
  // with is computed at the request's `now`, like the recomputation below.
  sources.flag_settings = {"feed.trending_memo_ms=0"};
  sources.flag_settings.insert(sources.flag_settings.end(), settings.begin(), settings.end());
  return nf::config::load(sources);
}

// --------------------------------------------------------------------- the world

struct WorldPost {
  uint64_t id, author;
  int64_t created_s;
  bool deleted;
};

struct World {
  uint64_t base = 0;
  int64_t now_s = 0;
  uint64_t user = 0, followed_a = 0, followed_b = 0, unfollowed = 0, stranger = 0, other = 0;
  uint64_t fresh = 0, older = 0, followed_b_post = 0, too_old = 0, own = 0, affinity_new = 0, affinity_old = 0,
           seen = 0, deleted = 0;
};

void insert_posts(const nf::ch::Client& ch, const std::vector<WorldPost>& posts) {
  std::string values;
  for (const auto& p : posts) {
    if (!values.empty()) values += ", ";
    values += "(" + std::to_string(p.id) + ", " + std::to_string(p.author) + ", 'feed test', toDateTime(" +
              std::to_string(p.created_s) + "), toDateTime(" + std::to_string(p.created_s) + "), NULL, 1, " +
              (p.deleted ? "1" : "0") + ")";
  }
  ch.execute("INSERT INTO posts (id, author_id, caption, created_at, updated_at, deleted_at, _version, _deleted) VALUES " +
             values);
}

void insert_follows(const nf::ch::Client& ch, const std::vector<std::tuple<uint64_t, uint64_t, int>>& follows,
                    int64_t now_s) {
  std::string values;
  for (const auto& [follower, followee, deleted] : follows) {
    if (!values.empty()) values += ", ";
    values += "(" + std::to_string(follower) + ", " + std::to_string(followee) + ", toDateTime(" +
              std::to_string(now_s - 7200) + "), toDateTime(" + std::to_string(now_s - 7200) + "), 1, " +
              std::to_string(deleted) + ")";
  }
  ch.execute("INSERT INTO follows (follower_id, followee_id, created_at, updated_at, _version, _deleted) VALUES " +
             values);
}

struct WorldEvent {
  uint64_t user, post, author;
  std::string action;
  int64_t ts;
};

void insert_events(const nf::ch::Client& ch, uint64_t base, const std::vector<WorldEvent>& events) {
  std::string values;
  size_t n = 0;
  for (const auto& e : events) {
    if (!values.empty()) values += ", ";
    values += "('feedtest-" + std::to_string(base) + "-" + std::to_string(n++) + "', " + std::to_string(e.user) +
              ", " + std::to_string(e.post) + ", " + std::to_string(e.author) + ", '" + e.action + "', toDateTime(" +
              std::to_string(e.ts) + "), 0)";
  }
  ch.execute("INSERT INTO events (event_id, user_id, post_id, author_id, action, ts, dwell_ms) VALUES " + values);
  // Counted as the ingest counts them (post_counts, user_author_counts: schema 0006).
  ch.execute(nf::ingest::count_stored_events_sql("post_id BETWEEN " + std::to_string(base) + " AND " +
                                                 std::to_string(base + 999) + " AND event_id LIKE 'feedtest-" +
                                                 std::to_string(base) + "-%'"));
}

// u follows a and b (and unfollowed c); u liked an old post of c 30 h ago (N(c) = 1, F3);
// u saw one of a's posts an hour ago; u's own post is trending; a deleted post is trending.
World build_world() {
  World w;
  w.now_s = wall_ms() / 1000;
  w.base = 9'200'000'000ULL + static_cast<uint64_t>(w.now_s % 100000) * 1000;
  w.user = w.base + 1;
  w.followed_a = w.base + 11;
  w.followed_b = w.base + 12;
  w.unfollowed = w.base + 13;
  w.stranger = w.base + 14;
  w.other = w.base + 20;
  w.fresh = w.base + 101;
  w.older = w.base + 102;
  w.followed_b_post = w.base + 103;
  w.too_old = w.base + 104;
  w.own = w.base + 105;
  w.affinity_new = w.base + 106;
  w.affinity_old = w.base + 107;
  w.seen = w.base + 108;
  w.deleted = w.base + 109;
  const auto h = [&](double hours) { return w.now_s - static_cast<int64_t>(hours * 3600); };

  const auto ch = nf::test::stack_clickhouse();
  insert_posts(ch, {{w.fresh, w.followed_a, h(1), false},
                    {w.older, w.followed_a, h(2), false},
                    {w.followed_b_post, w.followed_b, h(5), false},
                    {w.too_old, w.followed_b, h(80), false},
                    {w.own, w.user, h(1), false},
                    {w.affinity_new, w.unfollowed, h(3), false},
                    {w.affinity_old, w.unfollowed, h(40), false},
                    {w.seen, w.followed_a, h(3), false},
                    {w.deleted, w.stranger, h(1), true}});
  insert_follows(ch, {{w.user, w.followed_a, 0}, {w.user, w.followed_b, 0}, {w.user, w.unfollowed, 1}}, w.now_s);
  std::vector<WorldEvent> events;
  // Others engage: fresh gets 2 likes, 1 comment, 10 impressions; followed_b_post 1 share,
  // 4 impressions; u's own post and the deleted one 20 shares each (trending for sure).
  for (int i = 0; i < 2; ++i) events.push_back({w.other + i, w.fresh, w.followed_a, "like", h(0.5)});
  events.push_back({w.other, w.fresh, w.followed_a, "comment", h(0.5)});
  for (int i = 0; i < 10; ++i) events.push_back({w.other + i, w.fresh, w.followed_a, "impression", h(0.6)});
  events.push_back({w.other, w.followed_b_post, w.followed_b, "share", h(4)});
  for (int i = 0; i < 4; ++i) events.push_back({w.other + i, w.followed_b_post, w.followed_b, "impression", h(4)});
  for (int i = 0; i < 20; ++i) {
    events.push_back({w.other + i, w.own, w.user, "share", h(0.5)});
    events.push_back({w.other + i, w.deleted, w.stranger, "share", h(0.5)});
  }
  // u's own events: a like 30 h ago (affinity, outside the seen window), an impression 1 h ago.
  events.push_back({w.user, w.affinity_old, w.unfollowed, "like", h(30)});
  events.push_back({w.user, w.seen, w.followed_a, "impression", h(1)});
  insert_events(ch, w.base, events);
  return w;
}

// Removes a world's rows from ClickHouse when the test ends (ALTER … DELETE, done in the
// background): its heavily engaged posts would otherwise trend for a day in the feeds of
// every later test on this stack.
class WorldRemoved {
 public:
  explicit WorldRemoved(uint64_t base) : base_(base) {}
  ~WorldRemoved() {
    const std::string range = " BETWEEN " + std::to_string(base_) + " AND " + std::to_string(base_ + 999);
    try {
      const auto ch = nf::test::stack_clickhouse();
      for (const std::string& where :
           {"posts WHERE id" + range, "posts_by_author WHERE id" + range, "follows WHERE follower_id" + range,
            "events WHERE post_id" + range, "post_metrics_1h WHERE post_id" + range,
            "post_metrics_1d WHERE post_id" + range, "user_author_90d WHERE user_id" + range,
            "user_seen WHERE user_id" + range, "post_counts WHERE post_id" + range,
            "event_keys WHERE post_id" + range, "user_author_counts WHERE user_id" + range})
        ch.execute("ALTER TABLE " + where.substr(0, where.find(' ')) + " DELETE" + where.substr(where.find(' ')));
    } catch (const std::exception& e) {
      WARN(std::string("could not remove the feed test's world: ") + e.what());
    }
  }
  WorldRemoved(const WorldRemoved&) = delete;
  WorldRemoved& operator=(const WorldRemoved&) = delete;

 private:
  uint64_t base_;
};

// ---------------------------------------------------------- the recomputation

using Expected = nf::test::ExpectedItem;

std::vector<Expected> recompute_feed(uint64_t user, int64_t now_ms) {
  return nf::test::recompute_feed(nf::test::stack_clickhouse(), user, now_ms, nf::test::redis_get("hot:posts:24h"));
}

void require_schema() {
  const auto schema = nf::test::run_novafeed({"schema", "apply", "--target", "clickhouse"}, nf::test::stack_env());
  INFO(schema.out << schema.err);
  REQUIRE(schema.exit_code == 0);
}

void check_equal(const std::vector<nf::feed::FeedItem>& items, const std::vector<Expected>& expected) {
  REQUIRE(items.size() == expected.size());
  for (size_t i = 0; i < items.size(); ++i) {
    INFO("position " << i + 1 << ": post " << items[i].post_id);
    CHECK(items[i].post_id == expected[i].post_id);
    CHECK(nf::ranking::source_name(items[i].source) == expected[i].source);
    REQUIRE(items[i].score.has_value());
    CHECK(*items[i].score == Approx(expected[i].score).epsilon(1e-9));
  }
}

bool contains(const std::vector<nf::feed::FeedItem>& items, uint64_t post_id) {
  return std::any_of(items.begin(), items.end(), [&](const auto& item) { return item.post_id == post_id; });
}

}  // namespace

TEST_CASE("feed: the ranked feed equals a recomputation from raw rows and is cached, paged and invalidated",
          "[feed][clickhouse]") {
  if (!nf::test::require_stack()) return;
  require_schema();
  const auto world = build_world();
  const WorldRemoved removed(world.base);
  const auto config = feed_config();
  nf::redis::Pool redis(nf::redis::settings_from(config));
  nf::feed::FeedService service(config, redis);
  const std::string key = "feed:v1:" + std::to_string(world.user);
  nf::test::redis_del(key);

  // A miss: ranked now, at `now`.
  const int64_t now_ms = wall_ms();
  const auto first = service.feed(world.user, 50, std::nullopt, now_ms);
  CHECK(first.algo == "ranked");
  CHECK_FALSE(first.cached);
  CHECK_FALSE(first.fallback);
  CHECK(first.computed_at_ms == now_ms);
  CHECK_FALSE(first.next_cursor);
  check_equal(first.items, recompute_feed(world.user, now_ms));

  // The world's rules, whatever else the shared stack holds.
  CHECK_FALSE(contains(first.items, world.seen));     // u saw it an hour ago
  CHECK_FALSE(contains(first.items, world.own));      // u's own, though trending
  CHECK_FALSE(contains(first.items, world.deleted));  // deleted, though most shared
  CHECK_FALSE(contains(first.items, world.too_old));  // 80 h: outside every window

  // The whole list is cached; a second request is a hit with the same items.
  REQUIRE(nf::test::redis_get(key).has_value());
  const auto second = service.feed(world.user, 50, std::nullopt, now_ms + 1500);
  CHECK(second.cached);
  CHECK(second.computed_at_ms == now_ms);
  CHECK(second.items == first.items);

  // Pages of the cached list cover it once, in order, the last with next_cursor null.
  std::vector<nf::feed::FeedItem> paged;
  std::optional<std::string> cursor;
  for (int guard = 0; guard < 60; ++guard) {
    const auto page = service.feed(world.user, 7, cursor, now_ms + 2000);
    CHECK(page.cached);
    paged.insert(paged.end(), page.items.begin(), page.items.end());
    cursor = page.next_cursor;
    if (!cursor) break;
  }
  CHECK_FALSE(cursor);
  CHECK(paged == first.items);

  // Invalidation (what the ingest does on a new post or follow): recomputed.
  nf::test::redis_del(key);
  const int64_t later_ms = wall_ms() + 1;
  const auto third = service.feed(world.user, 50, std::nullopt, later_ms);
  CHECK_FALSE(third.cached);
  CHECK(third.computed_at_ms == later_ms);
  check_equal(third.items, recompute_feed(world.user, later_ms));

  // The explanation says why each of the world's posts is where it is (in the feed, or
  // dropped with a reason), whatever other posts the shared stack ranks above them.
  const auto explanation = service.explain(world.user, wall_ms());
  REQUIRE(explanation.algo == "ranked");
  std::map<uint64_t, std::set<std::string>> placed;  // post → "in feed by <source>" / "<reason> by <source>"
  for (const auto& p : explanation.result.feed)
    placed[p.post.id].insert("in feed by " + std::string(nf::ranking::source_name(p.source)));
  for (const auto& d : explanation.result.dropped)
    placed[d.post.id].insert(std::string(nf::ranking::drop_reason_name(d.reason)) + " by " +
                             std::string(nf::ranking::source_name(d.source)));
  const auto placed_as = [&](uint64_t post, std::initializer_list<std::string> allowed) {
    INFO("post " << post << " placed as " << Json(placed[post]).dump());
    size_t found = 0;
    for (const auto& place : allowed) found += placed[post].count(place);
    CHECK(found >= 1);
  };
  placed_as(world.fresh, {"in feed by follow", "below_top by follow"});
  placed_as(world.followed_b_post, {"in feed by follow", "below_top by follow"});
  placed_as(world.older, {"in feed by follow", "below_top by follow"});
  // u unfollowed its author but liked one of their posts 30 h ago: F3 finds the new one.
  // On a stack with few posts of the last 24 h it also trends, and F2 keeps it (F2 > F3).
  placed_as(world.affinity_new,
            {"in feed by affinity", "below_top by affinity", "in feed by trending", "below_top by trending"});
  placed_as(world.seen, {"seen by follow"});
  // Only a live trending list is sure to hold the world's own post (a jobs-written one
  // may predate it).
  if (!explanation.trending_from_cache) placed_as(world.own, {"own_post by trending"});
  CHECK(placed.count(world.deleted) == 0);
  CHECK(placed.count(world.too_old) == 0);
  const auto text = nf::feed::render_explain_text(explanation);
  CHECK_THAT(text, Catch::Contains("why dropped") && Catch::Contains("seen ("));
  if (!explanation.trending_from_cache) CHECK_THAT(text, Catch::Contains("own_post ("));
  CHECK(nf::feed::to_json(explanation)["dropped"].contains("seen"));
}

TEST_CASE("feed: a feed warmed with the engagement read once for many feeds equals a recomputation, also for "
          "candidates that read missed",
          "[feed][clickhouse]") {
  if (!nf::test::require_stack()) return;
  require_schema();
  const auto world = build_world();
  const WorldRemoved removed(world.base);
  const auto config = feed_config();
  nf::redis::Pool redis(nf::redis::settings_from(config));
  nf::feed::FeedService service(config, redis);
  const std::string key = "feed:v1:" + std::to_string(world.user);
  const nf::ch::Client ch(nf::ch::settings_from(config));

  // The warmer's read: every post of the widest window with its counts, zeros included.
  const int64_t now_ms = wall_ms();
  const auto known = nf::feed::parse_engagement_tsv(
      ch.query_tsv(nf::feed::recent_engagement_sql(nf::ranking::params_from(config), now_ms)));
  REQUIRE(known.count(world.fresh) == 1);
  CHECK(known.at(world.fresh).likes == 2);
  CHECK(known.at(world.fresh).comments == 1);
  CHECK(known.at(world.fresh).shares == 0);
  CHECK(known.at(world.fresh).impressions == 10);
  REQUIRE(known.count(world.older) == 1);  // no events: present, zeros
  CHECK(known.at(world.older).likes + known.at(world.older).impressions == 0);
  CHECK(known.count(world.affinity_old) == 1);  // 40 h: inside F1's and F3's 72 h
  CHECK(known.count(world.too_old) == 0);       // 80 h: outside every window

  // Warmed from that read, and from one that misses two candidates (posts created after
  // it): both equal the recomputation, so a missing post is read, not taken as zero.
  for (const bool missing : {false, true}) {
    INFO((missing ? "two candidates missing from the shared read" : "every candidate in the shared read"));
    auto table = known;
    if (missing) {
      table.erase(world.fresh);
      table.erase(world.followed_b_post);
    }
    nf::test::redis_del(key);
    CHECK(service.warm(world.user, now_ms, &table).value_or(0) > 0);
    const auto page = service.feed(world.user, 50, std::nullopt, now_ms + 1000);
    CHECK(page.cached);
    CHECK(page.computed_at_ms == now_ms);
    check_equal(page.items, recompute_feed(world.user, now_ms));
  }

  // The warmer's batch: the user beside one with no follows and no affinity (only
  // trending), read in the same four statements: each gets their own feed, nothing of
  // the other's.
  const std::string other_key = "feed:v1:" + std::to_string(world.other);
  nf::test::redis_del(key);
  nf::test::redis_del(other_key);
  const auto warmed = service.warm_batch({world.user, world.other}, now_ms, &known);
  CHECK(warmed.size() == 2);
  for (const auto user : {world.user, world.other}) {
    INFO("user " << user);
    const auto page = service.feed(user, 50, std::nullopt, now_ms + 1000);
    CHECK(page.cached);
    CHECK(page.computed_at_ms == now_ms);
    CHECK(warmed.at(user) == page.items.size());
    check_equal(page.items, recompute_feed(user, now_ms));
  }
  nf::test::redis_del(key);
  nf::test::redis_del(other_key);
}

TEST_CASE("feed: ClickHouse unreachable gives the PostgreSQL timeline within the timeout and then opens the breaker",
          "[feed][clickhouse]") {
  if (!nf::test::require_stack()) return;
  const int64_t now_s = wall_ms() / 1000;
  // Ids apart from the ClickHouse world's: CDC may copy these rows to ClickHouse.
  const uint64_t base = 9'200'000'000ULL + static_cast<uint64_t>(now_s % 100000) * 1000 + 500;
  const uint64_t user = base + 1, author_a = base + 2, author_b = base + 3, stranger = base + 4;
  {
    auto pg = nf::pg::connect(nf::pg::settings_from(nf::test::stack_config()));
    pqxx::work tx(*pg);
    for (const auto id : {user, author_a, author_b, stranger})
      tx.exec_params("INSERT INTO users (id, username) VALUES ($1, $2)", static_cast<int64_t>(id),
                     "feedtest_" + std::to_string(id));
    tx.exec_params("INSERT INTO follows (follower_id, followee_id) VALUES ($1, $2), ($1, $3)",
                   static_cast<int64_t>(user), static_cast<int64_t>(author_a), static_cast<int64_t>(author_b));
    // (id, author, minutes ago, deleted): two share a created_at (the higher id first).
    const std::vector<std::tuple<uint64_t, uint64_t, int, bool>> posts = {
        {base + 11, author_a, 10, false}, {base + 12, author_b, 5, false}, {base + 13, author_a, 5, false},
        {base + 14, author_b, 1, true},   {base + 15, stranger, 1, false}, {base + 16, author_a, 600, false}};
    for (const auto& [id, author, minutes, deleted] : posts)
      tx.exec_params("INSERT INTO posts (id, author_id, created_at, deleted_at) VALUES ($1, $2, "
                     "to_timestamp($3) - make_interval(mins => $4), CASE WHEN $5 THEN now() END)",
                     static_cast<int64_t>(id), static_cast<int64_t>(author), now_s, minutes, deleted);
    tx.commit();
  }

  // A closed port: refused at once, as a stopped server is. The breaker opens after 2.
  const auto config = feed_config({"clickhouse.url=http://127.0.0.1:1", "feed.breaker_failures=2",
                                   "feed.breaker_open_ms=60000"});
  nf::redis::Pool redis(nf::redis::settings_from(config));
  nf::feed::FeedService service(config, redis);
  nf::test::redis_del("feed:v1:" + std::to_string(user));

  const std::vector<uint64_t> expected = {base + 13, base + 12, base + 11, base + 16};
  for (int request = 1; request <= 3; ++request) {
    INFO("request " << request);
    const auto started = std::chrono::steady_clock::now();
    const auto page = service.feed(user, 20, std::nullopt, wall_ms());
    const auto elapsed = std::chrono::steady_clock::now() - started;
    CHECK(elapsed < std::chrono::milliseconds(config.get_int("clickhouse.timeout_ms")));
    CHECK(page.algo == "timeline");
    CHECK(page.fallback);
    CHECK_FALSE(page.cached);
    std::vector<uint64_t> ids;
    for (const auto& item : page.items) {
      ids.push_back(item.post_id);
      CHECK_FALSE(item.score.has_value());
      CHECK(item.source == Source::follow);
    }
    CHECK(ids == expected);
    CHECK(nf::feed::to_json(page)["items"][0]["score"].is_null());
    if (request == 1) CHECK(service.clickhouse_breaker().state == nf::feed::BreakerState::closed);
    if (request >= 2) CHECK(service.clickhouse_breaker().state == nf::feed::BreakerState::open);
  }
  CHECK_THAT(service.clickhouse_breaker().last_error, Catch::Contains("127.0.0.1:1"));
  // The timeline is never cached: ranking returns as soon as ClickHouse does.
  CHECK_FALSE(nf::test::redis_get("feed:v1:" + std::to_string(user)).has_value());

  const auto explanation = service.explain(user, wall_ms());
  CHECK(explanation.algo == "timeline");
  CHECK(explanation.timeline.size() == expected.size());
  CHECK_THAT(nf::feed::render_explain_text(explanation), Catch::Contains("TIMELINE"));
}

TEST_CASE("feed: ClickHouse and PostgreSQL both unreachable is a dependency error (exit 3 and HTTP 503)",
          "[feed][clickhouse]") {
  if (!nf::test::require_stack()) return;
  const auto config = feed_config({"clickhouse.url=http://127.0.0.1:1", "postgres.url=postgresql://novafeed@127.0.0.1:1/novafeed"});
  nf::redis::Pool redis(nf::redis::settings_from(config));
  nf::feed::FeedService service(config, redis);
  try {
    service.feed(9'199'999'999, 20, std::nullopt, wall_ms());
    FAIL("answered");
  } catch (const nf::Error& e) {
    CHECK(e.code() == nf::ExitCode::unreachable);
    CHECK_THAT(e.what(), Catch::Contains("ClickHouse") && Catch::Contains("PostgreSQL"));
  }
}
