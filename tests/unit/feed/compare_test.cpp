// `novafeed feed --compare`'s measures on hand-worked rankings: what entered, left and
// moved, the overlap, Kendall's tau-b (missing posts tied below the end), the sample's
// summary, and the overrides' validation.

#include <catch2/catch.hpp>

#include "core/config/config.hpp"
#include "core/error/error.hpp"
#include "core/feed/compare.hpp"

namespace {

using Ids = std::vector<uint64_t>;

nf::config::Config default_config() { return nf::config::load(nf::config::Sources{}); }

nf::feed::Side side_of(const std::vector<std::pair<uint64_t, nf::ranking::Source>>& posts) {
  nf::feed::Side side;
  for (const auto& [id, source] : posts) side.items.push_back({id, 1, 0, 0.5, source});
  return side;
}

}  // namespace

TEST_CASE("compare: entered, left and moved between two rankings", "[feed][compare]") {
  //            pos: 1  2  3  4  5
  const Ids before = {1, 2, 3, 4, 5};
  const Ids after = {2, 1, 3, 6, 4};
  const auto changes = nf::feed::rank_changes(before, after);
  // 2: 2 -> 1 (up 1); 1: 1 -> 2 (down 1); 3 stays at 3; 6 entered at 4; 4: 4 -> 5 (down 1); 5 left from 5.
  REQUIRE(changes.moved.size() == 3);
  CHECK(changes.moved[0].post_id == 2);
  CHECK(changes.moved[0].from == 2);
  CHECK(changes.moved[0].to == 1);
  CHECK(changes.moved[0].places() == 1);
  CHECK(changes.moved[1].post_id == 1);
  CHECK(changes.moved[1].places() == -1);
  CHECK(changes.moved[2].post_id == 4);
  CHECK(changes.moved[2].from == 4);
  CHECK(changes.moved[2].to == 5);
  REQUIRE(changes.entered.size() == 1);
  CHECK(changes.entered[0].post_id == 6);
  CHECK(changes.entered[0].position == 4);
  REQUIRE(changes.left.size() == 1);
  CHECK(changes.left[0].post_id == 5);
  CHECK(changes.left[0].position == 5);
  CHECK(changes.unchanged == 1);
  CHECK_FALSE(changes.none());

  const auto same = nf::feed::rank_changes(before, before);
  CHECK(same.none());
  CHECK(same.unchanged == 5);
  CHECK(nf::feed::rank_changes({}, {}).none());
}

TEST_CASE("compare: overlap is the share of posts kept", "[feed][compare]") {
  CHECK(nf::feed::overlap({1, 2, 3, 4}, {4, 3, 2, 1}) == 1.0);  // order does not count
  CHECK(nf::feed::overlap({1, 2, 3, 4}, {1, 2, 5}) == 0.5);     // 2 common / max(4, 3)
  CHECK(nf::feed::overlap({1, 2}, {3, 4}) == 0.0);
  CHECK(nf::feed::overlap({}, {}) == 1.0);
  CHECK(nf::feed::overlap({1}, {}) == 0.0);
}

TEST_CASE("compare: Kendall's tau-b over the union, missing posts tied below the end", "[feed][compare]") {
  // The same order: 1; reversed: -1.
  CHECK(*nf::feed::kendall_tau_b({1, 2, 3}, {1, 2, 3}) == Approx(1.0));
  CHECK(*nf::feed::kendall_tau_b({1, 2, 3}, {3, 2, 1}) == Approx(-1.0));
  // Two swapped: pairs (1,2) C, (1,3) C, (2,3) D → (2 - 1) / 3.
  CHECK(*nf::feed::kendall_tau_b({1, 2, 3}, {1, 3, 2}) == Approx(1.0 / 3));
  // 3 left, 4 entered at its place. Union {1,2,3,4}; before ranks 4 at 3 (below its end),
  // after ranks 3 at 3. Pairs: five concordant, (3,4) discordant, no ties → (5 - 1) / 6.
  CHECK(*nf::feed::kendall_tau_b({1, 2, 3}, {1, 2, 4}) == Approx(2.0 / 3));
  // Nothing in common. before: 1:0 2:1 3:2 4:2; after: 3:0 4:1 1:2 2:2. (1,2) tied after,
  // (3,4) tied before, the other four discordant: -4 / sqrt((6-1)(6-1)) = -0.8.
  CHECK(*nf::feed::kendall_tau_b({1, 2}, {3, 4}) == Approx(-0.8));
  // Undefined: one post in all, or one side empty (every pair tied there).
  CHECK_FALSE(nf::feed::kendall_tau_b({1}, {1}));
  CHECK_FALSE(nf::feed::kendall_tau_b({1, 2}, {}));
  CHECK_FALSE(nf::feed::kendall_tau_b({}, {}));
}

