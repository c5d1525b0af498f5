#include "core/latency/feed_api.hpp"

#include <algorithm>

#include <nlohmann/json.hpp>

#include "core/error/error.hpp"
#include "core/net/http_client.hpp"

namespace nf::latency {

bool FeedAnswer::holds(uint64_t post_id) const {
  return std::find(post_ids.begin(), post_ids.end(), post_id) != post_ids.end();
}

std::string FeedAnswer::describe() const {
  return algo + ", " + (cached ? "cached" : "not cached") + ", " + std::to_string(post_ids.size()) + " items";
}

FeedApi::FeedApi(std::string base_url, std::string token) : base_url_(std::move(base_url)), token_(std::move(token)) {
  while (!base_url_.empty() && base_url_.back() == '/') base_url_.pop_back();
}

void FeedApi::check_reachable() const {
  net::HttpRequest request;
  request.url = base_url_ + "/healthz";
  request.timeout_ms = 5000;
  const auto response = net::perform(request);
  if (!response)
    fail_unreachable("the feed API at " + base_url_ + " does not answer (" + response.error() +
                     "): start `novafeed serve --with-ingest` there, or point --api at a running one");
  if (!response->ok())
    fail_unreachable("the feed API at " + base_url_ + " answered /healthz with " + std::to_string(response->status) +
                     ": is that a novafeed serve? (--api)");
}

namespace {

// Performs `request`; its JSON answer when the status is `expected`, else what went wrong,
// naming the method and URL (the answer's first 200 bytes kept).
tl::expected<nlohmann::json, std::string> answer_of(const net::HttpRequest& request, long expected) {
  const std::string what = request.method + " " + request.url;
  const auto response = net::perform(request);
  if (!response) return tl::unexpected(what + " failed: " + response.error());
  if (response->status != expected)
    return tl::unexpected(what + " answered " + std::to_string(response->status) + ": " + response->body.substr(0, 200));
  auto body = nlohmann::json::parse(response->body, nullptr, false);
  if (!body.is_object()) return tl::unexpected(what + ": not a JSON object: " + response->body.substr(0, 200));
  return body;
}

}  // namespace

tl::expected<void, std::string> FeedApi::post_like(const std::string& event_id, uint64_t post_id,
                                                   int64_t ts_ms) const {
  net::HttpRequest request;
  request.method = "POST";
  request.url = base_url_ + "/api/v1/events";
  request.headers = {{"Authorization", "Bearer " + token_}, {"Content-Type", "application/json"}};
  request.body = nlohmann::json::array({{{"event_id", event_id}, {"post_id", post_id}, {"action", "like"}, {"ts", ts_ms}}})
                     .dump();
  const auto body = answer_of(request, 202);
  if (!body) return tl::unexpected(body.error());
  if (body->value("accepted", 0) + body->value("duplicates", 0) != 1)
    return tl::unexpected("POST " + request.url + " did not take the like: " + body->dump());
  return {};
}

tl::expected<FeedAnswer, std::string> FeedApi::feed() const {
  net::HttpRequest request;
  request.url = base_url_ + "/api/v1/feed?limit=50";
  request.headers = {{"Authorization", "Bearer " + token_}};
  const auto body = answer_of(request, 200);
  if (!body) return tl::unexpected(body.error());
  try {
    FeedAnswer answer;
    answer.algo = body->at("algo").get<std::string>();
    answer.cached = body->at("cached").get<bool>();
    for (const auto& item : body->at("items")) answer.post_ids.push_back(item.at("post_id").get<uint64_t>());
    return answer;
  } catch (const std::exception& e) {
    return tl::unexpected("GET " + request.url + ": unexpected answer (" + e.what() + ")");
  }
}

}  // namespace nf::latency
