#pragma once
// The feed of SPEC §3/§4 as one object serve's workers share (and `novafeed feed` uses):
// a request reads top to bottom — cache → candidates → features → score → filter →
// saturate → page — with the PostgreSQL timeline behind a circuit breaker when
// ClickHouse fails.

#include <chrono>
#include <cstdint>
#include <functional>
#include <future>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/clickhouse/client.hpp"
#include "core/config/config.hpp"
#include "core/discover/suggestions.hpp"
#include "core/discover/trending.hpp"
#include "core/feed/canary.hpp"
#include "core/feed/circuit_breaker.hpp"
#include "core/feed/cursor.hpp"
#include "core/feed/engagement_snapshot.hpp"
#include "core/feed/explanation.hpp"
#include "core/feed/feed_cache.hpp"
#include "core/feed/feed_page.hpp"
#include "core/feed/local_feed_cache.hpp"
#include "core/feed/parsed_feed_memo.hpp"
#include "core/feed/served_sources.hpp"
#include "core/pg/pool.hpp"
#include "core/ranking/ranking.hpp"
#include "core/redis/key_watch.hpp"
#include "core/redis/pool.hpp"

namespace nf::feed {

// Whether feed() may answer from feed:v1:{user}. `bypass` (the CLI's --no-cache) computes
// fresh and leaves the cache as it is.
enum class CacheUse { use, bypass };

// Where a feed's inputs come from and where its cache is. FeedService(config, redis)
// wires ClickHouse, PostgreSQL and Redis; tests pass their own to drive a hit, a miss, a
// fallback and the breaker without a stack. Each may throw nf::Error as the real one
// does (candidates and timeline: unreachable or check_failed); the cache never throws.
struct Sources {
  // `known`: engagement already read for a batch of feeds (the warmer's), or null.
  std::function<FetchedCandidates(uint64_t user_id, int64_t now_ms, const EngagementTable* known)> candidates;
  // Many users' candidates at once (the warmer's); unset: `candidates` per user.
  std::function<std::unordered_map<uint64_t, FetchedCandidates>(const std::vector<uint64_t>& user_ids, int64_t now_ms,
                                                                const EngagementTable* known)>
      candidates_batch;
  std::function<std::vector<FeedItem>(uint64_t user_id, size_t limit)> timeline;
  std::function<std::optional<CachedFeed>(uint64_t user_id)> read_cache;          // nullopt: a miss
  std::function<bool(uint64_t user_id, const CachedFeed& feed)> write_cache;      // false: not taken
};

class FeedService {
 public:
  // Reads ranking.*, feed.*, clickhouse.*, postgres.*; throws nf::Error(usage) for a bad
  // value. Connects to nothing yet: every dependency may be down at start.
  FeedService(const config::Config& config, redis::Pool& redis);
  // The same with `sources` instead of ClickHouse, PostgreSQL and the Redis cache (the
  // trending and suggestion sources and keep_hits_in_process still use `redis`).
  FeedService(const config::Config& config, redis::Pool& redis, Sources sources);

  // One page. `limit` outside 1..50 → nf::Error(usage, "invalid_limit"); a cursor that is
  // not ours → nf::Error(usage, "invalid_cursor"). A cached list answers (cached=true);
  // otherwise the feed is ranked (through the breaker) and cached, or, when ClickHouse
  // fails, the uncached PostgreSQL timeline answers (fallback=true). Both down →
  // nf::Error(unreachable).
  FeedPage feed(uint64_t user_id, size_t limit, const std::optional<std::string>& cursor, int64_t now_ms,
                CacheUse cache = CacheUse::use);

  // Serve's choice: keep the cached feeds this process reads in memory (up to
  // feed.local_cache_users), kept right by Redis telling it when a feed:v1: key changes
  // anywhere (redis::KeyWatch). Without it (the CLI, the jobs) every hit reads Redis.
  void keep_hits_in_process();
  // Serve's choice: keep the figures of recent posts in memory (EngagementSnapshot,
  // feed.engagement_refresh_ms), so a miss reads only those that changed since. Without it
  // a miss reads all its candidates' figures.
  void keep_engagement_in_process(const config::Config& config);
  // Posts the copy holds now (0: none in use).
  size_t engagement_snapshot_posts() const;
  // The response body of a cache hit answered from memory alone (never blocks: no Redis,
  // no ClickHouse), or nullopt when this process does not hold the user's feed, the
  // watch is down, or the request is not plainly valid (the full path then answers it).
  // `served` (optional) gets the page's items by source.
  std::optional<std::string> page_in_process(uint64_t user_id, size_t limit, const std::optional<std::string>& cursor,
                                             int64_t now_ms, ServedSources* served = nullptr);

  // The user's cached ranked list as a hit would read it (memory, else Redis), nullopt on
  // a miss or for a user on the timeline side of the canary; never ranks, never throws.
  // For attributing events to the feed's sources.
  std::optional<CachedFeed> cached_feed(uint64_t user_id, int64_t now_ms);

