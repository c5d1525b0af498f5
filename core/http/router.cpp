#include "core/http/router.hpp"

#include <atomic>
#include <exception>
#include <future>

#include <spdlog/spdlog.h>

namespace nf::http {

namespace {

// A handler's exception as the client sees it: nf::Error by its kind, anything else a
// 500 whose text (it may hold SQL or hosts) goes to the log only.
Response answer_for(const Request& request, std::exception_ptr error) {
  try {
    std::rethrow_exception(error);
  } catch (const Error& e) {
    return error_from(e);
  } catch (const std::exception& e) {
    spdlog::error("{} {}: unexpected error: {}", request.method, request.path, e.what());
  } catch (...) {
    spdlog::error("{} {}: unexpected non-standard exception", request.method, request.path);
  }
  return error_response(500, "internal", "internal error; the server log has the details");
}

}  // namespace

struct Respond::Once {
  explicit Once(std::function<void(Response)> d) : deliver(std::move(d)) {}
  ~Once() {
    if (answered.exchange(true)) return;
    spdlog::error("http: an asynchronous handler dropped its request without answering; answered 500");
    try {
      deliver(error_response(500, "internal", "internal error; the server log has the details"));
    } catch (...) {
    }
  }
  std::function<void(Response)> deliver;
  std::atomic<bool> answered{false};
};

Respond::Respond(std::function<void(Response)> deliver) : once_(std::make_shared<Once>(std::move(deliver))) {}

void Respond::operator()(Response response) const {
  if (once_->answered.exchange(true)) return;
  // Moved out: what `deliver` holds (the connection) is let go once it ran, however long
  // copies of this Respond live on.
  auto deliver = std::move(once_->deliver);
  once_->deliver = nullptr;
  deliver(std::move(response));
}

void Router::update_allow(Route& route) {
  std::map<std::string_view, bool> methods;
  for (const auto& [name, _] : route.by_method) methods[name] = true;
  for (const auto& [name, _] : route.async_by_method) methods[name] = true;
  route.allow.clear();
  for (const auto& [name, _] : methods) route.allow += (route.allow.empty() ? "" : ", ") + std::string(name);
}

void Router::add(std::string method, std::string path, Handler handler) {
  auto& route = routes_[std::move(path)];
  route.async_by_method.erase(method);
  route.by_method[std::move(method)] = std::move(handler);
  update_allow(route);
}

void Router::add_async(std::string method, std::string path, AsyncHandler handler) {
  auto& route = routes_[std::move(path)];
  route.by_method.erase(method);
  route.async_by_method[std::move(method)] = std::move(handler);
  update_allow(route);
}

void Router::add_inline(std::string method, std::string path, InlineHandler handler) {
  routes_[std::move(path)].inline_by_method[std::move(method)] = std::move(handler);
}

std::optional<Response> Router::try_inline(const Request& request) const {
  const auto route = routes_.find(request.path);
  if (route == routes_.end()) return std::nullopt;
  const auto handler = route->second.inline_by_method.find(request.method);
  if (handler == route->second.inline_by_method.end()) return std::nullopt;
  try {
    return handler->second(request);
  } catch (...) {
    return std::nullopt;
  }
}

std::variant<const Router::Route*, Response> Router::route_for(const Request& request) const {
  const auto route = routes_.find(request.path);
  if (route == routes_.end())
    return error_response(404, "not_found", "no endpoint " + request.path + " (see docs/openapi.yaml)");
  if (route->second.by_method.count(request.method) || route->second.async_by_method.count(request.method))
    return &route->second;
  auto response = error_response(405, "method_not_allowed",
                                 request.method + " is not allowed on " + request.path + "; use " + route->second.allow);
  response.headers.emplace_back("Allow", route->second.allow);
  return response;
}

Response Router::run(const Handler& handler, const Request& request) {
  try {
    return handler(request);
  } catch (...) {
    return answer_for(request, std::current_exception());
  }
}

Response Router::dispatch(const Request& request) const {
  auto found = route_for(request);
  if (auto* refused = std::get_if<Response>(&found)) return std::move(*refused);
  const Route& route = *std::get<const Route*>(found);
  if (const auto handler = route.by_method.find(request.method); handler != route.by_method.end())
    return run(handler->second, request);
  // An asynchronous route, answered here by waiting for it.
  std::promise<Response> answer;
  auto future = answer.get_future();
  dispatch(request, Respond([&answer](Response response) { answer.set_value(std::move(response)); }));
  return future.get();
}

void Router::dispatch(const Request& request, const Respond& respond) const {
  auto found = route_for(request);
  if (auto* refused = std::get_if<Response>(&found)) return respond(std::move(*refused));
  const Route& route = *std::get<const Route*>(found);
  if (const auto handler = route.by_method.find(request.method); handler != route.by_method.end())
    return respond(run(handler->second, request));
  try {
    route.async_by_method.find(request.method)->second(request, respond);
  } catch (...) {
    respond(answer_for(request, std::current_exception()));  // ignored if it answered already
  }
}

std::string_view Router::route_of(const Request& request) const {
  const auto route = routes_.find(request.path);
  return route == routes_.end() ? std::string_view("other") : std::string_view(route->first);
}

}  // namespace nf::http
