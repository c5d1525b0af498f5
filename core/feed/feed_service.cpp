#include "core/feed/feed_service.hpp"

#include <charconv>

#include <spdlog/spdlog.h>

#include "core/error/error.hpp"
#include "core/feed/timeline.hpp"
#include "core/redis/channels.hpp"
#include "core/redis/keys.hpp"

namespace nf::feed {

namespace {

using Clock = std::chrono::steady_clock;
constexpr size_t kMaxLimit = 50;

bool limit_ok(size_t limit) { return limit >= 1 && limit <= kMaxLimit; }

double elapsed_ms(Clock::time_point since) {
  return std::chrono::duration<double, std::milli>(Clock::now() - since).count();
}

pg::Pool make_postgres_pool(const config::Config& config) {
  auto settings = pg::settings_from(config);
  // The timeline is the fallback of a request already waiting on a failed ClickHouse:
  // it must not add a long connect timeout on top.
  settings.connect_timeout_s = std::min(settings.connect_timeout_s, 2);
  return pg::Pool(settings, pg::PoolOptions{});
}

ch::Settings background_settings(const config::Config& config) {
  auto settings = ch::settings_from(config);
  settings.timeout_ms = std::max<long>(settings.timeout_ms, static_cast<long>(config.get_int("feed.warm_timeout_ms")));
  return settings;
}

ranking::Params checked_params(const config::Config& config) {
  auto params = ranking::params_from(config);
  trending_window_label(params.trending_window_h);  // refuses a window without a hot-posts list
  return params;
}

}  // namespace


void check_limit(size_t limit) {
  if (!limit_ok(limit))
    throw Error(ExitCode::usage, "limit must be between 1 and 50, got " + std::to_string(limit), "invalid_limit");
}

std::vector<FeedItem> feed_items(const ranking::RankResult& result) {
  std::vector<FeedItem> items;
  items.reserve(result.feed.size());
  for (const auto& post : result.feed)
    items.push_back({post.post.id, post.post.author_id, post.post.created_at_ms, post.features.score, post.source});
  return items;
}

FeedPage page_of(uint64_t user_id, std::string algo, int64_t computed_at_ms, const std::vector<FeedItem>& items,
                 size_t limit, const std::optional<Cursor>& cursor) {
  const auto range = page_range(items.size(), limit, cursor, computed_at_ms);
  FeedPage page;
  page.user_id = user_id;
  page.algo = std::move(algo);
  page.computed_at_ms = computed_at_ms;
  page.items.assign(items.begin() + static_cast<std::ptrdiff_t>(range.begin),
                    items.begin() + static_cast<std::ptrdiff_t>(range.end));
  if (range.next) page.next_cursor = encode_cursor(*range.next);
  return page;
}

namespace {

// A page of a cached list (from memory or from Redis): cached, ranked.
FeedPage hit_page(uint64_t user_id, const CachedFeed& feed, size_t limit, const std::optional<Cursor>& after) {
  auto page = page_of(user_id, "ranked", feed.computed_at_ms, feed.items, limit, after);
  page.cached = true;
  return page;
}

}  // namespace

FeedService::FeedService(const config::Config& config, redis::Pool& redis) : FeedService(config, redis, Sources{}) {
  sources_.candidates = [this](uint64_t user_id, int64_t now_ms, const EngagementTable* known) {
    return fetch_candidates(clickhouse_, trending_, params_, user_id, now_ms, known);
  };
  sources_.candidates_batch = [this](const std::vector<uint64_t>& user_ids, int64_t now_ms,
                                     const EngagementTable* known) {
    return fetch_candidates_batch(background_clickhouse_, trending_, params_, user_ids, now_ms, known);
  };
  sources_.timeline = [this](uint64_t user_id, size_t limit) { return fetch_timeline(postgres_, user_id, limit); };
  sources_.read_cache = [this](uint64_t user_id) { return read_cached_feed(*redis_, user_id, &memo_); };
  sources_.write_cache = [this](uint64_t user_id, const CachedFeed& feed) {
    return store_cached_feed(*redis_, user_id, feed, cache_ttl_s_);
  };
}

FeedService::FeedService(const config::Config& config, redis::Pool& redis, Sources sources)
    : params_(checked_params(config)),
      clickhouse_(ch::settings_from(config)),
      background_clickhouse_(background_settings(config)),
      redis_(&redis),
      postgres_(make_postgres_pool(config)),
      breaker_(static_cast<size_t>(std::max<int64_t>(1, config.get_int("feed.breaker_failures"))),
               std::chrono::milliseconds(config.get_int("feed.breaker_open_ms"))),
      trending_(clickhouse_, redis, params_, std::chrono::milliseconds(config.get_int("feed.trending_memo_ms"))),
      suggestions_(clickhouse_, redis, params_),
      cache_ttl_s_(config.get_int("feed.cache_ttl_s")),
      canary_(ranked_percent_from(config)),
      sources_(std::move(sources)),
      local_(static_cast<size_t>(std::max<int64_t>(0, config.get_int("feed.local_cache_users")))) {}

void FeedService::keep_hits_in_process() {
  if (watch_ || local_.capacity() == 0) return;
  redis::KeyWatch::Handlers handlers;
  handlers.on_key = [this](std::string_view key) {
    if (!key.starts_with(redis::kFeedPrefix)) return;
    key.remove_prefix(redis::kFeedPrefix.size());
    uint64_t user_id = 0;
    const auto [end, error] = std::from_chars(key.data(), key.data() + key.size(), user_id);
    if (error == std::errc() && end == key.data() + key.size()) local_.invalidate(user_id);
  };
  handlers.on_reset = [this] { local_.reset(); };
  watch_ = std::make_unique<redis::KeyWatch>(redis_->settings(), std::string(redis::kFeedPrefix), std::move(handlers));
}

void FeedService::keep_engagement_in_process(const config::Config& config) {
  const auto every = config.get_int("feed.engagement_refresh_ms");
  if (engagement_ || every <= 0) return;
  engagement_ = std::make_unique<EngagementSnapshot>(
      ch::settings_from(config), redis_->settings(), redis::post_counts_channel(config.get("clickhouse.database")),
      params_, std::chrono::milliseconds(every));
}

size_t FeedService::engagement_snapshot_posts() const {
  if (!engagement_) return 0;
  const auto copy = engagement_->view();
  return copy.table ? copy.table->size() : 0;
}

std::shared_ptr<const LocalFeedCache::Entry> FeedService::in_process(uint64_t user_id, int64_t now_ms) const {
  return watching() ? local_.find(user_id, now_ms) : nullptr;
}

std::optional<std::string> FeedService::page_in_process(uint64_t user_id, size_t limit,
                                                        const std::optional<std::string>& cursor, int64_t now_ms,
                                                        ServedSources* served) {
  if (!limit_ok(limit) || !canary_.ranked(user_id)) return std::nullopt;
  const auto entry = in_process(user_id, now_ms);
  if (!entry) return std::nullopt;
  const auto& items = entry->feed().items;
  const auto render = [user_id](const CachedFeed& feed, size_t limit, const std::optional<Cursor>& after) {
    return to_json(hit_page(user_id, feed, limit, after)).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  };
  if (!cursor) {
    if (served) *served = count_served(std::span(items).first(std::min(limit, items.size())));
    return *entry->first_page(limit, [&](const CachedFeed& feed, size_t n) { return render(feed, n, std::nullopt); });
  }
  try {
    const auto after = decode_cursor(*cursor);
    auto body = render(entry->feed(), limit, after);
    if (served) {
      const auto range = page_range(items.size(), limit, after, entry->feed().computed_at_ms);
      *served = count_served(std::span(items).subspan(range.begin, range.end - range.begin));
    }
    return body;
  } catch (const std::exception&) {
    return std::nullopt;  // a bad cursor: the full path answers it with its error
  }
}

std::optional<CachedFeed> FeedService::cached_feed(uint64_t user_id, int64_t now_ms) {
  // A user on the timeline side of the canary is served the timeline: a ranked feed
  // still cached from before is not what they see.
  if (!canary_.ranked(user_id)) return std::nullopt;
  if (const auto entry = in_process(user_id, now_ms)) return entry->feed();
  return sources_.read_cache(user_id);
}

FeedPage FeedService::feed(uint64_t user_id, size_t limit, const std::optional<std::string>& cursor, int64_t now_ms,
                           CacheUse cache) {
  // Bad input is refused before any work.
  check_limit(limit);
  std::optional<Cursor> after;
  if (cursor) after = decode_cursor(*cursor);

  // The canary (feed.ranked_percent), before the cache: a user off its ranked side gets
  // the timeline, never a cached ranked page. Not a fallback; PostgreSQL down → ranked.
  if (!canary_.ranked(user_id)) {
    try {
      return page_of(user_id, "timeline", now_ms, sources_.timeline(user_id, params_.feed_size), limit, after);
    } catch (const Error& e) {
      spdlog::warn("feed: user {} is on the timeline side of the canary but PostgreSQL failed, serving the ranked "
                   "feed: {}", user_id, e.what());
    }
  }

  // Cache hit: the copy in memory, else one GET, parse (memoised), slice; what Redis
  // answered is kept in memory when the watch can vouch for it.
  if (cache == CacheUse::use) {
    if (const auto entry = in_process(user_id, now_ms)) return hit_page(user_id, entry->feed(), limit, after);
    // The ticket before the GET: a DEL after it voids the copy.
    const auto ticket = watching() ? std::optional(local_.ticket(user_id)) : std::nullopt;
    if (auto cached = sources_.read_cache(user_id)) {
      auto page = hit_page(user_id, *cached, limit, after);
      const int64_t expires_at_ms = cached->computed_at_ms + cache_ttl_s_ * 1000;
      if (ticket) local_.store(user_id, *ticket, std::move(*cached), expires_at_ms);
      return page;
    }
  }

  // Miss: rank (once for concurrent misses of this user), keep the whole list for the
  // next pages, answer this one.
  bool shared = false;
  const auto miss = rank_miss(user_id, now_ms, cache, &shared);
  if (miss->feed) {
    auto page = page_of(user_id, "ranked", miss->feed->computed_at_ms, miss->feed->items, limit, after);
    page.cached = miss->from_cache && !shared;
    page.shared = shared;
    return page;
  }

  // ClickHouse cannot answer: the timeline, not cached (ranking returns with ClickHouse).
  auto page = page_of(user_id, "timeline", now_ms, timeline_or_fail(user_id, miss->why_not), limit, after);
  page.fallback = true;
  return page;
}

std::shared_ptr<const FeedService::MissOutcome> FeedService::rank_miss(uint64_t user_id, int64_t now_ms,
                                                                       CacheUse cache, bool* shared) {
  const auto rank_into = [&](MissOutcome& outcome) {
    if (auto ranked = rank_through_breaker(user_id, now_ms, &outcome.why_not))
      outcome.feed = CachedFeed{now_ms, feed_items(ranked->result)};
  };
  if (cache == CacheUse::bypass) {  // the CLI's --no-cache: its own computation, never shared
    auto outcome = std::make_shared<MissOutcome>();
    rank_into(*outcome);
    return outcome;
  }
  std::promise<std::shared_ptr<const MissOutcome>> promise;
  std::shared_future<std::shared_ptr<const MissOutcome>> running;
  {
    std::lock_guard lock(misses_mutex_);
    auto [it, first] = misses_in_flight_.try_emplace(user_id);
    if (first)
      it->second = promise.get_future().share();
    else
      running = it->second;
  }
  if (running.valid()) {  // another request of this user is ranking: its answer is ours
    if (shared) *shared = true;
    return running.get();
  }

  const auto done = [this, user_id] {
    std::lock_guard lock(misses_mutex_);
    misses_in_flight_.erase(user_id);
  };
  auto outcome = std::make_shared<MissOutcome>();
  try {
    // A ranking of this user may have ended (and been cached) between this request's
    // cache read and now: then it is a hit, not a second ranking.
    if (auto cached = sources_.read_cache(user_id)) {
      outcome->feed = std::move(*cached);
      outcome->from_cache = true;
    } else {
      rank_into(*outcome);
      if (outcome->feed) sources_.write_cache(user_id, *outcome->feed);
    }
  } catch (...) {
    done();
    promise.set_exception(std::current_exception());
    throw;
  }
  done();
  promise.set_value(outcome);
  return outcome;
}

std::optional<size_t> FeedService::warm(uint64_t user_id, int64_t now_ms, const EngagementTable* known) {
  const auto items = warm_batch({user_id}, now_ms, known);
  const auto found = items.find(user_id);
  if (found == items.end()) return std::nullopt;
  return found->second;
}

size_t FeedService::rank_and_cache(uint64_t user_id, const ranking::RankInput& input, int64_t now_ms) {
  const CachedFeed value{now_ms, feed_items(ranking::rank_feed(params_, input))};
  if (!sources_.write_cache(user_id, value))
    fail_unreachable("Redis at " + redis::describe(redis_->settings().endpoint) + " did not take the feed of user " +
                     std::to_string(user_id) + ": " + redis_->last_error());
  return value.items.size();
}

std::unordered_map<uint64_t, size_t> FeedService::warm_batch(const std::vector<uint64_t>& user_ids, int64_t now_ms,
                                                             const EngagementTable* known) {
  // The canary (feed.ranked_percent): a user off its ranked side is served the timeline,
  // so a ranked feed computed for them would cost ClickHouse and never be read.
  std::vector<uint64_t> ranked;
  ranked.reserve(user_ids.size());
  for (const auto user_id : user_ids)
    if (canary_.ranked(user_id)) ranked.push_back(user_id);
  std::unordered_map<uint64_t, size_t> items;
  if (ranked.empty()) return items;
  if (!sources_.candidates_batch) {
    for (const auto user_id : ranked)
      items[user_id] = rank_and_cache(user_id, sources_.candidates(user_id, now_ms, known).input, now_ms);
    return items;
  }
  auto fetched = sources_.candidates_batch(ranked, now_ms, known);
  for (const auto user_id : ranked) {
    const auto found = fetched.find(user_id);
    if (found == fetched.end())
      fail_check("feed: the batch read returned no candidates for user " + std::to_string(user_id) +
                 " (a bug: every user of a batch gets an input)");
    items[user_id] = rank_and_cache(user_id, found->second.input, now_ms);
  }
  return items;
}

Explanation FeedService::explain(uint64_t user_id, int64_t now_ms) {
  Explanation explanation;
  explanation.user_id = user_id;
  explanation.now_ms = now_ms;
  explanation.params = params_;
  std::string why_not;
  if (auto ranked = rank_through_breaker(user_id, now_ms, &why_not)) {
    explanation.algo = "ranked";
    explanation.trending_from_cache = ranked->fetched.trending_from_cache;
    explanation.trending_computed_at_ms = ranked->fetched.trending_computed_at_ms;
    explanation.sources = count_sources(ranked->fetched.input, ranked->result);
    explanation.timings = ranked->fetched.timings;
    explanation.timings.push_back({"rank", ranked->rank_ms});
    explanation.result = std::move(ranked->result);
    return explanation;
  }
  explanation.algo = "timeline";
  explanation.fallback_why = why_not;
  const auto started = Clock::now();
  explanation.timeline = timeline_or_fail(user_id, why_not);
  explanation.timings.push_back({"postgres timeline", elapsed_ms(started)});
  return explanation;
}

std::optional<FeedService::Ranked> FeedService::rank_through_breaker(uint64_t user_id, int64_t now_ms,
                                                                     std::string* why_not) {
  if (!breaker_.allow()) {
    const auto status = breaker_.status();
    *why_not = "circuit breaker " + to_string(status.state) + " after ClickHouse failures; last: " + status.last_error;
    return std::nullopt;
  }
  Ranked ranked;
  try {
    const auto copy = engagement_ ? engagement_->view() : EngagementSnapshot::View{};
    ranked.fetched = sources_.candidates(user_id, now_ms, copy.table.get());
    if (copy.table)
      engagement_->settle(ranked.fetched, copy, [&](const std::set<uint64_t>& posts) {
        return parse_engagement(clickhouse_.query(engagement_sql(posts, now_ms)));
      });
  } catch (const std::exception& e) {
    // Errors, timeouts and unparsable answers alike: each one brings the breaker closer
    // to opening, and the probe of a half-open breaker must always report back.
    breaker_.record_failure(e.what());
    spdlog::warn("feed: user {}: ClickHouse failed, serving the PostgreSQL timeline: {}", user_id, e.what());
    *why_not = e.what();
    return std::nullopt;
  }
  breaker_.record_success();
  // Ranking is pure C++: an exception here is a bug, not ClickHouse's, so it propagates.
  const auto started = Clock::now();
  ranked.result = ranking::rank_feed(params_, ranked.fetched.input);
  ranked.rank_ms = elapsed_ms(started);
  return ranked;
}

std::vector<FeedItem> FeedService::timeline_or_fail(uint64_t user_id, const std::string& clickhouse_why) {
  try {
    return sources_.timeline(user_id, params_.feed_size);
  } catch (const Error& e) {
    throw Error(ExitCode::unreachable,
                "feed of user " + std::to_string(user_id) + ": ClickHouse cannot answer (" + clickhouse_why +
                    ") and the PostgreSQL timeline failed too (" + e.what() +
                    "); check both with `novafeed doctor`",
                "feed_unavailable");
  }
}

}  // namespace nf::feed
