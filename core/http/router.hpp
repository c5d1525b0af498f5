#pragma once
// The route table: (method, exact path) → handler. dispatch() turns every outcome into a
// Response: unknown path 404, known path with another method 405 (with Allow), a
// handler's nf::Error its status (error_from), anything else 500 without internals.

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "core/http/message.hpp"

namespace nf::http {

using Handler = std::function<Response(const Request&)>;
// Answers on the I/O thread, without blocking (an in-process cache hit), or declines with
// nullopt and the request goes to the route's Handler on a worker as usual.
using InlineHandler = std::function<std::optional<Response>(const Request&)>;

class Router {
 public:
  // A second add() for the same method and path replaces the first.
  void add(std::string method, std::string path, Handler handler);

  // The fast path of a route added with add(): tried first, on the I/O thread.
  void add_inline(std::string method, std::string path, InlineHandler handler);

  Response dispatch(const Request& request) const;
  // The inline answer, or nullopt (no inline handler, it declined, or it threw: the
  // worker's handler then answers, errors included).
  std::optional<Response> try_inline(const Request& request) const;

  // The matched path, or "other": a bounded label set for metrics, whatever clients send.
  std::string_view route_of(const Request& request) const;

 private:
  struct Route {
    std::map<std::string, Handler, std::less<>> by_method;
    std::map<std::string, InlineHandler, std::less<>> inline_by_method;
    std::string allow;  // "GET, POST"
  };
  std::map<std::string, Route, std::less<>> routes_;
};

}  // namespace nf::http
