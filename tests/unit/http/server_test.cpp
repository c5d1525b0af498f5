// The server over a real loopback socket: keep-alive, pipelining, the limits (413, 431,
// 400, slow clients) and graceful stop. Raw sockets, so a test controls every byte.

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <future>
#include <mutex>
#include <thread>

#include "core/error/error.hpp"
#include "core/http/server.hpp"
#include "core/net/http_client.hpp"

namespace {

using namespace std::chrono_literals;

struct RawResponse {
  int status = 0;
  std::string head;  // status line and fields
  std::string body;
  bool has(std::string_view field_line) const { return head.find(field_line) != std::string::npos; }
};

// One client connection with a receive buffer, reading responses by Content-Length.
class Client {
 public:
  explicit Client(uint16_t port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(port);
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(::connect(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0);
  }
  ~Client() { ::close(fd_); }

  void send(std::string_view bytes) {
    while (!bytes.empty()) {
      const auto n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
      if (n <= 0) return;  // the server may have closed already: the read tells
      bytes.remove_prefix(static_cast<size_t>(n));
    }
  }

  // Reads more into the buffer; false on EOF, error or timeout.
  bool fill(std::chrono::milliseconds timeout) {
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(timeout.count())) <= 0) return false;
    char chunk[65536];
    const auto n = ::recv(fd_, chunk, sizeof chunk, 0);
    if (n <= 0) return false;
    buffer_.append(chunk, static_cast<size_t>(n));
    return true;
  }

  // `head_only` for an answer to HEAD: Content-Length without a body.
  std::optional<RawResponse> read_response(std::chrono::milliseconds timeout = 3000ms, bool head_only = false) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    auto left = [&] {
      return std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    };
    size_t end = 0;
    while ((end = buffer_.find("\r\n\r\n")) == std::string::npos)
      if (left().count() <= 0 || !fill(left())) return std::nullopt;
    RawResponse response;
    response.head = buffer_.substr(0, end + 2);
    response.status = std::stoi(response.head.substr(9, 3));
    size_t length = 0;
    if (const auto at = response.head.find("Content-Length: "); at != std::string::npos && !head_only)
      length = std::stoul(response.head.substr(at + 16));
    while (buffer_.size() < end + 4 + length)
      if (left().count() <= 0 || !fill(left())) return std::nullopt;
    response.body = buffer_.substr(end + 4, length);
    buffer_.erase(0, end + 4 + length);
    return response;
  }

  // True when the server closes the connection within `timeout` (EOF or reset).
  bool closed_within(std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
      const auto left =
          std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) return false;
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) return false;
      char chunk[4096];
      const auto n = ::recv(fd_, chunk, sizeof chunk, 0);
      if (n <= 0) return true;
      buffer_.append(chunk, static_cast<size_t>(n));
    }
  }

 private:
  int fd_ = -1;
  std::string buffer_;
};

std::string get(std::string_view path, std::string_view extra = "") {
  return "GET " + std::string(path) + " HTTP/1.1\r\nHost: test\r\n" + std::string(extra) + "\r\n";
}

struct TestServer {
  explicit TestServer(nf::http::ServerOptions options = {}) {
    options.listen = "127.0.0.1:0";
    options.worker_threads = 4;
    router.add("GET", "/hello", [](const nf::http::Request& r) {
      return nf::http::json_response(200, {{"hello", std::string(r.query_param("name").value_or("world"))}});
    });
    router.add("POST", "/echo", [](const nf::http::Request& r) {
      nf::http::Response response;
      response.status = 201;
      response.content_type = "text/plain";
      response.body = r.body;
      return response;
    });
    router.add("GET", "/slow", [this](const nf::http::Request&) {
      slow_started.set_value();
      std::this_thread::sleep_for(600ms);
      return nf::http::json_response(200, {{"slow", true}});
    });
    server = std::make_unique<nf::http::Server>(options, router, [this](const auto& req, const auto& res, auto) {
      if (req.path == "/hello" && res.status == 200) ++hellos;
      if (req.path.empty() && res.status >= 400) ++refused;  // answered by the server itself
    });
    server->start();
  }
  nf::http::Router router;
  std::promise<void> slow_started;
  std::atomic<int> hellos{0};
  std::atomic<int> refused{0};
  std::unique_ptr<nf::http::Server> server;
  uint16_t port() const { return server->port(); }
};

}  // namespace

