#include "core/metrics/serve_metrics.hpp"

#include <chrono>

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
      events_rejected_(
          registry_.counter("novafeed_events_rejected_total", "events refused by validation").with({})),
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
      today_(request_duration_bounds()) {
  routes.emplace_back(kOtherRoute);
  for (const auto& route : routes) route_durations_.emplace(route, &durations_.with({route}));
  // The four feed children exist from the start, so a dashboard sees 0 rather than nothing.
  for (const char* algo : {"ranked", "timeline"})
    for (const char* cached : {"false", "true"}) feed_requests_.with({algo, cached});
}

void ServeMetrics::record_request(std::string_view route, int status, double seconds) {
  auto found = route_durations_.find(std::string(route));
  if (found == route_durations_.end()) found = route_durations_.find(std::string(kOtherRoute));
  found->second->observe(seconds);
  const std::string code = status >= 100 && status <= 599 ? std::to_string(status) : "other";
  requests_.with({found->first, code}).add();
  today_.record_request(now_ms_(), found->first == kFeedRoute, seconds);
}

void ServeMetrics::record_feed(std::string_view algo, bool cached, bool fallback, bool shared) {
  const std::string algo_label = algo == "ranked" || algo == "timeline" ? std::string(algo) : "other";
  feed_requests_.with({algo_label, cached ? "true" : "false"}).add();
  if (fallback) feed_fallbacks_.add();
  if (algo == "ranked" && !cached && !shared) feed_rankings_.add();
  today_.record_feed(now_ms_(), cached, fallback);
}

void ServeMetrics::record_feed_in_process() {
  feed_in_process_hits_.add();
  record_feed("ranked", true, false);
}

void ServeMetrics::record_events(uint64_t accepted, uint64_t duplicates, uint64_t rejected) {
  events_accepted_.add(accepted);
  events_duplicates_.add(duplicates);
  events_rejected_.add(rejected);
  today_.record_events_accepted(now_ms_(), accepted);
}

void ServeMetrics::record_events_unavailable() { events_unavailable_.add(); }

void ServeMetrics::set_breaker_open(bool open) { breaker_open_.set(open ? 1.0 : 0.0); }
void ServeMetrics::set_redis_up(bool up) { redis_up_.set(up ? 1.0 : 0.0); }
void ServeMetrics::set_kafka_up(bool up) { kafka_up_.set(up ? 1.0 : 0.0); }
void ServeMetrics::set_ranked_percent(int percent) { ranked_percent_.set(percent); }

void ServeMetrics::set_extra_text(std::function<std::string()> extra) {
  std::lock_guard lock(extra_mutex_);
  extra_ = std::move(extra);
}

std::string ServeMetrics::render_prometheus() const {
  std::string text = registry_.render_prometheus();
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
