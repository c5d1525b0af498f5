#include "core/serve/routes.hpp"

#include <charconv>
#include <chrono>
#include <unordered_map>

#include "core/auth/jwt.hpp"
#include "core/discover/suggestions.hpp"
#include "core/discover/trending.hpp"
#include "core/error/error.hpp"

namespace nf::serve {

namespace {

// The token's user, or an HTTP 401 answer.
struct Caller {
  uint64_t user_id = 0;
  std::optional<http::Response> refusal;
};

double seconds_since(std::chrono::steady_clock::time_point started) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
}

void record_served(metrics::ServeMetrics& metrics, const feed::ServedSources& served) {
  metrics.record_served_items(served.follow, served.trending, served.affinity);
}

// The source (follow, trending, affinity) of each post of the user's cached feed: accepted
// events on those posts count per source (impressions and likes make its CTR; views give
// dwell times). One cache read per batch, before the events go to Kafka, so the
// completion on the producer's report thread only adds to counters.
std::unordered_map<uint64_t, ranking::Source> feed_sources(Backend& backend, uint64_t user_id, int64_t now_ms) {
  std::unordered_map<uint64_t, ranking::Source> source_of;
  const auto cached = backend.feed->cached_feed(user_id, now_ms);
  if (!cached) return source_of;
  for (const auto& item : cached->items) source_of.emplace(item.post_id, item.source);
  return source_of;
}

void record_feed_events(Backend& backend, const std::unordered_map<uint64_t, ranking::Source>& source_of,
                        const std::vector<events::Event>& accepted) {
  for (const auto& event : accepted)
    if (const auto found = source_of.find(event.post_id); found != source_of.end())
      backend.metrics->record_source_event(ranking::source_name(found->second), event.action, event.dwell_ms);
}

Caller authenticate(const Backend& backend, const http::Request& request, int64_t now_ms) {
  auto claims = auth::authenticate(backend.jwt_secret, request.header("authorization"), now_ms / 1000);
  if (!claims) {
    auto refusal = http::error_response(401, claims.error().code, claims.error().message);
    refusal.headers.emplace_back("WWW-Authenticate", "Bearer realm=\"novafeed\"");
    return {0, std::move(refusal)};
  }
  return {claims->user_id, std::nullopt};
}

http::Response get_feed(Backend& backend, const http::Request& request, int64_t now_ms) {
  const auto started = std::chrono::steady_clock::now();
  const auto caller = authenticate(backend, request, now_ms);
  if (caller.refusal) return *caller.refusal;
  const auto limit = integer_param(request, "limit", 20, 1, 50);
  std::optional<std::string> cursor;
  if (auto value = request.query_param("cursor"); value && !value->empty()) cursor = std::string(*value);
  const auto page = backend.feed->feed(caller.user_id, static_cast<size_t>(limit), cursor, now_ms);
  backend.metrics->record_feed(page.algo, page.cached, page.fallback, page.shared);
  record_served(*backend.metrics, feed::count_served(page.items));
  auto response = http::json_response(200, feed::to_json(page));
  backend.metrics->record_feed_duration(page.algo, page.cached, seconds_since(started));
  return response;
}

// A cache hit from memory, answered on the I/O thread; anything else (no token, a bad
// parameter, a feed not held here) declines and get_feed answers it on a worker.
std::optional<http::Response> get_feed_in_process(Backend& backend, const http::Request& request, int64_t now_ms) {
  const auto started = std::chrono::steady_clock::now();
  const auto claims = auth::authenticate(backend.jwt_secret, request.header("authorization"), now_ms / 1000);
  if (!claims) return std::nullopt;
  const auto limit = integer_param(request, "limit", 20, 1, 50);
  std::optional<std::string> cursor;
  if (auto value = request.query_param("cursor"); value && !value->empty()) cursor = std::string(*value);
  feed::ServedSources served;
  auto body = backend.feed->page_in_process(claims->user_id, static_cast<size_t>(limit), cursor, now_ms, &served);
  if (!body) return std::nullopt;
  backend.metrics->record_feed_in_process();
  record_served(*backend.metrics, served);
  http::Response response;
  response.body = std::move(*body);
  backend.metrics->record_feed_duration("ranked", true, seconds_since(started));
  return response;
}

http::Response get_trending(Backend& backend, const http::Request& request, int64_t now_ms) {
  const auto caller = authenticate(backend, request, now_ms);
  if (caller.refusal) return *caller.refusal;
  const std::string window(request.query_param("window").value_or("24h"));
  discover::window_hours(window);  // validates: 1h, 24h or 7d
  const auto limit = integer_param(request, "limit", 50, 1, 200);
  auto list = backend.feed->trending().get(window, now_ms);
  if (list.items.size() > static_cast<size_t>(limit)) list.items.resize(static_cast<size_t>(limit));
  return http::json_response(200, discover::to_json(list));
}

http::Response get_suggested_users(Backend& backend, const http::Request& request, int64_t now_ms) {
  const auto caller = authenticate(backend, request, now_ms);
  if (caller.refusal) return *caller.refusal;
  const auto limit = integer_param(request, "limit", 20, 1, 20);
  auto list = backend.feed->suggestions().get(caller.user_id, static_cast<size_t>(limit), now_ms);
  if (list.items.size() > static_cast<size_t>(limit)) list.items.resize(static_cast<size_t>(limit));
  return http::json_response(200, discover::to_json(list));
}

// Kafka did not take the batch (known down before, or its acknowledgement failed): 503.
http::Response events_unavailable(Backend& backend, const Error& e) {
  backend.metrics->record_events_unavailable();
  return http::error_from(e, backend.retry_after_s);
}

// Asynchronous: the worker parses, deduplicates and hands the events to Kafka, then is free;
// the 202 (or the 503) is sent from the producer's report thread once Kafka answered.
void post_events(Backend& backend, const http::Request& request, int64_t now_ms, const http::Respond& respond) {
  const auto caller = authenticate(backend, request, now_ms);
  if (caller.refusal) return respond(*caller.refusal);
  auto sources = feed_sources(backend, caller.user_id, now_ms);
  try {
    backend.intake->submit(caller.user_id, request.body, now_ms,
                           [&backend, respond, sources = std::move(sources)](events::Intake::Outcome outcome) {
                             if (outcome.unavailable) return respond(events_unavailable(backend, *outcome.unavailable));
                             const auto& result = outcome.result;
                             backend.metrics->record_events(result.accepted, result.duplicates);
                             for (const auto& rejection : result.rejected)
                               backend.metrics->record_rejected(events::rejection_reason(rejection.error));
                             record_feed_events(backend, sources, result.accepted_events);
                             respond(http::json_response(202, events::to_json(result)));
                           });
  } catch (const Error& e) {
    if (e.code() == ExitCode::usage) backend.metrics->record_rejected(e.reason());  // the whole request refused
    if (e.code() != ExitCode::unreachable) throw;
    respond(events_unavailable(backend, e));
  }
}

http::Response get_readyz(Backend& backend) {
  const auto report = backend.readiness->check();
  return http::json_response(report.ready ? 200 : 503, to_json(report));
}

http::Response get_prometheus(Backend& backend) {
  http::Response response;
  response.content_type = "text/plain; version=0.0.4; charset=utf-8";
  response.body = backend.metrics->render_prometheus();
  return response;
}

}  // namespace

