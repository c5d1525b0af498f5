// core/discover against the real stack: trending(W) and suggested users computed from rows
// inserted directly into a scratch ClickHouse database (the schema applied there by
// schema::apply), so the global trending list holds exactly this test's posts, and the
// Redis cache path read through a private suggest:users key.
#include <catch2/catch.hpp>

#include <chrono>
#include <cmath>
#include <string>
#include <vector>

#include "core/clickhouse/client.hpp"
#include "core/config/config.hpp"
#include "core/discover/suggestions.hpp"
#include "core/discover/trending.hpp"
#include "core/error/error.hpp"
#include "core/redis/pool.hpp"
#include "core/schema/schema.hpp"
#include "tests/support/stack.hpp"

namespace {

constexpr const char* kDatabase = "nf_discover_test";
constexpr uint64_t kBase = 9'100'000'000;  // a private id range

nf::config::Config config_with(const std::map<std::string, std::string>& overrides) {
  nf::config::Sources sources;
  auto env = nf::test::stack_env();
  for (const auto& [key, value] : overrides) env[key] = value;
  for (const auto& [key, value] : env) sources.env.emplace_back(key, value);
  return nf::config::load(sources);
}

// The scratch database with the ClickHouse schema applied; dropped before and after.
class ScratchDatabase {
 public:
  ScratchDatabase() : config_(config_with({{"NOVAFEED_CLICKHOUSE_DATABASE", kDatabase}})) {
    drop();
    nf::schema::Request request;
    request.target = "clickhouse";
    nf::schema::apply(config_, request);
  }
  ~ScratchDatabase() {
    try {
      drop();
    } catch (const std::exception& e) {
      WARN(std::string("could not drop ") + kDatabase + ": " + e.what());
    }
  }
  ScratchDatabase(const ScratchDatabase&) = delete;
  ScratchDatabase& operator=(const ScratchDatabase&) = delete;

  nf::ch::Client client() const { return nf::ch::Client(nf::ch::settings_from(config_)); }
  const nf::config::Config& config() const { return config_; }

