// core/discover against the real stack: trending(W) and suggested users computed from rows
// inserted directly into a scratch ClickHouse database (the schema applied there by
// schema::apply), so the global trending list holds exactly this test's posts, and the
// Redis cache path read through a private suggest:users key.
#include <catch2/catch.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <map>
#include <string>
#include <vector>

#include "core/clickhouse/client.hpp"
#include "core/config/config.hpp"
#include "core/discover/suggestions.hpp"
#include "core/discover/trending.hpp"
#include "core/error/error.hpp"
#include "core/ingest/event_counts.hpp"
#include "core/redis/pool.hpp"
#include "core/schema/schema.hpp"
#include "tests/support/scratch_clickhouse.hpp"
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
struct ScratchDatabase : nf::test::ScratchClickHouse {
  ScratchDatabase() : ScratchClickHouse(kDatabase) {}
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
  // Counted as the ingest counts them (post_counts, user_author_counts: schema 0006).
  ch.execute(nf::ingest::count_stored_events_sql("post_id = " + std::to_string(post) + " AND event_id = " +
                                                 nf::ch::quote(event_id)));
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

TEST_CASE("suggested users in batches: each user's list is the one compute_suggestions gives",
          "[discover][clickhouse]") {
  if (!nf::test::require_stack()) return;
  ScratchDatabase scratch;
  const auto ch = scratch.client();
  const int64_t now_s = now_seconds();
  const int64_t now_ms = now_s * 1000;

  // The batch: U1 with both sources, U2 whose followee follows U2 back, U3 with affinity
  // only, U4 with nothing, U5 whose only followee follows no one and whose posts U5 likes.
  const uint64_t B = kBase + 2000;
  const uint64_t U1 = B + 1, U2 = B + 2, U3 = B + 3, U4 = B + 4, U5 = B + 5;
  const uint64_t F1 = B + 11, F2 = B + 12, L = B + 13;
  const uint64_t X = B + 21, V = B + 22, V2 = B + 23, G = B + 24, Z = B + 25, Y = B + 26, Q = B + 27, W = B + 28,
                 M = B + 29;
  for (uint64_t id : {U1, U2, U3, U4, U5, F1, F2, L, X, V, V2, G, Z, Y, W, M}) insert_user(ch, id);
  insert_user(ch, Y, 2, 1);  // Y deleted their account; Q never existed
  const std::map<uint64_t, std::vector<uint64_t>> follows = {
      {U1, {F1, F2}}, {U2, {F1}}, {U5, {L}}, {F1, {X, V, G, Y, U2}}, {F2, {X, V2, Q, U1, F1}}};
  for (const auto& [follower, followees] : follows)
    for (const uint64_t followee : followees) insert_follow(ch, follower, followee);
  insert_follow(ch, U1, G);
  insert_follow(ch, U1, G, 2, 1);  // U1 unfollowed G: G may be suggested again
  insert_follow(ch, F1, Z);
  insert_follow(ch, F1, Z, 2, 1);  // F1 unfollowed Z: no longer a friend of a friend
  const int64_t ts = now_s - 3600;
  int n = 0;
  const auto interact = [&](uint64_t user, uint64_t author, const std::string& action, int64_t at_s) {
    ++n;
    insert_event(ch, "db-" + std::to_string(n), user, kBase + 3000 + n, author, action, at_s);
  };
  interact(U1, W, "like", ts);
  interact(U1, W, "share", ts);
  interact(U1, X, "comment", ts);
  interact(U1, F1, "like", ts);  // followed: never suggested
  interact(U1, U1, "like", ts);  // own post
  interact(U1, M, "like", now_s - 100 * 24 * 3600);  // outside the 90 days
  interact(U3, W, "like", ts);
  interact(U3, X, "share", ts);
  interact(U3, Y, "like", ts);  // deleted
  interact(U3, Q, "like", ts);  // unknown
  interact(U3, V, "impression", ts);  // impressions are no interaction
  interact(U5, L, "like", ts);  // followed, though L follows no one
  interact(U5, M, "comment", ts);

  const nf::ranking::Params params;
  const std::vector<uint64_t> batch = {U1, U2, U3, U4, U5};
  const auto check_same_as_alone = [&](const std::vector<nf::discover::SuggestedList>& lists,
                                       const std::vector<uint64_t>& users, size_t limit) {
    REQUIRE(lists.size() == users.size());
    for (size_t i = 0; i < users.size(); ++i) {
      INFO("user " << users[i] << ", limit " << limit);
      const auto& list = lists[i];
      const auto alone = nf::discover::compute_suggestions(ch, params, users[i], now_ms, limit);
      CHECK(list.user_id == users[i]);
      CHECK(list.computed_at_ms == now_ms);
      CHECK_FALSE(list.from_cache);
      REQUIRE(user_ids(list) == user_ids(alone));
      for (size_t k = 0; k < list.items.size(); ++k) {
        CHECK(list.items[k].mutual_follows == alone.items[k].mutual_follows);
        CHECK(list.items[k].interactions == alone.items[k].interactions);
        CHECK(list.items[k].score == alone.items[k].score);
        CHECK(list.items[k].reason == alone.items[k].reason);
      }
      const auto followed = follows.find(users[i]);
      for (const auto& item : list.items) {
        CHECK(item.user_id != users[i]);
        if (followed != follows.end())
          CHECK(std::find(followed->second.begin(), followed->second.end(), item.user_id) == followed->second.end());
      }
    }
  };

  const auto lists = nf::discover::compute_suggestions_batch(ch, params, batch, now_ms);
  check_same_as_alone(lists, batch, 20);
  // By hand (score = ln(1 + mutual) + ln(1 + N)):
  //   U1: X (F1 and F2 follow X, 1 comment: both), W (N = 2), then U2, V, V2, G by id
  //       (one mutual each; not Z, Y, Q, F1, U1 itself, nor M: 100 days ago)
  //   U2: X, V, G through F1 (U2 itself is excluded, Y is deleted)
  //   U3: X and W (N = 1 each, so by id)
  //   U5: M (L is followed)
  CHECK(user_ids(lists[0]) == std::vector<uint64_t>{X, W, U2, V, V2, G});
  CHECK(lists[0].items[0].mutual_follows == 2);
  CHECK(lists[0].items[0].reason == "both");
  CHECK(user_ids(lists[1]) == std::vector<uint64_t>{X, V, G});
  CHECK(user_ids(lists[2]) == std::vector<uint64_t>{X, W});
  CHECK(lists[3].items.empty());
  CHECK(user_ids(lists[4]) == std::vector<uint64_t>{M});

  check_same_as_alone(nf::discover::compute_suggestions_batch(ch, params, batch, now_ms, 2), batch, 2);
  // The same user twice gets the same list twice; an empty batch asks nothing.
  const auto twice = nf::discover::compute_suggestions_batch(ch, params, {U2, U1, U2}, now_ms);
  check_same_as_alone(twice, {U2, U1, U2}, 20);
  CHECK(nf::discover::compute_suggestions_batch(ch, params, {}, now_ms).empty());

  SECTION("a batch of 1,500 users, most without data: one statement, one list each") {
    std::vector<uint64_t> large;
    for (uint64_t i = 0; i < 1495; ++i) large.push_back(kBase + 10'000 + i);
    large.insert(large.begin() + 700, batch.begin(), batch.end());
    const auto large_lists = nf::discover::compute_suggestions_batch(ch, params, large, now_ms);
    REQUIRE(large_lists.size() == large.size());
    size_t with_items = 0;
    for (size_t i = 0; i < large.size(); ++i) {
      CHECK(large_lists[i].user_id == large[i]);
      with_items += !large_lists[i].items.empty();
    }
    CHECK(with_items == 4);
    for (size_t i = 0; i < batch.size(); ++i) CHECK(user_ids(large_lists[700 + i]) == user_ids(lists[i]));
  }
}
