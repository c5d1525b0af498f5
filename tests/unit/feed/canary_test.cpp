// The canary split (feed.ranked_percent): the hash, its shares, its stability and
// monotonicity, the option's validation, and FeedService deciding the side before the
// cache.

#include <atomic>
#include <map>
#include <mutex>

#include <catch2/catch.hpp>

#include "core/config/config.hpp"
#include "core/error/error.hpp"
#include "core/feed/canary.hpp"
#include "core/feed/feed_service.hpp"
#include "core/ranking/probes.hpp"

namespace {

using nf::feed::ranked_side;

nf::config::Config config_with(nf::config::EnvList env) {
  // Nothing listens on port 1: if anything reached for a real dependency it would fail.
  env.emplace_back("NOVAFEED_REDIS_URL", "redis://127.0.0.1:1");
  env.emplace_back("NOVAFEED_CLICKHOUSE_URL", "http://127.0.0.1:1");
  env.emplace_back("NOVAFEED_POSTGRES_URL", "postgresql://novafeed@127.0.0.1:1/novafeed");
  nf::config::Sources sources;
  sources.env = std::move(env);
  return nf::config::load(sources);
}

size_t ranked_among(uint64_t first, size_t count, int percent) {
  size_t ranked = 0;
  for (uint64_t id = first; id < first + count; ++id) ranked += ranked_side(id, percent);
  return ranked;
}

}  // namespace

TEST_CASE("canary: the hash is splitmix64's output function", "[feed][canary]") {
  // SplitMix64 seeded with 0 gives 0xe220a8397b1dcdaf, then 0x6e789e6aa1b965f4 (the
  // published sequence): our hash of x is the generator's output for state x.
  CHECK(nf::feed::splitmix64(0) == 0xe220a8397b1dcdafULL);
  CHECK(nf::feed::splitmix64(0x9e3779b97f4a7c15ULL) == 0x6e789e6aa1b965f4ULL);
  CHECK(nf::feed::canary_bucket(0) == static_cast<int>(0xe220a8397b1dcdafULL % 100));
}

