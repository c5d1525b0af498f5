#pragma once
// "Today's figures" of GET /api/v1/feed/metrics: counts since the last UTC midnight and a
// feed-latency histogram for the p95, all reset when the UTC day changes. The time is
// passed in by the caller, so tests can cross midnight without waiting for it.

#include <atomic>
#include <cstdint>
#include <mutex>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/metrics/hour_window.hpp"
#include "core/metrics/instruments.hpp"

namespace nf::metrics {

// Days since 1970-01-01 (UTC) and the same day as "YYYY-MM-DD".
int64_t utc_day(int64_t epoch_ms);
std::string utc_date(int64_t day);

class DailyFigures {
 public:
  explicit DailyFigures(std::vector<double> latency_bounds);

  // Any request; `feed` requests also feed the p95.
  void record_request(int64_t now_ms, bool feed, double seconds);
  void record_feed(int64_t now_ms, bool cached, bool fallback);
  void record_events_accepted(int64_t now_ms, uint64_t accepted);

  // {date, requests, feed_requests, cache_hits, cache_hit_rate, p95_ms, fallback_rate,
  // events_accepted, last_hour: {feed_requests, cache_hits, cache_hit_rate}}; rates and p95
  // are null before the first feed request of the day (of the hour, for last_hour).
  nlohmann::json today_json(int64_t now_ms);

 private:
  // Starts a new day when `now_ms` is past the current one. Time never goes back a day:
  // a late writer with an older clock reading counts into the new day instead.
  void roll_to(int64_t now_ms);

  std::atomic<int64_t> day_{-1};
  std::mutex roll_mutex_;  // only taken when the day changes
  Counter requests_, feed_requests_, cache_hits_, fallbacks_, events_accepted_;
  Histogram feed_latency_;
  HourWindow last_hour_;  // not reset at midnight: it slides
};

}  // namespace nf::metrics
