// The feed path without a stack: FeedService with injected sources (candidates, timeline,
// cache), driven through a hit, a miss, a fallback, the breaker, concurrent misses and
// warming (never for a user off the canary's ranked side).

#include <atomic>
#include <future>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <thread>
#include <unordered_map>

#include <catch2/catch.hpp>

#include "core/config/config.hpp"
#include "core/error/error.hpp"
#include "core/feed/feed_service.hpp"

namespace {

using nf::feed::CachedFeed;
using nf::feed::FeedItem;

constexpr int64_t kNow = 1'795'000'000'000;
constexpr uint64_t kUser = 42;

nf::config::Config test_config() {
  nf::config::Sources sources;
  // Nothing listens on port 1: if anything reached for a real dependency it would fail.
  sources.env = {{"NOVAFEED_REDIS_URL", "redis://127.0.0.1:1"},
                 {"NOVAFEED_CLICKHOUSE_URL", "http://127.0.0.1:1"},
                 {"NOVAFEED_POSTGRES_URL", "postgresql://novafeed@127.0.0.1:1/novafeed"},
                 {"NOVAFEED_FEED_BREAKER_FAILURES", "3"},
                 {"NOVAFEED_FEED_BREAKER_OPEN_MS", "300"}};
  return nf::config::load(sources);
}

// Three followed posts, no engagement: ranked by freshness alone (newest first).
nf::feed::FetchedCandidates three_posts(uint64_t user_id, int64_t now_ms) {
  nf::feed::FetchedCandidates fetched;
  fetched.input.user_id = user_id;
  fetched.input.now_ms = now_ms;
  for (uint64_t i = 1; i <= 3; ++i)
    fetched.input.sources.follow.push_back({100 + i, 10 + i, now_ms - static_cast<int64_t>(i) * 3'600'000});
  return fetched;
}

// Sources that count their calls; ClickHouse "fails" while clickhouse_down is set.
struct Fakes {
  std::atomic<int> candidate_calls{0}, timeline_calls{0}, writes{0};
  std::atomic<bool> clickhouse_down{false}, postgres_down{false};
  std::mutex mutex;
  std::map<uint64_t, CachedFeed> cache;
  std::chrono::milliseconds candidate_delay{0};

  nf::feed::Sources sources() {
    nf::feed::Sources s;
    s.candidates = [this](uint64_t user_id, int64_t now_ms, const nf::feed::EngagementTable*) {
      ++candidate_calls;
      std::this_thread::sleep_for(candidate_delay);
      if (clickhouse_down) throw nf::Error(nf::ExitCode::unreachable, "ClickHouse at 127.0.0.1:1 is unreachable");
      return three_posts(user_id, now_ms);
    };
    s.timeline = [this](uint64_t, size_t) {
      ++timeline_calls;
      if (postgres_down) throw nf::Error(nf::ExitCode::unreachable, "PostgreSQL is unreachable");
      return std::vector<FeedItem>{{900, 9, kNow - 1000, std::nullopt, nf::ranking::Source::follow}};
    };
    s.read_cache = [this](uint64_t user_id) -> std::optional<CachedFeed> {
      std::lock_guard lock(mutex);
      const auto it = cache.find(user_id);
      if (it == cache.end()) return std::nullopt;
      return it->second;
    };
    s.write_cache = [this](uint64_t user_id, const CachedFeed& feed) {
      ++writes;
      std::lock_guard lock(mutex);
      cache[user_id] = feed;
      return true;
    };
    return s;
  }
};

std::vector<uint64_t> post_ids(const nf::feed::FeedPage& page) {
  std::vector<uint64_t> ids;
  for (const auto& item : page.items) ids.push_back(item.post_id);
  return ids;
}

}  // namespace