TEST_CASE("canary: 10 % of 100,000 ids are ranked, within 0.5 %, in low and high id ranges", "[feed][canary]") {
  for (const uint64_t first : {uint64_t{1}, uint64_t{9'300'000'000}, uint64_t{1} << 40}) {
    INFO("ids from " << first);
    const auto ranked = ranked_among(first, 100'000, 10);
    CHECK(ranked >= 9'500);
    CHECK(ranked <= 10'500);
    // The other shares too, each within half a percent of 100,000.
    for (const int percent : {1, 25, 50, 90}) {
      INFO(percent << " %");
      const auto share = static_cast<long>(ranked_among(first, 100'000, percent));
      CHECK(std::labs(share - percent * 1000L) <= 500);
    }
  }
}

TEST_CASE("canary: a user's side is stable and raising the percent only adds users", "[feed][canary]") {
  for (uint64_t id = 1; id <= 20'000; ++id) {
    const int bucket = nf::feed::canary_bucket(id);
    REQUIRE(bucket >= 0);
    REQUIRE(bucket < 100);
    REQUIRE(nf::feed::canary_bucket(id) == bucket);  // a pure function of the id
    REQUIRE_FALSE(ranked_side(id, 0));
    REQUIRE(ranked_side(id, 100));
    for (int percent = 0; percent < 100; ++percent)
      if (ranked_side(id, percent)) REQUIRE(ranked_side(id, percent + 1));  // monotone
    // The side is exactly "bucket below the percent".
    REQUIRE(ranked_side(id, bucket + 1));
    REQUIRE_FALSE(ranked_side(id, bucket));
  }
}

TEST_CASE("canary: a latency probe's reader is always ranked", "[feed][canary]") {
  const uint64_t probe = nf::ranking::kProbeIdFloor + 7;
  CHECK(ranked_side(probe, 0));
  CHECK(nf::feed::Canary(0).ranked(probe));
}

TEST_CASE("canary: feed.ranked_percent defaults to 100 and refuses anything outside 0..100", "[feed][canary]") {
  CHECK(nf::feed::ranked_percent_from(config_with({})) == 100);
  CHECK(nf::feed::ranked_percent_from(config_with({{"NOVAFEED_FEED_RANKED_PERCENT", "0"}})) == 0);
  CHECK(nf::feed::ranked_percent_from(config_with({{"NOVAFEED_FEED_RANKED_PERCENT", "10"}})) == 10);
  for (const char* bad : {"101", "-1", "ten", "10.5", ""}) {
    INFO("'" << bad << "'");
    try {
      nf::feed::ranked_percent_from(config_with({{"NOVAFEED_FEED_RANKED_PERCENT", bad}}));
      FAIL("accepted");
    } catch (const nf::Error& e) {
      CHECK(e.code() == nf::ExitCode::usage);
      CHECK_THAT(e.what(), Catch::Contains("feed.ranked_percent") &&
                               Catch::Contains("env:NOVAFEED_FEED_RANKED_PERCENT"));
    }
  }
}

TEST_CASE("canary: a user's side as `novafeed feed` shows it", "[feed][canary]") {
  const auto config = config_with({{"NOVAFEED_FEED_RANKED_PERCENT", "30"}});
  // The first ids on each side at 30 %.
  uint64_t ranked = 0, timeline = 0;
  for (uint64_t id = 1; ranked == 0 || timeline == 0; ++id) {
    auto& first = ranked_side(id, 30) ? ranked : timeline;
    if (first == 0) first = id;
  }
  const auto on = nf::feed::canary_side(config, ranked), off = nf::feed::canary_side(config, timeline);
  CHECK(on.ranked);
  CHECK_FALSE(off.ranked);
  CHECK(nf::feed::to_json(on)["side"] == "ranked");
  CHECK(nf::feed::to_json(off)["side"] == "timeline");
  CHECK(nf::feed::to_json(off)["ranked_percent"] == 30);
  CHECK(nf::feed::to_json(off)["bucket"] == nf::feed::canary_bucket(timeline));
  CHECK_THAT(nf::feed::describe(off), Catch::Contains("TIMELINE side") &&
                                          Catch::Contains("feed.ranked_percent = 30 (from env:"));
}

namespace {

// FeedService's sources: a cached ranked list for every user, a one-post timeline.
struct CanaryFakes {
  std::atomic<int> timeline_calls{0}, candidate_calls{0};
  std::atomic<bool> postgres_down{false};

  nf::feed::Sources sources(int64_t now_ms) {
    nf::feed::Sources s;
    s.candidates = [this](uint64_t user_id, int64_t now, const nf::feed::EngagementTable*) {
      ++candidate_calls;
      nf::feed::FetchedCandidates fetched;
      fetched.input.user_id = user_id;
      fetched.input.now_ms = now;
      fetched.input.sources.follow.push_back({101, 11, now - 3'600'000});
      return fetched;
    };
    s.timeline = [this, now_ms](uint64_t, size_t) {
      ++timeline_calls;
      if (postgres_down) throw nf::Error(nf::ExitCode::unreachable, "PostgreSQL is unreachable");
      return std::vector<nf::feed::FeedItem>{{900, 9, now_ms - 1000, std::nullopt, nf::ranking::Source::follow}};
    };
    s.read_cache = [now_ms](uint64_t) -> std::optional<nf::feed::CachedFeed> {
      return nf::feed::CachedFeed{now_ms, {{555, 5, now_ms - 2000, 0.5, nf::ranking::Source::trending}}};
    };
    s.write_cache = [](uint64_t, const nf::feed::CachedFeed&) { return true; };
    return s;
  }
};

}  // namespace

TEST_CASE("canary: FeedService decides the side before the cache, and the timeline side is no fallback",
          "[feed][canary]") {
  constexpr int64_t now_ms = 1'795'000'000'000;
  const auto config = config_with({{"NOVAFEED_FEED_RANKED_PERCENT", "0"}});
  nf::redis::Pool redis(nf::redis::settings_from(config));
  CanaryFakes fakes;
  nf::feed::FeedService service(config, redis, fakes.sources(now_ms));
  REQUIRE(service.canary().percent() == 0);

  // Off the ranked side: the timeline, though a ranked list is cached for the user.
  const auto off = service.feed(42, 20, std::nullopt, now_ms);
  CHECK(off.algo == "timeline");
  CHECK_FALSE(off.fallback);
  CHECK_FALSE(off.cached);
  REQUIRE(off.items.size() == 1);
  CHECK(off.items[0].post_id == 900);
  CHECK(fakes.timeline_calls == 1);
  // Nor does the in-memory path answer for them.
  CHECK_FALSE(service.page_in_process(42, 20, std::nullopt, now_ms));

  // PostgreSQL down: the ranked feed rather than no feed.
  fakes.postgres_down = true;
  const auto ranked_instead = service.feed(42, 20, std::nullopt, now_ms);
  CHECK(ranked_instead.algo == "ranked");
  CHECK(ranked_instead.cached);
  fakes.postgres_down = false;

  // The percent raised in place (serve's SIGHUP): the same user now gets the cached list.
  service.canary().set_percent(100);
  const auto on = service.feed(42, 20, std::nullopt, now_ms);
  CHECK(on.algo == "ranked");
  CHECK(on.cached);
  REQUIRE(on.items.size() == 1);
  CHECK(on.items[0].post_id == 555);
  CHECK(fakes.timeline_calls == 2);
  CHECK(fakes.candidate_calls == 0);
}

TEST_CASE("canary: a bad feed.ranked_percent stops FeedService at construction (exit 2)", "[feed][canary]") {
  const auto config = config_with({{"NOVAFEED_FEED_RANKED_PERCENT", "250"}});
  nf::redis::Pool redis(nf::redis::settings_from(config));
  CanaryFakes fakes;
  try {
    nf::feed::FeedService service(config, redis, fakes.sources(0));
    FAIL("constructed");
  } catch (const nf::Error& e) {
    CHECK(e.code() == nf::ExitCode::usage);
    CHECK_THAT(e.what(), Catch::Contains("feed.ranked_percent"));
  }
}
