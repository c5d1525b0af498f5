#include "core/http/session.hpp"

#include <algorithm>
#include <array>
#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/http/error.hpp>

#include "core/http/wire.hpp"

namespace nf::http {

using Clock = std::chrono::steady_clock;

namespace {

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(a[i])) != std::tolower(static_cast<unsigned char>(b[i]))) return false;
  return true;
}

std::string endpoint_text(const tcp::socket& socket) {
  beast::error_code ec;
  const auto endpoint = socket.remote_endpoint(ec);
  if (ec) return "unknown";
  const auto address = endpoint.address();
  return (address.is_v6() ? "[" + address.to_string() + "]" : address.to_string()) + ":" +
         std::to_string(endpoint.port());
}

constexpr size_t kReadChunk = 16384;
// After an error answer the client may still be sending (a 300 KB body): reading and
// discarding for a moment before closing keeps the kernel from resetting the connection
// before the client has read the answer.
constexpr auto kLingerTime = std::chrono::milliseconds(1000);

}  // namespace

Session::Session(Server::State& server, uint64_t id, tcp::socket&& socket)
    : server_(server),
      id_(id),
      remote_(endpoint_text(socket)),
      socket_(std::move(socket)),
      timer_(socket_.get_executor()) {}

Session::~Session() {
  std::lock_guard lock(server_.mutex);
  server_.sessions.erase(id_);
  if (server_.sessions.empty()) server_.drained.notify_all();
}

void Session::start() {
  net::dispatch(socket_.get_executor(), [self = shared_from_this()] { self->next_request(); });
}

void Session::expires_after(Clock::duration timeout) {
  deadline_ = Clock::now() + timeout;
  if (!timer_armed_ || deadline_ < armed_for_) arm_timer();
}

void Session::ensure_timer() {
  if (!timer_armed_) arm_timer();
}

void Session::arm_timer() {
  // At most read_timeout ahead: a request's read deadline, set at its first byte, then
  // never comes before the armed time, so a keep-alive request re-arms nothing.
  armed_for_ = std::min(deadline_, Clock::now() + server_.options.read_timeout);
  timer_armed_ = true;
  const uint64_t generation = ++timer_generation_;
  timer_.expires_at(armed_for_);  // cancels a wait armed before (its handler sees an old generation)
  timer_.async_wait([self = shared_from_this(), generation](beast::error_code ec) {
    if (generation != self->timer_generation_) return;  // armed again since: that wait is the live one
    self->timer_armed_ = false;
    if (ec || self->phase_ == Phase::closed) return;  // cancelled by close()
    if (Clock::now() < self->deadline_) return self->arm_timer();  // moved on since
    // A handler at work has no socket operation to end; its answer sets a new deadline.
    if (self->phase_ == Phase::handling) return;
    self->timed_out_ = true;
    beast::error_code ignored;
    self->socket_.cancel(ignored);
  });
}

void Session::on_server_stop() {
  beast::error_code ignored;
  if (phase_ == Phase::idle) socket_.cancel(ignored);
}

void Session::next_request() {
  if (server_.stopping) return close();
  parser_.emplace();
  parser_->header_limit(static_cast<std::uint32_t>(server_.options.max_header_bytes));
  parser_->body_limit(server_.options.max_body_bytes);
  parser_->eager(true);
  continue_sent_ = false;
  if (buffer_.size() > 0) {  // a pipelined request already arrived
    begin_reading();
    return parse();
  }
  phase_ = Phase::idle;
  expires_after(server_.options.idle_timeout);
  read_some();
}

void Session::begin_reading() {
  phase_ = Phase::reading;
  expires_after(server_.options.read_timeout);
}

void Session::read_some() {
  ensure_timer();  // a read started past the deadline is cut at once
  socket_.async_read_some(buffer_.prepare(kReadChunk),
                          [self = shared_from_this()](beast::error_code ec, size_t n) { self->on_read(ec, n); });
}

void Session::on_read(beast::error_code ec, size_t bytes) {
  buffer_.commit(bytes);
  if (ec) {
    if (timed_out_ && phase_ == Phase::reading)
      spdlog::debug("http: {} did not send a whole request within {} ms; closing", remote_,
                    server_.options.read_timeout.count());
    return close();
  }
  if (phase_ == Phase::idle) begin_reading();
  parse();
}

void Session::parse() {
  for (;;) {
    if (buffer_.size() == 0) return read_some();
    beast::error_code ec;
    const size_t used = parser_->put(buffer_.data(), ec);
    buffer_.consume(used);
    if (ec == bhttp::error::need_more) return read_some();
    if (ec) return refuse(ec);
    if (parser_->is_done()) return handle();
    if (parser_->is_header_done() && !continue_sent_ && expects_continue()) return send_continue();
    if (used == 0) return read_some();
  }
}

bool Session::expects_continue() const {
  const auto& message = parser_->get();
  const auto expect = message[bhttp::field::expect];
  return message.version() >= 11 && iequals(std::string_view(expect.data(), expect.size()), "100-continue");
}