TEST_CASE("server: keep-alive and pipelined requests on one connection, every field present", "[http][server]") {
  TestServer s;
  Client client(s.port());
  client.send(get("/hello?name=a%20b"));
  auto first = client.read_response();
  REQUIRE(first);
  CHECK(first->status == 200);
  CHECK(first->body == R"({"hello":"a b"})");
  CHECK(first->has("\r\nServer: novafeed\r\n"));
  CHECK(first->has("\r\nContent-Type: application/json\r\n"));
  CHECK(first->has("\r\nContent-Length: 15\r\n"));
  CHECK_FALSE(first->has("Connection: close"));

  // Two requests in one write: answered in order on the same connection.
  client.send(get("/hello?name=x") + get("/hello?name=y"));
  auto x = client.read_response();
  auto y = client.read_response();
  REQUIRE(x);
  REQUIRE(y);
  CHECK(x->body == R"({"hello":"x"})");
  CHECK(y->body == R"({"hello":"y"})");

  // 404 and 405 over the wire, and the connection still serves.
  client.send(get("/nope"));
  auto missing = client.read_response();
  REQUIRE(missing);
  CHECK(missing->status == 404);
  client.send("DELETE /hello HTTP/1.1\r\nHost: test\r\n\r\n");
  auto wrong = client.read_response();
  REQUIRE(wrong);
  CHECK(wrong->status == 405);
  CHECK(wrong->has("\r\nAllow: GET\r\n"));
  client.send(get("/hello"));
  REQUIRE(client.read_response());
  CHECK(s.hellos == 4);

  // HEAD: the fields without the body, so the next answer on the connection is framed right.
  client.send("HEAD /hello HTTP/1.1\r\nHost: test\r\n\r\n" + get("/hello?name=after-head"));
  auto head = client.read_response(3000ms, /*head_only=*/true);
  REQUIRE(head);
  CHECK(head->status == 405);
  CHECK_FALSE(head->has("Content-Length: 0\r\n"));
  auto after_head = client.read_response();
  REQUIRE(after_head);
  CHECK(after_head->body == R"({"hello":"after-head"})");

  // Connection: close is honoured.
  client.send(get("/hello", "Connection: close\r\n"));
  auto last = client.read_response();
  REQUIRE(last);
  CHECK(last->has("Connection: close"));
  CHECK(client.closed_within(1000ms));
}

TEST_CASE("server: a body is read whole, with and without Expect: 100-continue, libcurl agrees", "[http][server]") {
  TestServer s;
  Client client(s.port());
  const std::string body(100000, 'b');
  client.send("POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 100000\r\n\r\n" + body.substr(0, 50000));
  std::this_thread::sleep_for(50ms);
  client.send(body.substr(50000));
  auto echoed = client.read_response();
  REQUIRE(echoed);
  CHECK(echoed->status == 201);
  CHECK(echoed->body == body);

  client.send("POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n");
  auto interim = client.read_response();
  REQUIRE(interim);
  CHECK(interim->status == 100);
  client.send("hello");
  auto final_answer = client.read_response();
  REQUIRE(final_answer);
  CHECK(final_answer->body == "hello");

  nf::net::HttpRequest request;
  request.method = "POST";
  request.url = "http://127.0.0.1:" + std::to_string(s.port()) + "/echo";
  request.body = "from curl";
  const auto response = nf::net::perform(request);
  REQUIRE(response.has_value());
  CHECK(response->status == 201);
  CHECK(response->body == "from curl");
  CHECK(response->header("server") == "novafeed");
}

