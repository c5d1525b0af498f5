#pragma once
// Private to core/http (included by server.cpp and session.cpp only): the Asio side of
// the server. Server::State is what every connection shares; Session is one connection,
// reading requests with a parser and buffer it reuses, handing each to the worker pool
// and writing the answer on its strand.

#include <spdlog/spdlog.h>

#include <atomic>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <unordered_map>
#include <vector>

#include "core/http/server.hpp"

namespace nf::http {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = net::ip::tcp;

class Session;

struct Server::State {
  State(ServerOptions o, const Router& r, Observer c) : options(std::move(o)), router(r), on_complete(std::move(c)) {}

  ServerOptions options;
  const Router& router;
  Observer on_complete;

  // Every open connection, so stop() can reach the idle ones. Declared before the
  // io_context: a connection destroyed with the io_context still unregisters here.
  std::mutex mutex;
  std::condition_variable drained;
  std::unordered_map<uint64_t, std::weak_ptr<Session>> sessions;
  uint64_t next_session_id = 0;
  std::atomic<bool> stopping{false};
  bool started = false;
  bool stopped = false;
  uint16_t port = 0;

  net::io_context ioc;
  std::optional<net::executor_work_guard<net::io_context::executor_type>> work;
  tcp::acceptor acceptor{net::make_strand(ioc)};
  net::steady_timer accept_retry{acceptor.get_executor()};
  std::unique_ptr<net::thread_pool> workers;
  std::vector<std::thread> io_threads;

  void observe(const Request& request, const Response& response, std::chrono::nanoseconds elapsed) const {
    if (!on_complete) return;
    try {
      on_complete(request, response, elapsed);
    } catch (const std::exception& e) {
      spdlog::error("http: request observer failed: {}", e.what());
    }
  }
};

class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(Server::State& server, uint64_t id, tcp::socket&& socket);

  ~Session();

  net::any_io_executor executor() { return socket_.get_executor(); }

  void start();

  // On the strand: a connection waiting for its next request closes now; one in the
  // middle of a request finishes it and closes after the answer.
  void on_server_stop();

  void force_close() { close(); }

 private:
  enum class Phase { idle, reading, handling, writing, closing, closed };

  void next_request();

  // The read deadline counts from a request's first byte, so a client trickling a
  // request byte by byte is cut off after read_timeout whatever its pace.
  void begin_reading();

  void read_some();

  void on_read(beast::error_code ec, size_t bytes);

  void parse();

  bool expects_continue() const;

  // curl and others wait for this before sending a body (RFC 7231 §5.1.1).
  void send_continue();

  // Requests the server answers itself, then closes: the stream's framing can no longer
  // be trusted after a limit or syntax error.
  void refuse(beast::error_code ec);

  void handle();

  void write(std::string head, std::string body, bool linger);

  void linger();

  void discard();

  void close();

  // The connection's one deadline, moved by every phase (idle, reading, writing, linger)
  // at the cost of a clock read: a single timer, armed when none is (or for a deadline
  // earlier than it), fires at the time it was armed for and re-arms itself when the
  // deadline moved on since; past the deadline it cancels the socket's operation (which
  // ends with operation_aborted, timed_out_ set). beast::tcp_stream re-armed a timer for
  // every read and every write: a visible share of a cache hit's CPU.
  void expires_after(std::chrono::steady_clock::duration timeout);
  // Before each socket operation: the timer runs whenever one is pending (one that fired
  // between two reads of a request is armed again, at the passed deadline: it fires at once).
  void ensure_timer();
  void arm_timer();

  Server::State& server_;
  const uint64_t id_;
  const std::string remote_;
  tcp::socket socket_;
  net::steady_timer timer_;
  std::chrono::steady_clock::time_point deadline_{}, armed_for_{};
  uint64_t timer_generation_ = 0;
  bool timer_armed_ = false;
  bool timed_out_ = false;
  beast::flat_buffer buffer_;  // reused for every request of the connection
  std::optional<bhttp::request_parser<bhttp::string_body>> parser_;
  Phase phase_ = Phase::idle;
  bool keep_alive_ = true;
  bool http10_ = false;
  bool head_request_ = false;
  bool continue_sent_ = false;
  std::string out_head_;
  std::string out_body_;
};

}  // namespace nf::http