 private:
  void drop() {
    auto settings = nf::ch::settings_from(config_);
    settings.database.clear();
    nf::ch::Client(settings).execute(std::string("DROP DATABASE IF EXISTS ") + kDatabase, false);
  }
  nf::config::Config config_;
};

int64_t now_seconds() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

std::string at(int64_t seconds) { return "toDateTime(" + std::to_string(seconds) + ")"; }

void insert_post(const nf::ch::Client& ch, uint64_t id, uint64_t author, int64_t created_s, int version = 1,
                 int deleted = 0) {
  ch.execute("INSERT INTO posts (id, author_id, caption, created_at, updated_at, _version, _deleted) VALUES (" +
             std::to_string(id) + ", " + std::to_string(author) + ", 'discover test', " + at(created_s) + ", " +
             at(created_s) + ", " + std::to_string(version) + ", " + std::to_string(deleted) + ")");
}

void insert_event(const nf::ch::Client& ch, const std::string& event_id, uint64_t user, uint64_t post, uint64_t author,
                  const std::string& action, int64_t ts_s) {
  ch.execute("INSERT INTO events (event_id, user_id, post_id, author_id, action, ts, dwell_ms) VALUES (" +
             nf::ch::quote(event_id) + ", " + std::to_string(user) + ", " + std::to_string(post) + ", " +
             std::to_string(author) + ", " + nf::ch::quote(action) + ", " + at(ts_s) + ", 0)");
}

void insert_follow(const nf::ch::Client& ch, uint64_t follower, uint64_t followee, int version = 1, int deleted = 0) {
  ch.execute("INSERT INTO follows (follower_id, followee_id, created_at, updated_at, _version, _deleted) VALUES (" +
             std::to_string(follower) + ", " + std::to_string(followee) + ", now(), now(), " +
             std::to_string(version) + ", " + std::to_string(deleted) + ")");
}

void insert_user(const nf::ch::Client& ch, uint64_t id, int version = 1, int deleted = 0) {
  ch.execute("INSERT INTO users (id, username, display_name, created_at, updated_at, _version, _deleted) VALUES (" +
             std::to_string(id) + ", 'u" + std::to_string(id) + "', '', now(), now(), " + std::to_string(version) +
             ", " + std::to_string(deleted) + ")");
}

std::vector<uint64_t> post_ids(const nf::discover::TrendingList& list) {
  std::vector<uint64_t> ids;
  for (const auto& item : list.items) ids.push_back(item.post.id);
  return ids;
}

std::vector<uint64_t> user_ids(const nf::discover::SuggestedList& list) {
  std::vector<uint64_t> ids;
  for (const auto& item : list.items) ids.push_back(item.user_id);
  return ids;
}

// The posts of the trending test, as offsets from kBase.
constexpr uint64_t P1 = kBase + 1, P2 = kBase + 2, P3 = kBase + 3, P4 = kBase + 4, P5 = kBase + 5, P6 = kBase + 6;
constexpr uint64_t A1 = kBase + 501, A2 = kBase + 502;

void seed_trending(const nf::ch::Client& ch, int64_t now_s) {
  insert_post(ch, P1, A1, now_s - 1800);      // 30 min old
  insert_post(ch, P2, A2, now_s - 600);       // 10 min old
  insert_post(ch, P3, A1, now_s - 300);       // 5 min old, no events
  insert_post(ch, P4, A2, now_s - 1200);      // live at version 1 ...
  insert_post(ch, P4, A2, now_s - 1200, 2, 1);  // ... deleted at version 2
  insert_post(ch, P5, A1, now_s - 7200);      // 2 h old
  insert_post(ch, P6, A2, now_s - 8 * 24 * 3600);  // 8 days old
  const int64_t ts = now_s - 60;
  int n = 0;
  const auto event = [&](uint64_t post, const std::string& action) {
    ++n;
    insert_event(ch, "dt-" + std::to_string(post) + "-" + std::to_string(n), kBase + 900 + n, post, 0, action, ts);
  };
  for (int i = 0; i < 3; ++i) event(P1, "like");
  event(P1, "comment");
  for (int i = 0; i < 10; ++i) event(P1, "impression");
  event(P1, "view");  // views count for nothing
  event(P2, "like");
  event(P2, "share");
  event(P2, "impression");
  event(P2, "impression");
  // The same like delivered twice (a replayed Kafka batch) counts once.
  insert_event(ch, "dt-p2-replayed", kBase + 950, P2, 0, "like", ts);
  insert_event(ch, "dt-p2-replayed", kBase + 950, P2, 0, "like", ts);
  for (int i = 0; i < 5; ++i) event(P4, "like");
  event(P5, "comment");
  event(P5, "comment");
  event(P6, "share");
}

}  // namespace