TEST_CASE("server: oversized body 413, oversized headers 431, malformed 400, bad escape 400, still serving",
          "[http][server]") {
  TestServer s;
  {
    Client client(s.port());
    client.send("POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 300000\r\n\r\n" + std::string(300000, 'x'));
    auto response = client.read_response();
    REQUIRE(response);
    INFO(response->head << response->body);
    CHECK(response->status == 413);
    CHECK(response->body.find("body_too_large") != std::string::npos);
    CHECK(response->has("Connection: close"));
    CHECK(client.closed_within(3000ms));
  }
  {
    Client client(s.port());
    client.send(get("/hello", "X-Big: " + std::string(10000, 'h') + "\r\n"));
    auto response = client.read_response();
    REQUIRE(response);
    CHECK(response->status == 431);
    CHECK(client.closed_within(3000ms));
  }
  {
    Client client(s.port());
    client.send("THIS IS NOT HTTP\r\n\r\n");
    auto response = client.read_response();
    REQUIRE(response);
    CHECK(response->status == 400);
    CHECK(client.closed_within(3000ms));
  }
  {
    // A bad %-escape is a well-framed request: 400, and the connection stays usable.
    Client client(s.port());
    client.send(get("/hello?name=%zz"));
    auto response = client.read_response();
    REQUIRE(response);
    INFO(response->head << response->body);
    CHECK(response->status == 400);
    CHECK(response->body.find("bad_target") != std::string::npos);
    client.send(get("/hello"));
    auto next = client.read_response();
    REQUIRE(next);
    CHECK(next->status == 200);
  }
  CHECK(s.refused == 4);  // 413, 431, 400 and the bad escape reached the observer (metrics count them)
  Client client(s.port());
  client.send(get("/hello"));
  auto after = client.read_response();
  REQUIRE(after);
  CHECK(after->status == 200);
}

TEST_CASE("server: a client sending half a request is cut off after read_timeout", "[http][server]") {
  nf::http::ServerOptions options;
  options.read_timeout = 300ms;
  TestServer s(options);
  Client slow(s.port());
  const auto started = std::chrono::steady_clock::now();
  slow.send("GET /hello HTTP/1.1\r\nHost: t\r\n");
  CHECK(slow.closed_within(2000ms));
  const auto waited = std::chrono::steady_clock::now() - started;
  CHECK(waited >= 250ms);
  CHECK(waited < 1500ms);

  // Trickling bytes does not extend the deadline.
  Client trickle(s.port());
  const auto trickle_started = std::chrono::steady_clock::now();
  bool closed = false;
  for (const char c : std::string("GET /hello HTTP/1.1\r\nHost: t\r\nX-Slow: abcdefghijklmnopqrstuvwxyz")) {
    trickle.send(std::string(1, c));
    if (trickle.closed_within(40ms)) {
      closed = true;
      break;
    }
  }
  CHECK(closed);
  CHECK(std::chrono::steady_clock::now() - trickle_started < 1500ms);

  // A connection idle between requests is not held to read_timeout.
  Client idle(s.port());
  std::this_thread::sleep_for(500ms);
  idle.send(get("/hello"));
  auto response = idle.read_response();
  REQUIRE(response);
  CHECK(response->status == 200);
}

TEST_CASE("server: idle keep-alive connections are closed after idle_timeout", "[http][server]") {
  nf::http::ServerOptions options;
  options.idle_timeout = 300ms;
  TestServer s(options);
  Client client(s.port());
  client.send(get("/hello"));
  REQUIRE(client.read_response());
  CHECK(client.closed_within(2000ms));
}

TEST_CASE("server: stop() lets a running handler answer, closes idle connections, and is idempotent",
          "[http][server]") {
  TestServer s;
  Client idle(s.port());
  idle.send(get("/hello"));
  REQUIRE(idle.read_response());

  Client busy(s.port());
  busy.send(get("/slow"));
  REQUIRE(s.slow_started.get_future().wait_for(3s) == std::future_status::ready);
  const auto started = std::chrono::steady_clock::now();
  s.server->stop();
  CHECK(std::chrono::steady_clock::now() - started >= 300ms);  // it waited for /slow
  auto response = busy.read_response();
  REQUIRE(response);
  CHECK(response->status == 200);
  CHECK(response->has("Connection: close"));
  CHECK(idle.closed_within(1000ms));
  s.server->stop();

  // Nothing listens any more.
  nf::net::HttpRequest request;
  request.url = "http://127.0.0.1:" + std::to_string(s.port()) + "/hello";
  request.connect_timeout_ms = 500;
  CHECK_FALSE(nf::net::perform(request).has_value());
}

