#include "core/http/router.hpp"

#include <spdlog/spdlog.h>

namespace nf::http {

void Router::add(std::string method, std::string path, Handler handler) {
  auto& route = routes_[std::move(path)];
  route.by_method[std::move(method)] = std::move(handler);
  route.allow.clear();
  for (const auto& [name, _] : route.by_method) route.allow += (route.allow.empty() ? "" : ", ") + name;
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

Response Router::dispatch(const Request& request) const {
  const auto route = routes_.find(request.path);
  if (route == routes_.end())
    return error_response(404, "not_found", "no endpoint " + request.path + " (see docs/openapi.yaml)");
  const auto handler = route->second.by_method.find(request.method);
  if (handler == route->second.by_method.end()) {
    auto response = error_response(405, "method_not_allowed",
                                   request.method + " is not allowed on " + request.path + "; use " + route->second.allow);
    response.headers.emplace_back("Allow", route->second.allow);
    return response;
  }
  try {
    return handler->second(request);
  } catch (const Error& e) {
    return error_from(e);
  } catch (const std::exception& e) {
    // The text may hold internals (SQL, hosts): it goes to the log, not to the client.
    spdlog::error("{} {}: unexpected error: {}", request.method, request.path, e.what());
    return error_response(500, "internal", "internal error; the server log has the details");
  } catch (...) {
    spdlog::error("{} {}: unexpected non-standard exception", request.method, request.path);
    return error_response(500, "internal", "internal error; the server log has the details");
  }
}

std::string_view Router::route_of(const Request& request) const {
  const auto route = routes_.find(request.path);
  return route == routes_.end() ? std::string_view("other") : std::string_view(route->first);
}

}  // namespace nf::http