TEST_CASE("trending(W) from ClickHouse: live posts within W, ranked by the trend of SPEC §3",
          "[discover][clickhouse]") {
  if (!nf::test::require_stack()) return;
  ScratchDatabase scratch;
  const auto ch = scratch.client();
  const int64_t now_s = now_seconds();
  const int64_t now_ms = now_s * 1000;
  seed_trending(ch, now_s);
  const nf::ranking::Params params;

  // By hand, trend = 0.40 * ln(1 + (L + 2C + 3S) / max(1, I)) + 0.30 * exp(-0.10 * age_h):
  //   P1: L3 C1 S0 I10, 0.5 h   → 0.40*ln(1.5)  + 0.30*exp(-0.05)   = 0.1622 + 0.2854 = 0.4476
  //   P2: L2 S1 I2 (the replayed like once, so L=2), 1/6 h
  //                             → 0.40*ln(1 + 5/2) + 0.30*exp(-1/60) = 0.5011 + 0.2950 = 0.7961
  //   P3: no events, 1/12 h     → 0.30*exp(-1/120)                  = 0.2975
  //   P4: deleted               → never listed
  //   P5: C2 I0, 2 h            → 0.40*ln(1 + 4/1) + 0.30*exp(-0.2) = 0.6438 + 0.2456 = 0.8894
  //   P6: 8 days old            → outside every window
  const double p1 = 0.40 * std::log(1.5) + 0.30 * std::exp(-0.05);
  const double p2 = 0.40 * std::log(1.0 + 5.0 / 2.0) + 0.30 * std::exp(-1.0 / 60.0);
  const double p3 = 0.30 * std::exp(-1.0 / 120.0);
  const double p5 = 0.40 * std::log(5.0) + 0.30 * std::exp(-0.2);

  const auto hour = nf::discover::compute_trending(ch, params, "1h", now_ms);
  CHECK(hour.window == "1h");
  CHECK(hour.computed_at_ms == now_ms);
  CHECK_FALSE(hour.from_cache);
  REQUIRE(post_ids(hour) == std::vector<uint64_t>{P2, P1, P3});
  CHECK(hour.items[0].trend == Approx(p2).epsilon(1e-12));
  CHECK(hour.items[1].trend == Approx(p1).epsilon(1e-12));
  CHECK(hour.items[2].trend == Approx(p3).epsilon(1e-12));
  CHECK(hour.items[0].features.counts.likes == 2);
  CHECK(hour.items[0].features.counts.shares == 1);
  CHECK(hour.items[0].features.counts.impressions == 2);
  CHECK(hour.items[1].features.counts.comments == 1);
  CHECK(hour.items[1].post.author_id == A1);
  CHECK(hour.items[1].post.created_at_ms == (now_s - 1800) * 1000);

  const auto day = nf::discover::compute_trending(ch, params, "24h", now_ms);
  REQUIRE(post_ids(day) == std::vector<uint64_t>{P5, P2, P1, P3});
  CHECK(day.items[0].trend == Approx(p5).epsilon(1e-12));
  CHECK(post_ids(nf::discover::compute_trending(ch, params, "7d", now_ms)) == post_ids(day));

  CHECK(post_ids(nf::discover::compute_trending(ch, params, "24h", now_ms, 2)) == std::vector<uint64_t>{P5, P2});
  CHECK_THROWS_AS(nf::discover::compute_trending(ch, params, "2h", now_ms), nf::Error);

  SECTION("TrendingSource with Redis down computes live and reuses it for the memo time") {
    const auto down = config_with({{"NOVAFEED_CLICKHOUSE_DATABASE", kDatabase}, {"NOVAFEED_REDIS_URL", "redis://127.0.0.1:1"}});
    nf::redis::Pool pool(nf::redis::settings_from(down));
    nf::discover::TrendingSource remembering(ch, pool, params, std::chrono::milliseconds(60000));
    const auto first = remembering.get("1h", now_ms);
    CHECK_FALSE(first.from_cache);
    CHECK(post_ids(first) == std::vector<uint64_t>{P2, P1, P3});
    CHECK(remembering.get("1h", now_ms + 5000).computed_at_ms == now_ms);  // from the memo
    // Another window is computed on its own.
    CHECK(remembering.get("24h", now_ms + 5000).computed_at_ms == now_ms + 5000);

    nf::discover::TrendingSource forgetting(ch, pool, params, std::chrono::milliseconds(0));
    CHECK(forgetting.get("1h", now_ms).computed_at_ms == now_ms);
    CHECK(forgetting.get("1h", now_ms + 5000).computed_at_ms == now_ms + 5000);
  }
}

