#pragma once
// The figures `novafeed serve` records: Prometheus families for GET /metrics and today's
// figures for GET /api/v1/feed/metrics. Every record_* call is safe from any thread and
// takes no lock on the common path (a request of a known route and status).

#include <array>
#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/metrics/daily_figures.hpp"
#include "core/metrics/registry.hpp"
#include "core/time/clock.hpp"

namespace nf::metrics {

using NowMs = std::function<int64_t()>;  // epoch milliseconds

// The routes of SPEC §4 as the router names them (its patterns); any other route is
// recorded as "other", so random paths cannot grow the label set.
const std::vector<std::string>& serve_routes();
inline constexpr std::string_view kFeedRoute = "/api/v1/feed";  // its latency makes today's p95
inline constexpr std::string_view kOtherRoute = "other";

// Request durations: 0.5 ms to 5 s.
const std::vector<double>& request_duration_bounds();
// Dwell times of views: 0.25 s to 5 min.
const std::vector<double>& dwell_bounds();

// The label values of the ranking-quality families: the feed's sources (SPEC §3) and the
// event actions (SPEC §4).
inline constexpr std::array<std::string_view, 3> kFeedSources = {"follow", "trending", "affinity"};
inline constexpr std::array<std::string_view, 5> kEventActions = {"impression", "view", "like", "comment", "share"};

class ServeMetrics {
 public:
  explicit ServeMetrics(std::vector<std::string> routes = serve_routes(), NowMs now_ms = time::now_ms);

  // Every answered request, with its route (unknown → "other"), HTTP status and duration.
  void record_request(std::string_view route, int status, double seconds);
  // One GET /api/v1/feed: algo "ranked" or "timeline" (else "other"), answered from the
  // Redis cache or not, and whether it fell back to the timeline.
  // `shared`: a miss answered by a concurrent request's ranking (not ranked again).
  void record_feed(std::string_view algo, bool cached, bool fallback, bool shared = false);
  // A cache hit answered from this process's memory (counted as a cached ranked request too).
  void record_feed_in_process();
  // How long one GET /api/v1/feed took to answer, by its algo and whether it was cached.
  void record_feed_duration(std::string_view algo, bool cached, double seconds);
  // The items of one answered feed page, by source.
  void record_served_items(uint64_t follow, uint64_t trending, uint64_t affinity);
  // One accepted event on a post the user's cached feed holds: the post's source (one of
  // kFeedSources), the action (one of kEventActions) and, for a view, its dwell time.
  // Anything else is not counted (the label sets stay bounded).
  void record_source_event(std::string_view source, std::string_view action, int64_t dwell_ms);
  // One POST /api/v1/events that reached Kafka, and one refused with 503.
  void record_events(uint64_t accepted, uint64_t duplicates);
  // Events refused by validation, by reason (one of events::rejection_reasons(), else
  // "other"); a whole refused request counts once, with its reason.
  void record_rejected(std::string_view reason, uint64_t events = 1);
  void record_events_unavailable();

  void set_breaker_open(bool open);
  void set_redis_up(bool up);
  void set_kafka_up(bool up);
  // feed.ranked_percent in force (the canary: docs/canary.md).
  void set_ranked_percent(int percent);
  // Posts whose L, C, S, I serve holds in memory (0: the copy is not in use).
  void set_engagement_snapshot_posts(size_t posts);

  // Text appended to /metrics (e.g. the in-process ingest's figures); it must be whole
  // Prometheus families ending in a newline.
  void set_extra_text(std::function<std::string()> extra);

  std::string render_prometheus() const;
  nlohmann::json today_json(int64_t now_ms);

 private:
  NowMs now_ms_;
  Registry registry_;
  Family<Counter>& requests_;
  Family<Histogram>& durations_;
  Family<Counter>& feed_requests_;
  Family<Histogram>& feed_durations_;
  Family<Counter>& items_served_;
  Family<Counter>& source_events_;
  Family<Histogram>& dwell_;
  Counter& feed_fallbacks_;
  Counter& feed_rankings_;
  Counter& feed_in_process_hits_;
  Counter& events_accepted_;
  Counter& events_duplicates_;
  Family<Counter>& events_rejected_;
  Counter& events_unavailable_;
  Gauge& breaker_open_;
  Gauge& redis_up_;
  Gauge& kafka_up_;
  Gauge& ranked_percent_;
  Gauge& engagement_snapshot_posts_;
  // Made in the constructor and only read afterwards: lock-free lookups.
  // Per route: its duration histogram, and its request counters by status (100–599; [0]
  // for any other), each found in the registry on first use and then read lock-free.
  struct RouteSeries {
    std::string name;
    bool feed = false;  // kFeedRoute: its latency makes today's p95
    Histogram* duration = nullptr;
    std::array<std::atomic<Counter*>, 600> by_status{};
  };
  std::map<std::string, std::unique_ptr<RouteSeries>, std::less<>> routes_;
  std::array<std::array<Counter*, 2>, 2> feed_requests_by_{};  // [ranked, timeline][cached]
  std::array<std::array<Histogram*, 2>, 3> feed_duration_by_{};  // [ranked, timeline, other][cached]
  std::array<Counter*, kFeedSources.size()> served_by_source_{};
  std::array<std::array<Counter*, kEventActions.size()>, kFeedSources.size()> source_events_by_{};
  std::array<Histogram*, kFeedSources.size()> dwell_by_source_{};
  std::unordered_map<std::string, Counter*> rejected_by_reason_;
  DailyFigures today_;
  mutable std::mutex extra_mutex_;
  std::function<std::string()> extra_;
};

}  // namespace nf::metrics
