#include "core/metrics/serve_metrics.hpp"

#include <chrono>

#include "core/events/parse.hpp"
#include "core/metrics/dependency_metrics.hpp"

namespace nf::metrics {

const std::vector<std::string>& serve_routes() {
  static const std::vector<std::string> routes = {
      "/api/v1/feed",   "/api/v1/feed/trending", "/api/v1/discover/suggested-users", "/api/v1/events",
      "/api/v1/feed/metrics", "/metrics",      "/healthz",                          "/readyz",
  };
  return routes;
}

const std::vector<double>& request_duration_bounds() {
  static const std::vector<double> bounds = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
                                             0.1,    0.25,  0.5,    1,     2.5,  5};
  return bounds;
}

const std::vector<double>& dwell_bounds() {
  static const std::vector<double> bounds = {0.25, 0.5, 1, 2, 3, 5, 10, 20, 30, 60, 120, 300};
  return bounds;
}

namespace {

// The index of `value` in `names`, or names.size() when it is none of them.
template <typename Names>
size_t index_of(const Names& names, std::string_view value) {
  size_t i = 0;
  while (i < names.size() && names[i] != value) ++i;
  return i;
}

}  // namespace

ServeMetrics::ServeMetrics(std::vector<std::string> routes, NowMs now_ms)
    : now_ms_(std::move(now_ms)),
      requests_(registry_.counter("novafeed_http_requests_total", "HTTP requests answered, by route and status code",
                                  {"route", "code"})),
      durations_(registry_.histogram("novafeed_http_request_duration_seconds",
                                     "time from a request's arrival to its answer, by route",
                                     request_duration_bounds(), {"route"})),
      feed_requests_(registry_.counter("novafeed_feed_requests_total",
                                       "feed requests by algorithm (ranked or timeline) and whether Redis had them",
                                       {"algo", "cached"})),
      feed_durations_(registry_.histogram("novafeed_feed_request_duration_seconds",
                                          "time to answer GET /api/v1/feed, by algorithm (ranked or timeline) and "
                                          "whether the cache answered",
                                          request_duration_bounds(), {"algo", "cached"})),
      items_served_(registry_.counter("novafeed_feed_items_served_total",
                                      "items in answered feed pages, by the candidate source that found them "
                                      "(timeline items count as follow)",
                                      {"source"})),
      source_events_(registry_.counter("novafeed_feed_source_events_total",
                                       "accepted events by a user on a post their cached feed holds, by that post's "
                                       "source and the action (likes per impression of a source is its CTR)",
                                       {"source", "action"})),
      dwell_(registry_.histogram("novafeed_feed_dwell_seconds",
                                 "dwell time of view events on posts of the user's cached feed, by the post's source",
                                 dwell_bounds(), {"source"})),
      feed_fallbacks_(registry_
                          .counter("novafeed_feed_fallbacks_total",
                                   "feed requests answered with the PostgreSQL timeline because ClickHouse failed")
                          .with({})),
      feed_rankings_(registry_
                         .counter("novafeed_feed_rankings_total",
                                  "cache misses ranked from ClickHouse (concurrent misses of one user rank once)")
                         .with({})),
      feed_in_process_hits_(registry_
                                .counter("novafeed_feed_in_process_hits_total",
                                         "cache hits answered from serve's memory, without a Redis round trip")
                                .with({})),
      events_accepted_(
          registry_.counter("novafeed_events_accepted_total", "events delivered to Kafka and acknowledged").with({})),
      events_duplicates_(registry_
                             .counter("novafeed_events_duplicates_total",
                                      "events whose event_id was already accepted within the dedup window")
                             .with({})),
      events_rejected_(registry_.counter("novafeed_events_rejected_total",
                                         "events refused by validation, by reason (a whole refused request counts "
                                         "once, with its reason)",
                                         {"reason"})),
      events_unavailable_(registry_
                              .counter("novafeed_events_unavailable_total",
                                       "event batches answered 503 because Kafka was unavailable")
                              .with({})),
      breaker_open_(registry_
                        .gauge("novafeed_clickhouse_breaker_open",
                               "1 while the ClickHouse circuit breaker is open (feeds served from the timeline)")
                        .with({})),
      redis_up_(registry_.gauge("novafeed_redis_up", "1 when Redis answers").with({})),
      kafka_up_(registry_.gauge("novafeed_kafka_up", "1 when the events producer reaches Kafka").with({})),
      ranked_percent_(registry_
                          .gauge("novafeed_feed_ranked_percent",
                                 "feed.ranked_percent in force: the share of users served the ranked feed")
                          .with({})),
      engagement_snapshot_posts_(registry_
                                     .gauge("novafeed_feed_engagement_snapshot_posts",
                                            "posts whose L, C, S, I serve holds in memory, so a miss reads only the "
                                            "changed ones; 0 while the copy is not in use (Redis channel down, being "
                                            "read, or feed.engagement_refresh_ms = 0)")
                                     .with({})),
      today_(request_duration_bounds()) {
  routes.emplace_back(kOtherRoute);
  for (const auto& route : routes) {
    auto series = std::make_unique<RouteSeries>();
    series->name = route;
    series->feed = route == kFeedRoute;
    series->duration = &durations_.with({route});
    routes_.emplace(route, std::move(series));
  }
  // The four feed children exist from the start, so a dashboard sees 0 rather than nothing.
  for (size_t a = 0; a < 2; ++a)
    for (size_t c = 0; c < 2; ++c) feed_requests_by_[a][c] = &feed_requests_.with({a ? "timeline" : "ranked", c ? "true" : "false"});
  // Likewise every series of the families below; the hot paths then find theirs by index.
  const std::array<const char*, 3> algos = {"ranked", "timeline", "other"};
  for (size_t a = 0; a < algos.size(); ++a)
    for (size_t c = 0; c < 2; ++c) {
      if (a == 2) continue;  // "other" is made on first use only: it means a bug
      feed_duration_by_[a][c] = &feed_durations_.with({algos[a], c ? "true" : "false"});
    }
  for (size_t s = 0; s < kFeedSources.size(); ++s) {
    const std::string source(kFeedSources[s]);
    served_by_source_[s] = &items_served_.with({source});
    dwell_by_source_[s] = &dwell_.with({source});
    for (size_t a = 0; a < kEventActions.size(); ++a)
      source_events_by_[s][a] = &source_events_.with({source, std::string(kEventActions[a])});
  }
  for (const auto reason : events::rejection_reasons())
    rejected_by_reason_.emplace(std::string(reason), &events_rejected_.with({std::string(reason)}));
  rejected_by_reason_.emplace("other", &events_rejected_.with({"other"}));
}

