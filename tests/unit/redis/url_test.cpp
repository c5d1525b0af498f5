#include <catch2/catch.hpp>

#include "core/config/config.hpp"
#include "core/error/error.hpp"
#include "core/redis/client.hpp"
#include "core/redis/url.hpp"

using nf::redis::parse_url;

TEST_CASE("redis URL: host, port and database") {
  SECTION("full form") {
    const auto e = parse_url("redis://127.0.0.1:16379/3");
    REQUIRE(e);
    CHECK(e->host == "127.0.0.1");
    CHECK(e->port == 16379);
    CHECK(e->db == 3);
    CHECK(e->password.empty());
    CHECK(nf::redis::describe(*e) == "127.0.0.1:16379/3");
  }
  SECTION("defaults: port 6379, database 0") {
    const auto e = parse_url("redis://cache.internal");
    REQUIRE(e);
    CHECK(e->host == "cache.internal");
    CHECK(e->port == 6379);
    CHECK(e->db == 0);
  }
  SECTION("a trailing slash means database 0") {
    const auto e = parse_url("redis://h:1/");
    REQUIRE(e);
    CHECK(e->db == 0);
  }
  SECTION("IPv6 in brackets") {
    const auto e = parse_url("redis://[::1]:7000/2");
    REQUIRE(e);
    CHECK(e->host == "::1");
    CHECK(e->port == 7000);
    CHECK(e->db == 2);
    CHECK(nf::redis::describe(*e) == "[::1]:7000/2");
  }
  SECTION("password alone, and user with percent-encoded password") {
    const auto alone = parse_url("redis://s3cret@h:1");
    REQUIRE(alone);
    CHECK(alone->user.empty());
    CHECK(alone->password == "s3cret");
    const auto acl = parse_url("redis://feed:p%40ss%3Aword@h:1/0");
    REQUIRE(acl);
    CHECK(acl->user == "feed");
    CHECK(acl->password == "p@ss:word");
    CHECK(nf::redis::describe(*acl) == "h:1/0");  // never the password
  }
}

TEST_CASE("redis URL: bad ones say what is wrong") {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"http://h:1", "not a redis:// URL"},
      {"h:6379", "not a redis:// URL"},
      {"rediss://h:1", "TLS"},
      {"redis://", "no host"},
      {"redis://:6379", "no host"},
      {"redis://h:", "empty port"},
      {"redis://h:0", "bad port '0'"},
      {"redis://h:70000", "bad port '70000'"},
      {"redis://h:6379x", "bad port '6379x'"},
      {"redis://h:1/x", "bad database 'x'"},
      {"redis://h:1/-1", "bad database '-1'"},
      {"redis://[::1:1", "unclosed '['"},
      {"redis://u:p%zz@h", "percent-encoding"},
  };
  for (const auto& [url, expected] : cases) {
    INFO(url);
    const auto e = parse_url(url);
    REQUIRE_FALSE(e);
    CHECK_THAT(e.error(), Catch::Contains(expected));
  }
  SECTION("the error never echoes a password") {
    const auto e = parse_url("http://user:hunter2@h:1");
    REQUIRE_FALSE(e);
    CHECK_THAT(e.error(), !Catch::Contains("hunter2"));
  }
}

TEST_CASE("redis settings: a bad redis.url is a usage error naming the key and its origin") {
  nf::config::Sources sources;
  sources.env = {{"NOVAFEED_REDIS_URL", "redis://h:nope"}};
  const auto config = nf::config::load(sources);
  try {
    nf::redis::settings_from(config);
    FAIL("expected an error");
  } catch (const nf::Error& e) {
    CHECK(e.code() == nf::ExitCode::usage);
    CHECK_THAT(e.what(), Catch::Contains("redis.url") && Catch::Contains("env:NOVAFEED_REDIS_URL") &&
                             Catch::Contains("bad port 'nope'"));
  }
}

TEST_CASE("redis settings: URL and timeout from the config") {
  nf::config::Sources sources;
  sources.flag_settings = {"redis.url=redis://r:7/5", "redis.timeout_ms=250"};
  const auto settings = nf::redis::settings_from(nf::config::load(sources));
  CHECK(settings.endpoint.host == "r");
  CHECK(settings.endpoint.port == 7);
  CHECK(settings.endpoint.db == 5);
  CHECK(settings.timeout_ms == 250);
}

TEST_CASE("redis INFO text parses into fields") {
  const auto fields = nf::redis::parse_info(
      "# Server\r\nredis_version:7.0.15\r\nredis_mode:standalone\r\n\r\n# Clients\r\nconnected_clients:3\r\n");
  CHECK(fields.at("redis_version") == "7.0.15");
  CHECK(fields.at("redis_mode") == "standalone");
  CHECK(fields.at("connected_clients") == "3");
  CHECK(fields.size() == 3);
}
