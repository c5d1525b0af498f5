// The router, the message helpers and the wire format without a socket.

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <optional>
#include <thread>

#include "core/error/error.hpp"
#include "core/http/listen_address.hpp"
#include "core/http/router.hpp"
#include "core/http/wire.hpp"

namespace {

nf::http::Request request(std::string method, std::string path) {
  nf::http::Request r;
  r.method = std::move(method);
  r.path = std::move(path);
  r.target = r.path;
  return r;
}

nlohmann::json body_of(const nf::http::Response& response) { return nlohmann::json::parse(response.body); }

std::string header_of(const nf::http::Response& response, std::string_view name) {
  for (const auto& [key, value] : response.headers)
    if (key == name) return value;
  return "";
}

nf::http::Router sample_router() {
  nf::http::Router router;
  router.add("GET", "/items", [](const nf::http::Request& r) {
    return nf::http::json_response(200, {{"limit", std::string(r.query_param("limit").value_or("none"))}});
  });
  router.add("POST", "/items", [](const nf::http::Request& r) { return nf::http::json_response(201, {{"body", r.body}}); });
  router.add("GET", "/usage", [](const nf::http::Request&) -> nf::http::Response {
    throw nf::Error(nf::ExitCode::usage, "limit must be from 1 to 50", "invalid_limit");
  });
  router.add("GET", "/down", [](const nf::http::Request&) -> nf::http::Response {
    throw nf::Error(nf::ExitCode::unreachable, "kafka is down");
  });
  router.add("GET", "/failed", [](const nf::http::Request&) -> nf::http::Response {
    throw nf::Error(nf::ExitCode::check_failed, "ranking failed");
  });
  router.add("GET", "/bug", [](const nf::http::Request&) -> nf::http::Response {
    throw std::runtime_error("SELECT secret FROM internals");
  });
  return router;
}

}  // namespace

TEST_CASE("router: exact paths, 404 for unknown paths, 405 with Allow for other methods", "[http]") {
  const auto router = sample_router();
  auto get = request("GET", "/items");
  get.query["limit"] = "5";
  const auto ok = router.dispatch(get);
  CHECK(ok.status == 200);
  CHECK(body_of(ok)["limit"] == "5");
  auto post = request("POST", "/items");
  post.body = "hello";
  CHECK(router.dispatch(post).status == 201);

  const auto missing = router.dispatch(request("GET", "/items/1"));
  CHECK(missing.status == 404);
  CHECK(body_of(missing)["error"]["code"] == "not_found");
  CHECK(router.dispatch(request("GET", "/Items")).status == 404);

  const auto wrong = router.dispatch(request("DELETE", "/items"));
  CHECK(wrong.status == 405);
  CHECK(body_of(wrong)["error"]["code"] == "method_not_allowed");
  CHECK(header_of(wrong, "Allow") == "GET, POST");

  CHECK(router.route_of(request("GET", "/items")) == "/items");
  CHECK(router.route_of(request("GET", "/whatever/123")) == "other");
}

TEST_CASE("router: handler errors become statuses, unexpected exceptions leak nothing", "[http]") {
  const auto router = sample_router();
  const auto usage = router.dispatch(request("GET", "/usage"));
  CHECK(usage.status == 400);
  CHECK(body_of(usage)["error"]["code"] == "invalid_limit");
  CHECK(body_of(usage)["error"]["message"] == "limit must be from 1 to 50");

  const auto down = router.dispatch(request("GET", "/down"));
  CHECK(down.status == 503);
  CHECK(body_of(down)["error"]["code"] == "unavailable");
  CHECK(header_of(down, "Retry-After") == "5");
  CHECK(down.body.find("kafka is down") == std::string::npos);  // the cause goes to the log
  CHECK_THAT(body_of(down)["error"]["message"].get<std::string>(), Catch::Contains("retry after 5 s"));

  const auto failed = router.dispatch(request("GET", "/failed"));
  CHECK(failed.status == 500);
  CHECK(body_of(failed)["error"]["code"] == "internal");
  CHECK(failed.body.find("ranking failed") == std::string::npos);

  const auto bug = router.dispatch(request("GET", "/bug"));
  CHECK(bug.status == 500);
  CHECK(body_of(bug)["error"]["code"] == "internal");
  CHECK(bug.body.find("SELECT") == std::string::npos);
}