  // Always computed fresh; never reads or writes the cache.
  Explanation explain(uint64_t user_id, int64_t now_ms);

  // Ranks the user's feed now and caches it (feed:v1:{user}, as a miss would), returning
  // how many items it holds; nullopt, with nothing computed or cached, for a user off the
  // canary's ranked side (they are served the timeline). Throws nf::Error when ClickHouse
  // fails (a timeline is never cached, so there is nothing to warm) or Redis does not
  // take the value. Leaves the breaker alone: it guards serve's requests, not the jobs.
  // `known` (recent_engagement_sql's answer, read once for many feeds) saves each feed
  // its own engagement read. warm_batch() of one user.
  std::optional<size_t> warm(uint64_t user_id, int64_t now_ms, const EngagementTable* known = nullptr);
  // warm() for many users (the feed-warmer's and the ingest's refresh), their candidates
  // read together (fetch_candidates_batch) with feed.warm_timeout_ms: the items cached
  // per user warmed. Users off the canary's ranked side are skipped: not in the answer.
  // Throws as warm() does; a throw leaves the users not yet written unwarmed.
  std::unordered_map<uint64_t, size_t> warm_batch(const std::vector<uint64_t>& user_ids, int64_t now_ms,
                                                  const EngagementTable* known = nullptr);

  BreakerStatus clickhouse_breaker() const { return breaker_.status(); }
  // feed.ranked_percent in force: users off its ranked side get the timeline (not a
  // fallback); serve changes it on SIGHUP.
  Canary& canary() { return canary_; }
  discover::TrendingSource& trending() { return trending_; }
  discover::SuggestionSource& suggestions() { return suggestions_; }

 private:
  // Ranks `input` and caches the page (warm, warm_batch); the items cached. Throws
  // nf::Error(unreachable) when Redis does not take it.
  size_t rank_and_cache(uint64_t user_id, const ranking::RankInput& input, int64_t now_ms);

  // The ranked feed, through the breaker; nullopt (with the reason) when ClickHouse
  // cannot answer now.
  struct Ranked {
    FetchedCandidates fetched;
    ranking::RankResult result;
    double rank_ms = 0;
  };
  std::optional<Ranked> rank_through_breaker(uint64_t user_id, int64_t now_ms, std::string* why_not);
  std::vector<FeedItem> timeline_or_fail(uint64_t user_id, const std::string& clickhouse_why);

  // A cache miss, ranked and cached once however many requests of the user miss at the
  // same time in this process: the first ranks, the others wait for its answer (a burst
  // of one user's requests costs one ranking, not one each). `feed` empty: ClickHouse
  // could not answer (`why_not` says why).
  struct MissOutcome {
    std::optional<CachedFeed> feed;
    std::string why_not;
    bool from_cache = false;  // the leader found it cached after all (a ranking just ended)
  };
  // `shared` (when given) is set when another request's outcome answers this one.
  std::shared_ptr<const MissOutcome> rank_miss(uint64_t user_id, int64_t now_ms, CacheUse cache, bool* shared);
  std::mutex misses_mutex_;
  std::unordered_map<uint64_t, std::shared_future<std::shared_ptr<const MissOutcome>>> misses_in_flight_;

  // Whether the watch vouches for what is kept in memory now.
  bool watching() const { return watch_ && watch_->connected(); }
  // The user's feed held in memory, when the watch vouches for it.
  std::shared_ptr<const LocalFeedCache::Entry> in_process(uint64_t user_id, int64_t now_ms) const;

  ranking::Params params_;
  ch::Client clickhouse_;
  // For feeds computed ahead of a request (warm, warm_batch: the feed-warmer and the
  // ingest's refresh), with feed.warm_timeout_ms: no one waits on them, and under load a
  // batch of 50 users' candidates can take longer than a request's 2 s.
  ch::Client background_clickhouse_;
  redis::Pool* redis_;
  pg::Pool postgres_;
  CircuitBreaker breaker_;
  discover::TrendingSource trending_;
  discover::SuggestionSource suggestions_;
  int64_t cache_ttl_s_;
  Canary canary_;
  ParsedFeedMemo memo_;
  Sources sources_;
  LocalFeedCache local_;
  std::unique_ptr<redis::KeyWatch> watch_;  // after local_: stopped before it goes
  std::unique_ptr<EngagementSnapshot> engagement_;
};

// The ranked list as feed items (final order, each with its score).
std::vector<FeedItem> feed_items(const ranking::RankResult& result);

// The page of `items` (computed at `computed_at_ms`) after `cursor` (see cursor.hpp for a
// cursor of an older list).
FeedPage page_of(uint64_t user_id, std::string algo, int64_t computed_at_ms, const std::vector<FeedItem>& items,
                 size_t limit, const std::optional<Cursor>& cursor);

// Throws nf::Error(usage, "invalid_limit") unless 1 <= limit <= 50.
void check_limit(size_t limit);

}  // namespace nf::feed
