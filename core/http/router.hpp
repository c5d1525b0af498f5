#pragma once
// The route table: (method, exact path) → handler. dispatch() turns every outcome into a
// Response: unknown path 404, known path with another method 405 (with Allow), a
// handler's nf::Error its status (error_from), anything else 500 without internals.

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "core/http/message.hpp"

namespace nf::http {

using Handler = std::function<Response(const Request&)>;

// How an asynchronous handler answers: call it once, from any thread, when the answer is
// ready (later calls are ignored). Dropped uncalled (a bug), it answers 500 itself, so no
// connection waits forever. Copies share one answer.
class Respond {
 public:
  explicit Respond(std::function<void(Response)> deliver);
  void operator()(Response response) const;

 private:
  struct Once;
  std::shared_ptr<Once> once_;
};

// Starts on a worker like a Handler but need not answer before returning: it hands
// `respond` to whatever finishes the work (e.g. Kafka's delivery reports), so the worker
// is free while it waits. What it throws before returning is answered as a Handler's
// exception would be.
using AsyncHandler = std::function<void(const Request&, Respond respond)>;
// Answers on the I/O thread, without blocking (an in-process cache hit), or declines with
// nullopt and the request goes to the route's Handler on a worker as usual.
using InlineHandler = std::function<std::optional<Response>(const Request&)>;

class Router {
 public:
  // A second add() for the same method and path replaces the first.
  void add(std::string method, std::string path, Handler handler);

  // Like add(), for a handler that answers later through Respond.
  void add_async(std::string method, std::string path, AsyncHandler handler);

  // The fast path of a route added with add(): tried first, on the I/O thread.
  void add_inline(std::string method, std::string path, InlineHandler handler);

  Response dispatch(const Request& request) const;
  // Every route, asynchronous ones included: `respond` gets the answer, at once for a
  // plain Handler. Never throws.
  void dispatch(const Request& request, const Respond& respond) const;
  // The inline answer, or nullopt (no inline handler, it declined, or it threw: the
  // worker's handler then answers, errors included).
  std::optional<Response> try_inline(const Request& request) const;

  // The matched path, or "other": a bounded label set for metrics, whatever clients send.
  std::string_view route_of(const Request& request) const;

 private:
  struct Route {
    std::map<std::string, Handler, std::less<>> by_method;
    std::map<std::string, AsyncHandler, std::less<>> async_by_method;
    std::map<std::string, InlineHandler, std::less<>> inline_by_method;
    std::string allow;  // "GET, POST"
  };
  // The route with a handler (plain or asynchronous) for `request.method`, or the answer
  // when there is none (404, 405).
  std::variant<const Route*, Response> route_for(const Request& request) const;
  // A plain handler's answer, its exception answered as the client should see it.
  static Response run(const Handler& handler, const Request& request);
  static void update_allow(Route& route);

  std::map<std::string, Route, std::less<>> routes_;
};

}  // namespace nf::http