TEST_CASE("feed service: a miss ranks and caches, the next request is a hit without ClickHouse", "[feed]") {
  const auto config = test_config();
  nf::redis::Pool redis(nf::redis::settings_from(config));
  Fakes fakes;
  nf::feed::FeedService service(config, redis, fakes.sources());

  const auto miss = service.feed(kUser, 20, std::nullopt, kNow);
  CHECK(miss.algo == "ranked");
  CHECK_FALSE(miss.cached);
  CHECK_FALSE(miss.fallback);
  CHECK(post_ids(miss) == std::vector<uint64_t>{101, 102, 103});
  CHECK(fakes.candidate_calls == 1);
  CHECK(fakes.writes == 1);

  const auto hit = service.feed(kUser, 20, std::nullopt, kNow + 1000);
  CHECK(hit.cached);
  CHECK(hit.computed_at_ms == kNow);  // the cached list, not a new one
  CHECK(post_ids(hit) == post_ids(miss));
  CHECK(fakes.candidate_calls == 1);

  SECTION("a page of the cached list, then the next by cursor") {
    const auto first = service.feed(kUser, 2, std::nullopt, kNow + 2000);
    CHECK(post_ids(first) == std::vector<uint64_t>{101, 102});
    REQUIRE(first.next_cursor);
    const auto second = service.feed(kUser, 2, first.next_cursor, kNow + 3000);
    CHECK(post_ids(second) == std::vector<uint64_t>{103});
    CHECK_FALSE(second.next_cursor);
    CHECK(fakes.candidate_calls == 1);
  }
  SECTION("bypassing the cache ranks anew and leaves the cache alone") {
    const auto fresh = service.feed(kUser, 20, std::nullopt, kNow + 5000, nf::feed::CacheUse::bypass);
    CHECK_FALSE(fresh.cached);
    CHECK(fresh.computed_at_ms == kNow + 5000);
    CHECK(fakes.candidate_calls == 2);
    CHECK(fakes.writes == 1);
  }
  SECTION("bad input is refused before any work") {
    CHECK_THROWS_AS(service.feed(kUser, 0, std::nullopt, kNow), nf::Error);
    CHECK_THROWS_AS(service.feed(kUser, 51, std::nullopt, kNow), nf::Error);
    CHECK_THROWS_AS(service.feed(kUser, 20, std::string("not-a-cursor"), kNow), nf::Error);
    CHECK(fakes.candidate_calls == 1);
  }
}

TEST_CASE("feed service: ClickHouse failing gives the uncached timeline, then the breaker stops asking it", "[feed]") {
  const auto config = test_config();
  nf::redis::Pool redis(nf::redis::settings_from(config));
  Fakes fakes;
  nf::feed::FeedService service(config, redis, fakes.sources());
  fakes.clickhouse_down = true;

  for (int i = 0; i < 3; ++i) {
    const auto page = service.feed(kUser + static_cast<uint64_t>(i), 20, std::nullopt, kNow);
    CHECK(page.algo == "timeline");
    CHECK(page.fallback);
    CHECK_FALSE(page.cached);
    CHECK(post_ids(page) == std::vector<uint64_t>{900});
  }
  CHECK(fakes.candidate_calls == 3);
  CHECK(fakes.writes == 0);  // a timeline is never cached
  CHECK(service.clickhouse_breaker().state == nf::feed::BreakerState::open);

  // Open: ClickHouse is not asked at all.
  CHECK(service.feed(kUser, 20, std::nullopt, kNow).fallback);
  CHECK(fakes.candidate_calls == 3);

  // After breaker_open_ms one request probes; ClickHouse is back, so it closes.
  fakes.clickhouse_down = false;
  std::this_thread::sleep_for(std::chrono::milliseconds(400));
  const auto probe = service.feed(kUser, 20, std::nullopt, kNow);
  CHECK(probe.algo == "ranked");
  CHECK(fakes.candidate_calls == 4);
  CHECK(service.clickhouse_breaker().state == nf::feed::BreakerState::closed);

  SECTION("both down: a dependency error, no answer made up") {
    fakes.clickhouse_down = true;
    fakes.postgres_down = true;
    try {
      service.feed(kUser + 100, 20, std::nullopt, kNow);
      FAIL("no error");
    } catch (const nf::Error& e) {
      CHECK(e.code() == nf::ExitCode::unreachable);
      CHECK(e.reason() == "feed_unavailable");
    }
  }
}