TEST_CASE("compare: the sample's summary: mean overlap and tau, changed users, source mix", "[feed][compare]") {
  using nf::ranking::Source;
  std::vector<nf::feed::UserComparison> users(3);
  // u1: unchanged, two follow posts.
  users[0].user_id = 1;
  users[0].before = users[0].after = side_of({{10, Source::follow}, {11, Source::follow}});
  // u2: one trending post replaced by an affinity post.
  users[1].user_id = 2;
  users[1].before = side_of({{20, Source::follow}, {21, Source::trending}});
  users[1].after = side_of({{20, Source::follow}, {22, Source::affinity}});
  // u3: empty on both sides: left out.
  users[2].user_id = 3;
  for (auto& u : users) {
    u.changes = nf::feed::rank_changes(u.before.ids(), u.after.ids());
    u.overlap = nf::feed::overlap(u.before.ids(), u.after.ids());
    u.tau = nf::feed::kendall_tau_b(u.before.ids(), u.after.ids());
  }
  const auto summary = nf::feed::summarise(users, 5, 3);
  CHECK(summary.asked == 5);
  CHECK(summary.active == 3);
  CHECK(summary.compared == 2);
  CHECK(summary.changed == 1);
  CHECK(summary.mean_overlap == Approx((1.0 + 0.5) / 2));
  CHECK(summary.min_overlap == Approx(0.5));
  // u2: union {20,21,22}: before 20:0 21:1 22:2, after 20:0 22:1 21:2 → C, C, D → 1/3.
  REQUIRE(summary.mean_tau);
  CHECK(*summary.mean_tau == Approx((1.0 + 1.0 / 3) / 2));
  CHECK(summary.tau_users == 2);
  CHECK(summary.before.follow == 3);
  CHECK(summary.before.trending == 1);
  CHECK(summary.after.affinity == 1);
  CHECK(summary.after.share(summary.after.follow) == Approx(0.75));
}

TEST_CASE("compare: overrides take ranking.* keys once each, and name what they replace", "[feed][compare]") {
  const auto config = default_config();
  std::vector<nf::feed::Override> overrides;
  const auto changed = nf::feed::with_overrides(
      config, {"ranking.weight_engagement=0.5", "ranking.follow_window_h=48"}, &overrides);
  CHECK(changed.get("ranking.weight_engagement") == "0.5");
  CHECK(changed.values.at("ranking.weight_engagement").origin == "--compare");
  CHECK(changed.get("ranking.follow_window_h") == "48");
  CHECK(config.get("ranking.weight_engagement") == "0.40");  // the original is untouched
  REQUIRE(overrides.size() == 2);
  CHECK(overrides[0].key == "ranking.weight_engagement");
  CHECK(overrides[0].before == "0.40");
  CHECK(overrides[0].before_origin == "default");
  CHECK(overrides[0].after == "0.5");

  for (const std::vector<std::string>& bad :
       {std::vector<std::string>{"feed.cache_ttl_s=5"}, {"ranking.nonexistent=1"}, {"weight_engagement"},
        {"ranking.weight_affinity=0.1", "ranking.weight_affinity=0.2"}}) {
    INFO(bad.front());
    try {
      nf::feed::with_overrides(config, bad, nullptr);
      FAIL("accepted");
    } catch (const nf::Error& e) {
      CHECK(e.code() == nf::ExitCode::usage);
      CHECK_THAT(e.what(), Catch::Contains("--compare"));
    }
  }
}

