// The feed cache as serve sees it: the hit rate of the last hour from
// GET /api/v1/feed/metrics of the serve at serve.listen (SPEC §6: >= 90 %; the plan's alert
// fires under 80 %). Only where a serve answers: a host without one is not unhealthy.

#include <fmt/format.h>

#include "core/doctor/checks.hpp"
#include "core/http/listen_address.hpp"
#include "core/net/http_client.hpp"

namespace nf::doctor {

CheckResult judge_cache(const std::string& url, const std::optional<nlohmann::json>& last_hour) {
  CheckResult result{"cache", Status::ok, "", ""};
  if (!last_hour) {
    result.status = Status::warn;
    result.detail = "no serve answers at " + url + ": the feed cache's hit rate is not checked";
    result.hint = "run doctor where `novafeed serve` runs, or set serve.listen to its address";
    return result;
  }
  const auto requests = last_hour->value("feed_requests", uint64_t{0});
  const auto hits = last_hour->value("cache_hits", uint64_t{0});
  const double rate = requests ? static_cast<double>(hits) / static_cast<double>(requests) : 0.0;
  result.figures = {{"feed_requests", requests}, {"cache_hits", hits},
                    {"cache_hit_rate", requests ? nlohmann::json(rate) : nlohmann::json(nullptr)}, {"url", url}};
  if (requests < kCacheMinRequests) {
    result.detail = fmt::format("{} feed requests in the last hour at {}: too few to judge the hit rate", requests, url);
    return result;
  }
  result.detail = fmt::format("cache hit rate {:.1f} % over the last hour ({} of {} feed requests) at {}", rate * 100,
                              hits, requests, url);
  if (rate < kCacheWarnBelow) {
    result.status = Status::warn;
    result.detail += fmt::format(", under {:.0f} %", kCacheWarnBelow * 100);
    result.hint = "is the feed-warmer running (`novafeed jobs status`)? is Redis up (`doctor` above)? are "
                  "invalidations storming (ingest log, novafeed_feed_invalidations_total)?";
  }
  return result;
}

std::vector<CheckResult> check_serve_cache(const config::Config& config) {
  const std::string url = http::local_url(config.get("serve.listen"), "serve.listen");
  net::HttpRequest request;
  request.url = url + "/api/v1/feed/metrics";
  request.timeout_ms = 3000;
  request.connect_timeout_ms = 1000;
  const auto response = net::perform(request);
  if (!response || !response->ok()) return {judge_cache(url, std::nullopt)};
  const auto body = nlohmann::json::parse(response->body, nullptr, false);
  if (!body.is_object() || !body.contains("last_hour") || !body["last_hour"].is_object())
    return {judge_cache(url, std::nullopt)};
  return {judge_cache(url, body["last_hour"])};
}

}  // namespace nf::doctor