void Session::send_continue() {
  continue_sent_ = true;
  static constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
  ensure_timer();  // still the request's read deadline
  net::async_write(socket_, net::buffer(kContinue.data(), kContinue.size()),
                   [self = shared_from_this()](beast::error_code ec, size_t) {
                     if (ec) return self->close();
                     self->parse();
                   });
}

void Session::refuse(beast::error_code ec) {
  Response response;
  if (ec == bhttp::error::header_limit)
    response = error_response(431, "headers_too_large",
                              "the request's header block is over " +
                                  std::to_string(server_.options.max_header_bytes) + " bytes (serve.max_header_bytes)");
  else if (ec == bhttp::error::body_limit)
    response = error_response(413, "body_too_large",
                              "the request body is over " + std::to_string(server_.options.max_body_bytes) +
                                  " bytes (serve.max_body_bytes)");
  else
    response = error_response(400, "bad_request", "malformed HTTP request: " + ec.message());
  Request request;
  request.remote = remote_;
  server_.observe(request, response, {});
  keep_alive_ = false;
  head_request_ = false;
  auto head = serialize_head(response);  // before the body is moved out
  write(std::move(head), std::move(response.body), /*linger=*/true);
}

void Session::handle() {
  phase_ = Phase::handling;
  const auto received_at = Clock::now();
  auto& message = parser_->get();
  keep_alive_ = message.keep_alive();
  http10_ = message.version() < 11;
  head_request_ = message.method() == bhttp::verb::head;

  Request request;
  request.method = std::string(message.method_string());
  request.target = std::string(message.target());
  request.remote = remote_;
  for (const auto& field : message) {
    std::string name(field.name_string());
    for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    auto [it, inserted] = request.headers.try_emplace(std::move(name), std::string(field.value()));
    if (!inserted) (it->second += ", ") += std::string(field.value());
  }
  request.body = std::move(message.body());
  parser_.reset();
  try {
    auto target = parse_target(request.target);
    request.path = std::move(target.path);
    request.query = std::move(target.query);
  } catch (const Error& e) {
    auto response = error_from(e);
    server_.observe(request, response, Clock::now() - received_at);
    auto head = serialize_head(response);  // before the body is moved out
    return write(std::move(head), std::move(response.body), false);
  }

  // A route's inline handler answers here when it can without blocking (an in-process
  // cache hit): no hop to a worker and back.
  if (auto response = server_.router.try_inline(request)) {
    server_.observe(request, *response, Clock::now() - received_at);
    auto head = serialize_head(*response);
    return write(std::move(head), std::move(response->body), false);
  }

  // Handlers block on dependencies: they run on the worker pool, never on this thread. An
  // asynchronous one may answer later from another thread (Respond); the answer comes
  // back to this connection's strand either way, and the session lives until it does.
  net::post(*server_.workers, [self = shared_from_this(), request = std::move(request), received_at]() mutable {
    auto shared = std::make_shared<const Request>(std::move(request));
    self->server_.router.dispatch(*shared, Respond([self, shared, received_at](Response response) {
      self->server_.observe(*shared, response, Clock::now() - received_at);
      auto head = serialize_head(response);
      auto body = std::move(response.body);
      net::post(self->socket_.get_executor(), [self, head = std::move(head), body = std::move(body)]() mutable {
        self->write(std::move(head), std::move(body), false);
      });
    }));
  });
}

void Session::write(std::string head, std::string body, bool linger) {
  if (phase_ == Phase::closed) return;
  phase_ = Phase::writing;
  const bool keep = keep_alive_ && !linger && !server_.stopping;
  out_head_ = std::move(head);
  // A HEAD answer keeps its Content-Length but sends no body (RFC 7230 §3.3).
  out_body_ = head_request_ ? std::string() : std::move(body);
  const std::string_view end = connection_trailer(keep, http10_);
  const std::array<net::const_buffer, 3> buffers{net::buffer(out_head_), net::buffer(end.data(), end.size()),
                                                 net::buffer(out_body_)};
  expires_after(server_.options.idle_timeout);
  net::async_write(socket_, buffers, [self = shared_from_this(), keep, linger](beast::error_code ec, size_t) {
    self->out_body_.clear();
    if (ec) return self->close();
    if (linger) return self->linger();
    if (!keep) return self->close();
    self->next_request();
  });
}

void Session::linger() {
  phase_ = Phase::closing;
  beast::error_code ignored;
  socket_.shutdown(tcp::socket::shutdown_send, ignored);
  expires_after(kLingerTime);
  discard();
}

void Session::discard() {
  buffer_.clear();
  ensure_timer();
  socket_.async_read_some(buffer_.prepare(kReadChunk), [self = shared_from_this()](beast::error_code ec, size_t) {
    if (ec) return self->close();
    self->discard();
  });
}

void Session::close() {
  if (phase_ == Phase::closed) return;
  phase_ = Phase::closed;
  beast::error_code ignored;
  socket_.shutdown(tcp::socket::shutdown_both, ignored);
  socket_.close(ignored);
  timer_.cancel();
}

}  // namespace nf::http
