#include "core/metrics/daily_figures.hpp"

#include <chrono>
#include <cstdio>

namespace nf::metrics {

namespace {
constexpr int64_t kMsPerDay = 86'400'000;
}

int64_t utc_day(int64_t epoch_ms) {
  // Floor division, so a (test) time before 1970 still lands on its own day.
  return epoch_ms >= 0 ? epoch_ms / kMsPerDay : -((-epoch_ms + kMsPerDay - 1) / kMsPerDay);
}

std::string utc_date(int64_t day) {
  const std::chrono::year_month_day date{std::chrono::sys_days{std::chrono::days{day}}};
  char text[16];
  std::snprintf(text, sizeof text, "%04d-%02u-%02u", static_cast<int>(date.year()),
                static_cast<unsigned>(date.month()), static_cast<unsigned>(date.day()));
  return text;
}

DailyFigures::DailyFigures(std::vector<double> latency_bounds) : feed_latency_(std::move(latency_bounds)) {}

void DailyFigures::roll_to(int64_t now_ms) {
  const int64_t day = utc_day(now_ms);
  if (day <= day_.load(std::memory_order_acquire)) return;
  std::lock_guard lock(roll_mutex_);
  if (day <= day_.load(std::memory_order_acquire)) return;  // another thread rolled first
  // A request recorded by another thread during these few stores may land on either
  // day; the figures are an operator's dashboard, not billing.
  requests_.reset();
  feed_requests_.reset();
  cache_hits_.reset();
  fallbacks_.reset();
  events_accepted_.reset();
  feed_latency_.reset();
  day_.store(day, std::memory_order_release);
}

void DailyFigures::record_request(int64_t now_ms, bool feed, double seconds) {
  roll_to(now_ms);
  requests_.add();
  if (feed) feed_latency_.observe(seconds);
}

void DailyFigures::record_feed(int64_t now_ms, bool cached, bool fallback) {
  roll_to(now_ms);
  feed_requests_.add();
  if (cached) cache_hits_.add();
  if (fallback) fallbacks_.add();
  last_hour_.record(now_ms, cached);
}

void DailyFigures::record_events_accepted(int64_t now_ms, uint64_t accepted) {
  roll_to(now_ms);
  events_accepted_.add(accepted);
}

namespace {

nlohmann::json last_hour_json(const HourWindow::Totals& totals) {
  return {{"feed_requests", totals.requests},
          {"cache_hits", totals.hits},
          {"cache_hit_rate", totals.requests ? nlohmann::json(static_cast<double>(totals.hits) /
                                                              static_cast<double>(totals.requests))
                                             : nlohmann::json(nullptr)}};
}

}  // namespace

nlohmann::json DailyFigures::today_json(int64_t now_ms) {
  roll_to(now_ms);
  const uint64_t feed_requests = feed_requests_.value();
  const auto rate = [feed_requests](uint64_t part) -> nlohmann::json {
    if (feed_requests == 0) return nullptr;
    return static_cast<double>(part) / static_cast<double>(feed_requests);
  };
  nlohmann::json p95_ms = nullptr;
  if (auto p95 = feed_latency_.snapshot().quantile(0.95)) p95_ms = *p95 * 1000.0;
  return {{"date", utc_date(day_.load(std::memory_order_acquire))},
          {"requests", requests_.value()},
          {"feed_requests", feed_requests},
          {"cache_hits", cache_hits_.value()},
          {"cache_hit_rate", rate(cache_hits_.value())},
          {"p95_ms", p95_ms},
          {"fallback_rate", rate(fallbacks_.value())},
          {"events_accepted", events_accepted_.value()},
          {"last_hour", last_hour_json(last_hour_.totals(now_ms))}};
}

}  // namespace nf::metrics
