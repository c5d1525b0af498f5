#include <catch2/catch.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <string>

#include "core/clickhouse/client.hpp"
#include "core/error/error.hpp"

using nf::ch::failover_order;
using nf::ch::may_fail_over;
using nf::ch::parse_server_urls;

TEST_CASE("clickhouse failover: clickhouse.url is one server or a comma-separated list") {
  CHECK(parse_server_urls("http://127.0.0.1:18123") == std::vector<std::string>{"http://127.0.0.1:18123"});
  CHECK(parse_server_urls("http://127.0.0.1:18123/") == std::vector<std::string>{"http://127.0.0.1:18123"});
  CHECK(parse_server_urls(" http://a:1/ , https://b:2,,") == std::vector<std::string>{"http://a:1", "https://b:2"});
  for (const char* bad : {"", " , ", "127.0.0.1:18123", "http://a:1/path", "http://a:1,b:2"}) {
    INFO(bad);
    try {
      parse_server_urls(bad);
      FAIL("expected a usage error");
    } catch (const nf::Error& e) {
      CHECK(e.code() == nf::ExitCode::usage);
      CHECK_THAT(e.what(), Catch::Contains("clickhouse.url"));
    }
  }
}

TEST_CASE("clickhouse failover: the server in use first, then the next ones, wrapping") {
  CHECK(failover_order(0, 1) == std::vector<size_t>{0});
  CHECK(failover_order(0, 3) == std::vector<size_t>{0, 1, 2});
  CHECK(failover_order(1, 3) == std::vector<size_t>{1, 2, 0});
  CHECK(failover_order(2, 3) == std::vector<size_t>{2, 0, 1});
}

TEST_CASE("clickhouse failover: reads move on after any transport error, writes only when never sent") {
  const std::string refused = "POST http://127.0.0.1:1/?x: Failed to connect to 127.0.0.1 port 1: Connection refused";
  const std::string connect_timeout = "POST http://10.0.0.1/: Connection timed out after 2001 milliseconds";
  const std::string read_timeout = "POST http://h/: Operation timed out after 2000 milliseconds with 0 bytes received";
  CHECK(may_fail_over(true, refused));
  CHECK(may_fail_over(true, read_timeout));
  CHECK(may_fail_over(false, refused));
  CHECK(may_fail_over(false, connect_timeout));
  CHECK_FALSE(may_fail_over(false, read_timeout));  // it may have been applied: the caller's retry decides
}

namespace {

// A loopback port nothing listens on.
int closed_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  socklen_t len = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  ::close(fd);
  return ntohs(addr.sin_port);
}

}  // namespace

TEST_CASE("clickhouse failover: every server refused: unreachable, naming them all, the first still in use") {
  const std::string down = "http://127.0.0.1:" + std::to_string(closed_port());
  const std::string other = "http://127.0.0.1:" + std::to_string(closed_port());
  const nf::ch::Client client(nf::ch::Settings{down + "," + other, "db", "default", "", 500});
  CHECK(client.server_in_use() == down);
  try {
    client.execute("INSERT INTO t VALUES (1)");
    FAIL("expected unreachable");
  } catch (const nf::Error& e) {
    CHECK(e.code() == nf::ExitCode::unreachable);
    CHECK_THAT(e.what(), Catch::Contains(down + "," + other) && Catch::Contains("; "));  // both tried
  }
  CHECK(client.server_in_use() == down);
  const nf::ch::Client copy = client;  // copies share the choice
  CHECK(copy.server_in_use() == down);
}

TEST_CASE("clickhouse client: a server that takes the request and never answers is named busy, with the limit") {
  // Listening, never accepting: the kernel completes the connection and takes the request.
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
  REQUIRE(::listen(fd, 8) == 0);
  socklen_t len = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  const std::string silent = "http://127.0.0.1:" + std::to_string(ntohs(addr.sin_port));
  const nf::ch::Client client(nf::ch::Settings{silent, "db", "default", "", 300});
  try {
    client.query("SELECT 1");
    FAIL("expected a timeout");
  } catch (const nf::Error& e) {
    CHECK(e.code() == nf::ExitCode::unreachable);
    CHECK_THAT(e.what(), Catch::Contains("ClickHouse at " + silent + " did not answer within 300 ms") &&
                             Catch::Contains("system.processes") && !Catch::Contains("is it running?"));
  }
  ::close(fd);
}