TEST_CASE("suggested users from ClickHouse: friends-of-friends and affinity authors", "[discover][clickhouse]") {
  if (!nf::test::require_stack()) return;
  ScratchDatabase scratch;
  const auto ch = scratch.client();
  const int64_t now_s = now_seconds();
  const int64_t now_ms = now_s * 1000;

  const uint64_t U = kBase + 100, F1 = kBase + 101, F2 = kBase + 102;
  const uint64_t X = kBase + 110, V = kBase + 111, V2 = kBase + 112, Z = kBase + 113, Y = kBase + 114;
  const uint64_t Q = kBase + 115, W = kBase + 116, G = kBase + 117, H = kBase + 118;
  for (uint64_t id : {U, F1, F2, X, V, V2, Z, Y, W, G, H}) insert_user(ch, id);
  insert_user(ch, Y, 2, 1);  // Y deleted their account; Q never existed
  insert_follow(ch, U, F1);
  insert_follow(ch, U, F2);
  insert_follow(ch, U, G);
  insert_follow(ch, U, G, 2, 1);  // U unfollowed G: G may be suggested again
  insert_follow(ch, F1, X);
  insert_follow(ch, F2, X);
  insert_follow(ch, F1, V);
  insert_follow(ch, F2, V2);
  insert_follow(ch, F1, G);
  insert_follow(ch, F1, Z);
  insert_follow(ch, F1, Z, 2, 1);  // F1 unfollowed Z: no longer a friend of a friend
  insert_follow(ch, F1, Y);
  insert_follow(ch, F2, Q);
  insert_follow(ch, F2, U);   // u itself is never suggested
  insert_follow(ch, F2, F1);  // already followed by u
  const int64_t ts = now_s - 3600;
  insert_event(ch, "ds-1", U, kBase + 601, W, "like", ts);
  insert_event(ch, "ds-2", U, kBase + 602, W, "share", ts);
  insert_event(ch, "ds-3", U, kBase + 603, X, "comment", ts);
  insert_event(ch, "ds-4", U, kBase + 604, F1, "like", ts);  // followed: not suggested
  insert_event(ch, "ds-5", U, kBase + 605, U, "like", ts);   // own post
  insert_event(ch, "ds-6", U, kBase + 606, H, "like", now_s - 100 * 24 * 3600);  // outside 90 days
  insert_event(ch, "ds-7", U, kBase + 607, V2, "impression", ts);  // impressions are no interaction

  // By hand, score = ln(1 + mutual) + ln(1 + N):
  //   X: followed by F1 and F2, 1 comment → ln 3 + ln 2 = 1.7918 (both)
  //   W: 2 interactions                   → ln 3        = 1.0986 (affinity)
  //   V, V2, G: one mutual each           → ln 2        = 0.6931, by id (friends_of_friends)
  //   excluded: U, F1 (followed), Z (unfollowed by F1), Y (deleted), Q (unknown), H (100 days)
  const nf::ranking::Params params;
  const auto list = nf::discover::compute_suggestions(ch, params, U, now_ms);
  CHECK(list.user_id == U);
  CHECK(list.computed_at_ms == now_ms);
  REQUIRE(user_ids(list) == std::vector<uint64_t>{X, W, V, V2, G});
  CHECK(list.items[0].mutual_follows == 2);
  CHECK(list.items[0].interactions == 1);
  CHECK(list.items[0].reason == "both");
  CHECK(list.items[0].score == Approx(std::log(3.0) + std::log(2.0)));
  CHECK(list.items[1].interactions == 2);
  CHECK(list.items[1].reason == "affinity");
  CHECK(list.items[1].score == Approx(std::log(3.0)));
  CHECK(list.items[4].reason == "friends_of_friends");
  CHECK(list.items[4].score == Approx(std::log(2.0)));
  CHECK(user_ids(nf::discover::compute_suggestions(ch, params, U, now_ms, 2)) == std::vector<uint64_t>{X, W});
  CHECK(nf::discover::compute_suggestions(ch, params, kBase + 199, now_ms).items.empty());  // a user with nothing

  SECTION("SuggestionSource reads suggest:users:{u}, ignores a malformed value, and computes live without one") {
    nf::redis::Pool pool(nf::redis::settings_from(scratch.config()));
    const std::string key = nf::discover::suggestions_key(U);
    const auto set = [&](const std::string& value) {
      const auto stored = pool.try_with([&](nf::redis::Connection& c) {
        return c.command({"SET", key, value, "EX", "60"}) != nullptr;
      });
      REQUIRE(stored.value_or(false));
    };
    nf::discover::SuggestionSource source(ch, pool, params);

    nf::discover::SuggestedList stored;
    stored.user_id = U;
    stored.computed_at_ms = 12345;
    stored.items.push_back({kBase + 777, 3, 0, std::log(4.0), "friends_of_friends"});
    stored.items.push_back({kBase + 778, 1, 0, std::log(2.0), "friends_of_friends"});
    REQUIRE(nf::discover::store_suggestions(pool, stored, 60));
    const auto cached = source.get(U, 20, now_ms);
    CHECK(cached.from_cache);
    CHECK(cached.computed_at_ms == 12345);
    CHECK(user_ids(cached) == std::vector<uint64_t>{kBase + 777, kBase + 778});
    CHECK(source.get(U, 1, now_ms).items.size() == 1);

    const auto other_user = nf::discover::to_json(nf::discover::SuggestedList{U + 1, 1, false, {}}).dump();
    for (const std::string& bad : std::vector<std::string>{"{not json", R"({"user_id": "x"})", other_user}) {
      INFO("value " << bad);
      set(bad);
      const auto live = source.get(U, 20, now_ms);
      CHECK_FALSE(live.from_cache);
      CHECK(user_ids(live) == user_ids(list));
    }
    pool.try_with([&](nf::redis::Connection& c) { return c.command({"DEL", key}) != nullptr; });
    const auto missing = source.get(U, 20, now_ms);
    CHECK_FALSE(missing.from_cache);
    CHECK(user_ids(missing) == user_ids(list));
  }
}
