#include "core/http/server.hpp"

#include <condition_variable>
#include <memory>
#include <mutex>

#include <boost/asio/post.hpp>

#include "core/http/listen_address.hpp"
#include "core/http/session.hpp"
#include "core/process/thread_name.hpp"

namespace nf::http {

namespace {

void do_accept(Server::State& state);

void open_session(Server::State& state, tcp::socket socket) {
  beast::error_code ignored;
  socket.set_option(tcp::no_delay(true), ignored);
  std::shared_ptr<Session> session;
  {
    std::lock_guard lock(state.mutex);
    const auto id = state.next_session_id++;
    session = std::make_shared<Session>(state, id, std::move(socket));
    state.sessions.emplace(id, session);
  }
  session->start();
}

void on_accept(Server::State& state, beast::error_code ec, tcp::socket socket) {
  if (ec) {
    if (ec == net::error::operation_aborted || !state.acceptor.is_open()) return;
    // Out of file descriptors or a transient kernel error: pause rather than spin.
    spdlog::warn("http: accept failed: {}; retrying in 50 ms", ec.message());
    state.accept_retry.expires_after(std::chrono::milliseconds(50));
    state.accept_retry.async_wait([&state](beast::error_code wait_ec) {
      if (!wait_ec && state.acceptor.is_open()) do_accept(state);
    });
    return;
  }
  open_session(state, std::move(socket));
  // A burst of clients (1,000 connecting at once) waits in the backlog: take what is
  // there now rather than one per trip through the event loop.
  for (int i = 0; i < 64; ++i) {
    tcp::socket next(net::make_strand(state.ioc));
    beast::error_code accept_ec;
    state.acceptor.accept(next, accept_ec);
    if (accept_ec) break;  // would_block: the backlog is empty
    open_session(state, std::move(next));
  }
  do_accept(state);
}

void do_accept(Server::State& state) {
  // Each connection gets its own strand: with several io threads its handlers never run
  // at once, and without locks.
  state.acceptor.async_accept(net::make_strand(state.ioc), [&state](beast::error_code ec, tcp::socket socket) {
    on_accept(state, ec, std::move(socket));
  });
}

size_t positive_option(const config::Config& config, std::string_view key) {
  const auto value = config.get_int(key);
  if (value < 1)
    throw Error(ExitCode::usage, std::string(key) + " must be at least 1, got " + std::to_string(value) + " (from " +
                                     config.values.find(key)->second.origin + ")");
  return static_cast<size_t>(value);
}

// Runs `action` on every open connection's strand.
template <typename Action>
void for_each_session(Server::State& state, Action action) {
  std::vector<std::shared_ptr<Session>> open;
  {
    std::lock_guard lock(state.mutex);
    for (auto& [id, weak] : state.sessions)
      if (auto session = weak.lock()) open.push_back(std::move(session));
  }
  for (auto& session : open) net::post(session->executor(), [session, action] { action(*session); });
}

}  // namespace

ServerOptions server_options_from(const config::Config& config) {
  ServerOptions options;
  options.listen = config.get("serve.listen");
  options.io_threads = positive_option(config, "serve.io_threads");
  options.worker_threads = positive_option(config, "serve.worker_threads");
  options.max_body_bytes = positive_option(config, "serve.max_body_bytes");
  options.max_header_bytes = positive_option(config, "serve.max_header_bytes");
  options.read_timeout = std::chrono::milliseconds(positive_option(config, "serve.read_timeout_ms"));
  options.idle_timeout = std::chrono::milliseconds(positive_option(config, "serve.idle_timeout_ms"));
  options.shutdown_timeout = std::chrono::milliseconds(positive_option(config, "serve.shutdown_timeout_ms"));
  parse_listen_address(options.listen, "serve.listen");  // fail at start, not at bind
  return options;
}

Server::Server(ServerOptions options, const Router& router, Observer on_complete)
    : state_(std::make_shared<State>(std::move(options), router, std::move(on_complete))) {}

Server::~Server() {
  try {
    stop();
  } catch (const std::exception& e) {
    spdlog::error("http: stopping the server failed: {}", e.what());
  }
}

void Server::start() {
  auto& s = *state_;
  if (s.started) return;
  const auto address = parse_listen_address(s.options.listen, "serve.listen (or --listen)");
  const tcp::endpoint endpoint(net::ip::make_address(address.host), address.port);
  beast::error_code ec;
  const auto fail = [&](std::string_view doing) {
    throw Error(ExitCode::usage, "cannot listen on " + s.options.listen + " (serve.listen or --listen): " +
                                     std::string(doing) + ": " + ec.message());
  };
  s.acceptor.open(endpoint.protocol(), ec);
  if (ec) fail("opening a socket");
  s.acceptor.set_option(net::socket_base::reuse_address(true), ec);
  s.acceptor.bind(endpoint, ec);
  if (ec == net::error::address_in_use)
    throw Error(ExitCode::usage, "cannot listen on " + s.options.listen + ": the address is in use: another process "
                                     "listens there; pick another with --listen or stop the other process");
  if (ec) fail("binding");
  // A deep backlog: a burst of 1,000 connecting clients must not see refusals.
  s.acceptor.listen(4096, ec);
  if (ec) fail("listening");
  s.acceptor.non_blocking(true, ec);  // the accept burst in on_accept must never block
  if (ec) fail("setting the socket non-blocking");
  s.port = s.acceptor.local_endpoint().port();

  s.workers = std::make_unique<net::thread_pool>(s.options.worker_threads);
  {
    // One naming task per pool thread: each waits until all have run, so no thread runs
    // two. The count is shared, not on this stack: the last tasks still leave its wait
    // after this function has gone on.
    struct Roll {
      std::mutex mutex;
      std::condition_variable all_named;
      size_t named = 0;
    };
    const auto roll = std::make_shared<Roll>();
    const size_t wanted = s.options.worker_threads;
    for (size_t i = 0; i < wanted; ++i)
      net::post(*s.workers, [roll, wanted] {
        process::name_this_thread("nf-http-worker");
        std::unique_lock lock(roll->mutex);
        if (++roll->named == wanted) roll->all_named.notify_all();
        roll->all_named.wait(lock, [&] { return roll->named == wanted; });
      });
    std::unique_lock lock(roll->mutex);
    roll->all_named.wait(lock, [&] { return roll->named == wanted; });
  }
  s.work.emplace(s.ioc.get_executor());
  net::post(s.acceptor.get_executor(), [&s] { do_accept(s); });
  for (size_t i = 0; i < s.options.io_threads; ++i)
    s.io_threads.emplace_back([&s] {
      process::name_this_thread("nf-http-io");
      for (;;) {
        try {
          s.ioc.run();
          return;
        } catch (const std::exception& e) {
          spdlog::error("http: I/O thread caught: {}", e.what());
        }
      }
    });
  s.started = true;
  spdlog::info("http: listening on {} (port {}), {} io thread(s), {} worker(s)", s.options.listen, s.port,
               s.options.io_threads, s.options.worker_threads);
}

uint16_t Server::port() const { return state_->port; }

void Server::stop() {
  auto& s = *state_;
  if (!s.started || s.stopped) return;
  s.stopped = true;
  s.stopping = true;
  net::post(s.acceptor.get_executor(), [&s] {
    beast::error_code ignored;
    s.acceptor.close(ignored);
    s.accept_retry.cancel();
  });
  for_each_session(s, [](Session& session) { session.on_server_stop(); });

  // Requests in flight get shutdown_timeout to be answered.
  bool drained = false;
  {
    std::unique_lock lock(s.mutex);
    drained = s.drained.wait_for(lock, s.options.shutdown_timeout, [&s] { return s.sessions.empty(); });
  }
  if (!drained) {
    size_t left = 0;
    {
      std::lock_guard lock(s.mutex);
      left = s.sessions.size();
    }
    spdlog::warn("http: {} connection(s) still busy after {} ms; closing them", left,
                 s.options.shutdown_timeout.count());
    for_each_session(s, [](Session& session) { session.force_close(); });
  }
  // A handler still running finishes (its dependency timeouts bound it); its answer
  // finds the connection closed.
  s.workers->join();
  s.work.reset();
  s.ioc.stop();
  for (auto& thread : s.io_threads) thread.join();
  s.io_threads.clear();
}

}  // namespace nf::http