int64_t integer_param(const http::Request& request, std::string_view name, int64_t fallback, int64_t min,
                      int64_t max) {
  const auto text = request.query_param(name);
  if (!text) return fallback;
  int64_t value = 0;
  const auto [end, error] = std::from_chars(text->data(), text->data() + text->size(), value);
  const std::string reason = "invalid_" + std::string(name);
  if (error != std::errc() || end != text->data() + text->size() || text->empty())
    throw Error(ExitCode::usage, std::string(name) + " must be an integer from " + std::to_string(min) + " to " +
                                     std::to_string(max) + ", got '" + std::string(*text) + "'",
                reason);
  if (value < min || value > max)
    throw Error(ExitCode::usage,
                std::string(name) + " must be from " + std::to_string(min) + " to " + std::to_string(max) + ", got " +
                    std::string(*text),
                reason);
  return value;
}

http::Router build_router(Backend& backend, NowMs now_ms) {
  http::Router router;
  auto with_now = [&backend, now_ms](auto handler) {
    return [&backend, now_ms, handler](const http::Request& request) { return handler(backend, request, now_ms()); };
  };
  router.add("GET", "/api/v1/feed", with_now(get_feed));
  router.add_inline("GET", "/api/v1/feed", with_now(get_feed_in_process));
  router.add("GET", "/api/v1/feed/trending", with_now(get_trending));
  router.add("GET", "/api/v1/discover/suggested-users", with_now(get_suggested_users));
  router.add_async("POST", "/api/v1/events",
                   [&backend, now_ms](const http::Request& request, const http::Respond& respond) {
                     post_events(backend, request, now_ms(), respond);
                   });
  router.add("GET", "/api/v1/feed/metrics", [&backend, now_ms](const http::Request&) {
    return http::json_response(200, backend.metrics->today_json(now_ms()));
  });
  router.add("GET", "/metrics", [&backend](const http::Request&) { return get_prometheus(backend); });
  router.add("GET", "/healthz", [](const http::Request&) { return http::json_response(200, {{"status", "ok"}}); });
  router.add("GET", "/readyz", [&backend](const http::Request&) { return get_readyz(backend); });
  return router;
}

}  // namespace nf::serve
