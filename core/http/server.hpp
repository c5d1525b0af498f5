#pragma once
// The HTTP/1.1 server of `serve` (Boost.Beast on Asio, kept out of this header so only
// server.cpp pays its compile time). io_threads run the event loop: accept, read, parse,
// write. Each complete request goes to a pool of worker_threads, because every handler
// blocks on a dependency (Redis, ClickHouse, PostgreSQL, Kafka); the response comes back
// to the connection's strand to be written. An asynchronous route (Router::add_async)
// leaves its worker at once and answers when its work completes elsewhere. Keep-alive,
// pipelined requests answered in order, one at a time per connection.
//
// Limits, each answered and then the connection closed: a header block over
// max_header_bytes → 431, a body over max_body_bytes → 413, malformed HTTP → 400. A
// request not received whole within read_timeout (counted from its first byte) is cut
// off without an answer (slow clients); a keep-alive connection idle for idle_timeout is
// closed.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "core/config/config.hpp"
#include "core/http/message.hpp"
#include "core/http/router.hpp"

namespace nf::http {

struct ServerOptions {
  std::string listen = "127.0.0.1:8080";  // HOST:PORT, see listen_address.hpp
  size_t io_threads = 1;
  size_t worker_threads = 16;
  size_t max_body_bytes = 262144;
  size_t max_header_bytes = 8192;
  std::chrono::milliseconds read_timeout{10000};
  std::chrono::milliseconds idle_timeout{30000};  // also bounds writing one response
  std::chrono::milliseconds shutdown_timeout{10000};
};

// From serve.*; throws nf::Error(usage) naming the key for a value out of range.
ServerOptions server_options_from(const config::Config& config);

// Called once a handler answered (elapsed: from the request's last byte to its response
// being ready): on the worker for a Handler, on whichever thread called Respond for an
// AsyncHandler, and on an I/O thread for inline answers and the requests the server
// refuses itself (400, 413, 431). Must not throw; exceptions are logged and dropped.
using Observer = std::function<void(const Request&, const Response&, std::chrono::nanoseconds)>;

class Server {
 public:
  // `router` must outlive the server.
  Server(ServerOptions options, const Router& router, Observer on_complete = {});
  ~Server();  // stop()
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Binds and listens, then starts the threads. nf::Error(usage) when the address is
  // malformed, in use or not ours.
  void start();

  // The bound port (the kernel's choice when options.listen asked for port 0).
  uint16_t port() const;

  // Graceful: stops accepting, closes idle keep-alive connections, lets requests in
  // flight finish and answers them with "Connection: close" (at most shutdown_timeout,
  // then the rest are cut off), joins the threads. Idempotent.
  void stop();

  // Defined in session.hpp (Asio types): what the connections share with the server.
  struct State;

 private:
  std::shared_ptr<State> state_;
};

}  // namespace nf::http