TEST_CASE("router: an inline handler answers or declines, declining or throwing leaves it to the worker's", "[http]") {
  auto router = sample_router();
  router.add_inline("GET", "/items", [](const nf::http::Request& r) -> std::optional<nf::http::Response> {
    const auto limit = r.query_param("limit");
    if (limit == "bad") throw nf::Error(nf::ExitCode::usage, "bad limit", "invalid_limit");
    if (limit != "7") return std::nullopt;
    return nf::http::json_response(200, {{"inline", true}});
  });
  auto r = request("GET", "/items");
  r.query["limit"] = "7";
  const auto answered = router.try_inline(r);
  REQUIRE(answered);
  CHECK(body_of(*answered)["inline"] == true);
  r.query["limit"] = "3";
  CHECK_FALSE(router.try_inline(r));
  CHECK(body_of(router.dispatch(r))["limit"] == "3");  // the worker's handler still there
  r.query["limit"] = "bad";
  CHECK_FALSE(router.try_inline(r));
  // Other methods and paths have no inline handler.
  CHECK_FALSE(router.try_inline(request("POST", "/items")));
  CHECK_FALSE(router.try_inline(request("GET", "/nowhere")));
  // Adding an inline handler changes neither Allow nor 405.
  const auto refused = router.dispatch(request("DELETE", "/items"));
  CHECK(refused.status == 405);
  CHECK(header_of(refused, "Allow") == "GET, POST");
}

TEST_CASE("router: an asynchronous route answers once, later or at once, and never leaves a request unanswered",
          "[http]") {
  nf::http::Router router;
  std::optional<nf::http::Respond> parked;
  router.add_async("POST", "/later", [&parked](const nf::http::Request&, const nf::http::Respond& respond) {
    parked = respond;  // answered later, by the test
  });
  router.add("GET", "/later", [](const nf::http::Request&) { return nf::http::json_response(200, {{"sync", true}}); });
  router.add_async("POST", "/throws", [](const nf::http::Request&, const nf::http::Respond&) {
    throw nf::Error(nf::ExitCode::usage, "bad batch", "invalid_json");
  });
  router.add_async("POST", "/dropped", [](const nf::http::Request&, const nf::http::Respond&) {});
  router.add_async("POST", "/now", [](const nf::http::Request& r, const nf::http::Respond& respond) {
    respond(nf::http::json_response(202, {{"body", r.body}}));
    respond(nf::http::json_response(500, {{"second", true}}));  // ignored: the first answer stands
  });

  std::vector<nf::http::Response> answers;
  // A Respond per request: each answers once.
  auto collect = [&answers] {
    return nf::http::Respond([&answers](nf::http::Response r) { answers.push_back(std::move(r)); });
  };

  SECTION("answered later, from another thread, exactly once") {
    router.dispatch(request("POST", "/later"), collect());
    REQUIRE(parked);
    CHECK(answers.empty());
    std::thread([&parked] {
      (*parked)(nf::http::json_response(202, {{"late", true}}));
      (*parked)(nf::http::json_response(500, {}));
    }).join();
    REQUIRE(answers.size() == 1);
    CHECK(answers[0].status == 202);
    CHECK(body_of(answers[0])["late"] == true);
  }
  SECTION("each dispatch has its own answer; the first call wins") {
    auto a = request("POST", "/now");
    a.body = "x";
    router.dispatch(a, collect());
    router.dispatch(a, collect());
    REQUIRE(answers.size() == 2);
    CHECK(answers[0].status == 202);
    CHECK(answers[1].status == 202);
  }
  SECTION("an exception before answering is answered as a handler's would be") {
    router.dispatch(request("POST", "/throws"), collect());
    REQUIRE(answers.size() == 1);
    CHECK(answers[0].status == 400);
    CHECK(body_of(answers[0])["error"]["code"] == "invalid_json");
  }
  SECTION("a handler that drops its Respond gets a 500, not a hung connection") {
    router.dispatch(request("POST", "/dropped"), collect());
    REQUIRE(answers.size() == 1);
    CHECK(answers[0].status == 500);
    CHECK(body_of(answers[0])["error"]["code"] == "internal");
  }
  SECTION("the plain dispatch() waits for an asynchronous answer") {
    const auto answer = router.dispatch(request("POST", "/now"));
    CHECK(answer.status == 202);
  }
  SECTION("405 lists plain and asynchronous methods; plain routes answer through Respond too") {
    const auto refused = router.dispatch(request("DELETE", "/later"));
    CHECK(refused.status == 405);
    CHECK(header_of(refused, "Allow") == "GET, POST");
    router.dispatch(request("GET", "/later"), collect());
    router.dispatch(request("GET", "/nowhere"), collect());
    REQUIRE(answers.size() == 2);
    CHECK(body_of(answers[0])["sync"] == true);
    CHECK(answers[1].status == 404);
  }
}