TEST_CASE("feed service: concurrent misses of one user rank once and share the answer", "[feed]") {
  const auto config = test_config();
  nf::redis::Pool redis(nf::redis::settings_from(config));
  Fakes fakes;
  fakes.candidate_delay = std::chrono::milliseconds(200);
  nf::feed::FeedService service(config, redis, fakes.sources());
  std::vector<std::future<nf::feed::FeedPage>> pages;
  for (int i = 0; i < 6; ++i)
    pages.push_back(std::async(std::launch::async, [&] { return service.feed(kUser, 20, std::nullopt, kNow); }));
  size_t shared = 0;
  for (auto& page : pages) {
    const auto answer = page.get();
    CHECK(post_ids(answer) == std::vector<uint64_t>{101, 102, 103});
    shared += answer.shared ? 1 : 0;
  }
  CHECK(fakes.candidate_calls == 1);
  CHECK(fakes.writes == 1);
  CHECK(shared >= 1);  // the others waited for the first (or found its cached list)
}

TEST_CASE("feed service: warming computes and caches no ranked feed for a user off the canary's ranked side",
          "[feed][canary]") {
  nf::config::Sources config_sources;
  config_sources.env = {{"NOVAFEED_REDIS_URL", "redis://127.0.0.1:1"},
                        {"NOVAFEED_CLICKHOUSE_URL", "http://127.0.0.1:1"},
                        {"NOVAFEED_POSTGRES_URL", "postgresql://novafeed@127.0.0.1:1/novafeed"},
                        {"NOVAFEED_FEED_RANKED_PERCENT", "50"}};
  const auto config = nf::config::load(config_sources);
  nf::redis::Pool redis(nf::redis::settings_from(config));
  // Two users on each side of the 50 % split.
  std::vector<uint64_t> ranked, timeline;
  for (uint64_t user = 1; ranked.size() < 2 || timeline.size() < 2; ++user) {
    auto& side = nf::feed::ranked_side(user, 50) ? ranked : timeline;
    if (side.size() < 2) side.push_back(user);
  }
  const std::vector<uint64_t> users = {ranked[0], timeline[0], ranked[1], timeline[1]};
  Fakes fakes;
  auto sources = fakes.sources();
  std::set<uint64_t> candidate_users;

  SECTION("one user at a time (no batch read)") {
    nf::feed::FeedService service(config, redis, sources);
    const auto warmed = service.warm_batch(users, kNow);
    CHECK(warmed.size() == 2);
    CHECK(warmed.count(ranked[0]) == 1);
    CHECK(warmed.count(ranked[1]) == 1);
    CHECK(fakes.candidate_calls == 2);
    CHECK_FALSE(service.warm(timeline[0], kNow).has_value());
    CHECK(service.warm(ranked[0], kNow) == std::optional<size_t>(3));
  }
  SECTION("a batch read asks only for the ranked side") {
    sources.candidates_batch = [&](const std::vector<uint64_t>& ids, int64_t now_ms, const nf::feed::EngagementTable*) {
      std::unordered_map<uint64_t, nf::feed::FetchedCandidates> out;
      for (const auto id : ids) {
        candidate_users.insert(id);
        out[id] = three_posts(id, now_ms);
      }
      return out;
    };
    nf::feed::FeedService service(config, redis, sources);
    const auto warmed = service.warm_batch(users, kNow);
    CHECK(warmed.size() == 2);
    CHECK(candidate_users == std::set<uint64_t>{ranked[0], ranked[1]});
    CHECK(service.warm_batch({timeline[0], timeline[1]}, kNow).empty());
    CHECK(candidate_users.size() == 2);
  }
  std::lock_guard lock(fakes.mutex);
  CHECK(fakes.cache.count(timeline[0]) == 0);
  CHECK(fakes.cache.count(timeline[1]) == 0);
  CHECK(fakes.cache.count(ranked[0]) == 1);
  CHECK(fakes.cache.count(ranked[1]) == 1);
}