TEST_CASE("server: an asynchronous route frees its worker while it waits, and its answer comes back to its connection",
          "[http][server]") {
  nf::http::ServerOptions options;
  options.listen = "127.0.0.1:0";
  options.worker_threads = 1;  // one worker: a route holding it would block every other request
  nf::http::Router router;
  std::mutex mutex;
  std::vector<std::pair<std::string, nf::http::Respond>> parked;
  router.add_async("POST", "/later", [&](const nf::http::Request& r, const nf::http::Respond& respond) {
    std::lock_guard lock(mutex);
    parked.emplace_back(r.body, respond);
  });
  router.add("GET", "/now", [](const nf::http::Request&) { return nf::http::json_response(200, {{"now", true}}); });
  std::atomic<int> observed{0};
  nf::http::Server server(options, router, [&observed](const auto& req, const auto& res, auto) {
    if (req.path == "/later" && res.status == 202) ++observed;
  });
  server.start();

  auto post = [](std::string_view body) {
    return "POST /later HTTP/1.1\r\nHost: test\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n" +
           std::string(body);
  };
  Client first(server.port()), second(server.port()), other(server.port());
  first.send(post("first"));
  second.send(post("second"));
  const auto deadline = std::chrono::steady_clock::now() + 3s;
  for (;;) {
    {
      std::lock_guard lock(mutex);
      if (parked.size() == 2) break;
    }
    REQUIRE(std::chrono::steady_clock::now() < deadline);
    std::this_thread::sleep_for(5ms);
  }
  // Both wait, and the only worker still answers others.
  other.send(get("/now"));
  auto now = other.read_response();
  REQUIRE(now);
  CHECK(now->status == 200);
  CHECK_FALSE(first.read_response(100ms));

  // Answered from another thread, in the other order: each answer reaches its own connection.
  std::thread([&] {
    std::lock_guard lock(mutex);
    for (auto it = parked.rbegin(); it != parked.rend(); ++it)
      it->second(nf::http::json_response(202, {{"echo", it->first}}));
  }).join();
  auto a = first.read_response();
  auto b = second.read_response();
  REQUIRE(a);
  REQUIRE(b);
  CHECK(a->status == 202);
  CHECK(nlohmann::json::parse(a->body)["echo"] == "first");
  CHECK(nlohmann::json::parse(b->body)["echo"] == "second");
  CHECK(observed == 2);
  // The connection stays usable after an asynchronous answer.
  first.send(get("/now"));
  auto again = first.read_response();
  REQUIRE(again);
  CHECK(again->status == 200);
  server.stop();
}

TEST_CASE("server: several io threads serve many connections at once", "[http][server]") {
  nf::http::ServerOptions options;
  options.io_threads = 3;
  TestServer s(options);
  std::vector<std::thread> clients;
  std::atomic<int> answered{0};
  for (int c = 0; c < 8; ++c)
    clients.emplace_back([&s, &answered, c] {
      Client client(s.port());
      for (int i = 0; i < 25; ++i) {
        const auto name = std::to_string(c) + "-" + std::to_string(i);
        client.send(get("/hello?name=" + name));
        auto response = client.read_response();
        if (response && response->body == R"({"hello":")" + name + R"("})") ++answered;
      }
    });
  for (auto& thread : clients) thread.join();
  CHECK(answered == 200);
  CHECK(s.hellos == 200);
}

TEST_CASE("server: a port in use is a usage error that says what to do", "[http][server]") {
  TestServer first;
  nf::http::Router router;
  nf::http::ServerOptions options;
  options.listen = "127.0.0.1:" + std::to_string(first.port());
  nf::http::Server second(options, router);
  try {
    second.start();
    FAIL("bound a port in use");
  } catch (const nf::Error& e) {
    CHECK(e.code() == nf::ExitCode::usage);
    CHECK_THAT(e.what(), Catch::Contains("in use") && Catch::Contains("--listen"));
  }
}