TEST_CASE("parse_target: decoded path and query, '+' a space only in the query", "[http]") {
  const auto t = nf::http::parse_target("/a%20b/c+d?limit=20&cursor=a%2Bb%3D&q=x+y&flag&limit=99&=v#frag");
  CHECK(t.path == "/a b/c+d");
  CHECK(t.query.at("limit") == "20");  // the first of repeated names wins
  CHECK(t.query.at("cursor") == "a+b=");
  CHECK(t.query.at("q") == "x y");
  CHECK(t.query.at("flag").empty());
  CHECK(t.query.at("") == "v");
  CHECK(nf::http::parse_target("/x").query.empty());
  CHECK(nf::http::parse_target("http://example.com:8080/api/v1/feed?limit=1").path == "/api/v1/feed");
  CHECK(nf::http::parse_target("http://example.com").path == "/");
  for (const std::string bad : {"/a%zz", "/a%2", "/a%", "/x?limit=%G1", "/x%00y"}) {
    INFO(bad);
    try {
      nf::http::parse_target(bad);
      FAIL("accepted");
    } catch (const nf::Error& e) {
      CHECK(e.code() == nf::ExitCode::usage);
      CHECK(e.reason() == "bad_target");
      CHECK(nf::http::error_from(e).status == 400);
    }
  }
}

TEST_CASE("wire: status line, fixed fields, Content-Length, no header injection", "[http]") {
  nf::http::Response response = nf::http::error_response(404, "not_found", "nope");
  response.headers.emplace_back("X-Test", "a\r\nSet-Cookie: evil");
  const auto head = nf::http::serialize_head(response);
  CHECK(head.rfind("HTTP/1.1 404 Not Found\r\n", 0) == 0);
  CHECK_THAT(head, Catch::Contains("\r\nServer: novafeed\r\n"));
  CHECK_THAT(head, Catch::Contains("\r\nDate: "));
  CHECK_THAT(head, Catch::Contains("\r\nContent-Type: application/json\r\n"));
  CHECK_THAT(head, Catch::Contains("\r\nContent-Length: " + std::to_string(response.body.size()) + "\r\n"));
  CHECK_THAT(head, Catch::Contains("\r\nX-Test: aSet-Cookie: evil\r\n"));
  CHECK(head.substr(head.size() - 2) == "\r\n");
  CHECK(nf::http::connection_trailer(true, false) == "\r\n");
  CHECK(nf::http::connection_trailer(true, true) == "Connection: keep-alive\r\n\r\n");
  CHECK(nf::http::connection_trailer(false, false) == "Connection: close\r\n\r\n");
  CHECK(nf::http::reason_phrase(431) == "Request Header Fields Too Large");
}

TEST_CASE("listen address: a local client asks a wildcard on loopback", "[http]") {
  CHECK(nf::http::local_url("127.0.0.1:8080", "serve.listen") == "http://127.0.0.1:8080");
  CHECK(nf::http::local_url("0.0.0.0:9000", "serve.listen") == "http://127.0.0.1:9000");
  CHECK(nf::http::local_url("[::]:9000", "serve.listen") == "http://[::1]:9000");
  CHECK(nf::http::local_url("[::1]:9000", "serve.listen") == "http://[::1]:9000");
}

TEST_CASE("listen address: IPv4, [IPv6], localhost and port 0, anything else names the key", "[http]") {
  using nf::http::parse_listen_address;
  CHECK(parse_listen_address("127.0.0.1:8080", "serve.listen").host == "127.0.0.1");
  CHECK(parse_listen_address("127.0.0.1:8080", "serve.listen").port == 8080);
  CHECK(parse_listen_address("0.0.0.0:0", "serve.listen").port == 0);
  CHECK(parse_listen_address("[::1]:9000", "serve.listen").host == "::1");
  CHECK(parse_listen_address("localhost:80", "serve.listen").host == "127.0.0.1");
  for (const std::string bad : {"8080", "127.0.0.1", "127.0.0.1:", "127.0.0.1:65536", "127.0.0.1:-1", "::1:80",
                                "300.1.1.1:80", "example.com:80", "[::1:80", ":80", "127.0.0.1:80x"}) {
    INFO(bad);
    try {
      parse_listen_address(bad, "serve.listen");
      FAIL("accepted");
    } catch (const nf::Error& e) {
      CHECK(e.code() == nf::ExitCode::usage);
      CHECK_THAT(e.what(), Catch::Contains("serve.listen"));
    }
  }
}