TEST_CASE("compare: a bad value or a missing user/sample is a usage error before anything is read",
          "[feed][compare]") {
  auto env = nf::config::EnvList{{"NOVAFEED_CLICKHOUSE_URL", "http://127.0.0.1:1"},
                                 {"NOVAFEED_REDIS_URL", "redis://127.0.0.1:1"}};
  nf::config::Sources sources;
  sources.env = env;
  const auto config = nf::config::load(sources);
  const auto usage = [&](nf::feed::CompareRequest request, const std::string& says) {
    INFO(says);
    try {
      nf::feed::run_compare(config, request, 1'795'000'000'000);
      FAIL("ran");
    } catch (const nf::Error& e) {
      CHECK(e.code() == nf::ExitCode::usage);
      CHECK_THAT(e.what(), Catch::Contains(says));
    }
  };
  usage({{"ranking.weight_engagement=-1"}, 42, 0, 20}, "zero or more");
  usage({{"ranking.weight_engagement=x"}, 42, 0, 20}, "must be a number");
  usage({{"ranking.trending_window_h=5"}, 42, 0, 20}, "ranking.trending_window_h");
  usage({{"ranking.weight_engagement=0.5"}, 0, 0, 20}, "either --user");
  usage({{"ranking.weight_engagement=0.5"}, 42, 10, 20}, "not both");
  usage({{}, 42, 0, 20}, "at least one");
  usage({{"ranking.weight_engagement=0.5"}, 42, 0, 51}, "--limit");
}

TEST_CASE("compare: the text and JSON of one user's comparison", "[feed][compare]") {
  using nf::ranking::Source;
  nf::feed::Comparison comparison;
  comparison.now_ms = 1'795'000'000'000;
  comparison.overrides = {{"ranking.weight_engagement", "0.40", "default", "0.5"}};
  comparison.candidates = "read once, ranked twice";
  comparison.trending = "F2 computed live now";
  nf::feed::UserComparison user;
  user.user_id = 42;
  user.before = side_of({{1, Source::follow}, {2, Source::trending}, {3, Source::affinity}});
  user.after = side_of({{2, Source::trending}, {1, Source::follow}, {4, Source::affinity}});
  user.changes = nf::feed::rank_changes(user.before.ids(), user.after.ids());
  user.overlap = nf::feed::overlap(user.before.ids(), user.after.ids());
  user.tau = nf::feed::kendall_tau_b(user.before.ids(), user.after.ids());
  comparison.users = {user};

  const auto text = nf::feed::render_compare_text(comparison);
  INFO(text);
  CHECK_THAT(text, Catch::Contains("CHANGED: 1 entered, 1 left, 2 moved, 0 unchanged"));
  CHECK_THAT(text, Catch::Contains("up 1 (was 2)") && Catch::Contains("down 1 (was 1)") &&
                       Catch::Contains("entered") && Catch::Contains("left the top 20: 3 (was 3)"));
  CHECK_THAT(text, Catch::Contains("ranking.weight_engagement 0.40 (default) -> 0.5"));
  const auto json = nf::feed::to_json(comparison);
  CHECK(json["user_id"] == 42);
  CHECK(json["before"].size() == 3);
  CHECK(json["after"][0]["post_id"] == 2);
  CHECK(json["changes"]["changed"] == true);
  CHECK(json["changes"]["entered"][0] == nlohmann::json({{"post_id", 4}, {"position", 3}}));
  CHECK(json["changes"]["left"][0] == nlohmann::json({{"post_id", 3}, {"position", 3}}));
  CHECK(json["changes"]["moved"][0] == nlohmann::json({{"post_id", 2}, {"from", 2}, {"to", 1}, {"places_up", 1}}));

  comparison.users[0].after = comparison.users[0].before;
  comparison.users[0].changes = nf::feed::rank_changes(user.before.ids(), user.before.ids());
  CHECK_THAT(nf::feed::render_compare_text(comparison), Catch::Contains("NO CHANGE"));
}