void ServeMetrics::record_request(std::string_view route, int status, double seconds) {
  auto found = routes_.find(route);
  if (found == routes_.end()) found = routes_.find(kOtherRoute);
  RouteSeries& series = *found->second;
  series.duration->observe(seconds);
  const size_t slot = status >= 100 && status <= 599 ? static_cast<size_t>(status) : 0;
  Counter* counter = series.by_status[slot].load(std::memory_order_acquire);
  if (!counter) {
    // Two threads may both look it up: the registry hands both the same counter.
    counter = &requests_.with({series.name, slot ? std::to_string(slot) : "other"});
    series.by_status[slot].store(counter, std::memory_order_release);
  }
  counter->add();
  today_.record_request(now_ms_(), series.feed, seconds);
}

void ServeMetrics::record_feed(std::string_view algo, bool cached, bool fallback, bool shared) {
  if (algo == "ranked" || algo == "timeline") feed_requests_by_[algo == "ranked" ? 0 : 1][cached ? 1 : 0]->add();
  else feed_requests_.with({"other", cached ? "true" : "false"}).add();
  if (fallback) feed_fallbacks_.add();
  if (algo == "ranked" && !cached && !shared) feed_rankings_.add();
  today_.record_feed(now_ms_(), cached, fallback);
}

void ServeMetrics::record_feed_in_process() {
  feed_in_process_hits_.add();
  record_feed("ranked", true, false);
}

void ServeMetrics::record_feed_duration(std::string_view algo, bool cached, double seconds) {
  const size_t a = algo == "ranked" ? 0 : algo == "timeline" ? 1 : 2;
  Histogram* histogram = feed_duration_by_[a][cached ? 1 : 0];
  if (!histogram) histogram = &feed_durations_.with({"other", cached ? "true" : "false"});
  histogram->observe(seconds);
}

void ServeMetrics::record_served_items(uint64_t follow, uint64_t trending, uint64_t affinity) {
  if (follow) served_by_source_[0]->add(follow);
  if (trending) served_by_source_[1]->add(trending);
  if (affinity) served_by_source_[2]->add(affinity);
}

void ServeMetrics::record_source_event(std::string_view source, std::string_view action, int64_t dwell_ms) {
  const size_t s = index_of(kFeedSources, source), a = index_of(kEventActions, action);
  if (s == kFeedSources.size() || a == kEventActions.size()) return;
  source_events_by_[s][a]->add();
  if (action == "view") dwell_by_source_[s]->observe(static_cast<double>(dwell_ms) / 1000.0);
}

void ServeMetrics::record_events(uint64_t accepted, uint64_t duplicates) {
  events_accepted_.add(accepted);
  events_duplicates_.add(duplicates);
  today_.record_events_accepted(now_ms_(), accepted);
}

void ServeMetrics::record_rejected(std::string_view reason, uint64_t events) {
  auto found = rejected_by_reason_.find(std::string(reason));
  if (found == rejected_by_reason_.end()) found = rejected_by_reason_.find("other");
  found->second->add(events);
}

void ServeMetrics::record_events_unavailable() { events_unavailable_.add(); }

void ServeMetrics::set_breaker_open(bool open) { breaker_open_.set(open ? 1.0 : 0.0); }
void ServeMetrics::set_redis_up(bool up) { redis_up_.set(up ? 1.0 : 0.0); }
void ServeMetrics::set_engagement_snapshot_posts(size_t posts) {
  engagement_snapshot_posts_.set(static_cast<double>(posts));
}
void ServeMetrics::set_kafka_up(bool up) { kafka_up_.set(up ? 1.0 : 0.0); }
void ServeMetrics::set_ranked_percent(int percent) { ranked_percent_.set(percent); }

void ServeMetrics::set_extra_text(std::function<std::string()> extra) {
  std::lock_guard lock(extra_mutex_);
  extra_ = std::move(extra);
}

std::string ServeMetrics::render_prometheus() const {
  std::string text = registry_.render_prometheus() + render_dependency_prometheus();
  std::function<std::string()> extra;
  {
    std::lock_guard lock(extra_mutex_);
    extra = extra_;
  }
  if (extra) text += extra();
  return text;
}

nlohmann::json ServeMetrics::today_json(int64_t now_ms) { return today_.today_json(now_ms); }

}  // namespace nf::metrics
