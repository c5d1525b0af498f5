#include <catch2/catch.hpp>

#include <cstdio>
#include <filesystem>
#include <fstream>

#include "core/config/config.hpp"
#include "core/error/error.hpp"

namespace {

std::string write_temp(const std::string& name, const std::string& content) {
  const auto path = std::filesystem::temp_directory_path() / ("novafeed-test-" + name);
  std::ofstream(path) << content;
  return path.string();
}

}  // namespace

TEST_CASE("config precedence: default < file < env < flag") {
  const std::string file = write_temp("precedence.toml",
                                      "[clickhouse]\ntimeout_ms = 111\nurl = \"http://file:1\"\n"
                                      "database = \"from_file\"\n[kafka.properties]\n\"socket.timeout.ms\" = 7\n");
  nf::config::Sources sources;
  sources.file = file;
  sources.env = {{"NOVAFEED_CLICKHOUSE_TIMEOUT_MS", "222"}, {"NOVAFEED_CLICKHOUSE_URL", "http://env:2"}};
  sources.flag_settings = {"clickhouse.timeout_ms=333"};
  sources.kafka_flag_properties = {"acks=all"};
  const auto config = nf::config::load(sources);

  CHECK(config.get_int("clickhouse.timeout_ms") == 333);  // flag beats env and file
  CHECK(config.values.at("clickhouse.timeout_ms").origin == "flag");
  CHECK(config.get("clickhouse.url") == "http://env:2");  // env beats file
  CHECK(config.values.at("clickhouse.url").origin == "env:NOVAFEED_CLICKHOUSE_URL");
  CHECK(config.get("clickhouse.database") == "from_file");  // file beats default
  CHECK(config.values.at("clickhouse.database").origin == "file:" + file);
  CHECK(config.get("redis.url") == "redis://127.0.0.1:16379");  // default
  CHECK(config.values.at("redis.url").origin == "default");
  CHECK(config.kafka_properties.at("socket.timeout.ms").value == "7");
  CHECK(config.kafka_properties.at("acks").origin == "flag");
}

TEST_CASE("config file comes from NOVAFEED_CONFIG when --config is absent") {
  const std::string file = write_temp("envfile.toml", "[redis]\nurl = \"redis://x:1\"\n");
  nf::config::Sources sources;
  sources.env = {{"NOVAFEED_CONFIG", file}};
  CHECK(nf::config::load(sources).get("redis.url") == "redis://x:1");
}

TEST_CASE("config errors are usage errors that name the key and the source") {
  nf::config::Sources sources;
  SECTION("unknown key in the file") {
    sources.file = write_temp("unknown.toml", "[clickhouse]\nurll = \"x\"\n");
    try {
      nf::config::load(sources);
      FAIL("expected an error");
    } catch (const nf::Error& e) {
      CHECK(e.code() == nf::ExitCode::usage);
      CHECK_THAT(e.what(), Catch::Contains("clickhouse.urll") && Catch::Contains("unknown.toml"));
    }
  }
  SECTION("malformed TOML reports line and column") {
    sources.file = write_temp("malformed.toml", "[clickhouse]\nurl = \n");
    try {
      nf::config::load(sources);
      FAIL("expected an error");
    } catch (const nf::Error& e) {
      CHECK(e.code() == nf::ExitCode::usage);
      CHECK_THAT(e.what(), Catch::Contains("malformed.toml:2"));
    }
  }
  SECTION("missing file") {
    sources.file = "/nonexistent/novafeed.toml";
    CHECK_THROWS_AS(nf::config::load(sources), nf::Error);
  }
  SECTION("a secret on the command line is refused") {
    sources.flag_settings = {"auth.jwt_secret=hunter2"};
    try {
      nf::config::load(sources);
      FAIL("expected an error");
    } catch (const nf::Error& e) {
      CHECK(e.code() == nf::ExitCode::usage);
      CHECK_THAT(e.what(), Catch::Contains("NOVAFEED_AUTH_JWT_SECRET"));
      CHECK_THAT(e.what(), !Catch::Contains("hunter2"));
    }
  }
  SECTION("--set without '='") {
    sources.flag_settings = {"clickhouse.url"};
    CHECK_THROWS_AS(nf::config::load(sources), nf::Error);
  }
  SECTION("a non-integer where an integer is expected, named with its origin") {
    sources.env = {{"NOVAFEED_CLICKHOUSE_TIMEOUT_MS", "2s"}};
    const auto config = nf::config::load(sources);
    try {
      config.get_int("clickhouse.timeout_ms");
      FAIL("expected an error");
    } catch (const nf::Error& e) {
      CHECK_THAT(e.what(), Catch::Contains("env:NOVAFEED_CLICKHOUSE_TIMEOUT_MS") && Catch::Contains("2s"));
    }
  }
  SECTION("a negative value where zero or more is expected, named with its origin") {
    sources.flag_settings = {"ingest.refresh_max_pending=-1"};
    const auto config = nf::config::load(sources);
    CHECK(config.get_int("ingest.refresh_max_pending") == -1);  // an integer: get_int takes it
    try {
      config.get_non_negative_int("ingest.refresh_max_pending");
      FAIL("expected an error");
    } catch (const nf::Error& e) {
      CHECK(e.code() == nf::ExitCode::usage);
      CHECK_THAT(e.what(), Catch::Contains("ingest.refresh_max_pending") && Catch::Contains("(from flag)") &&
                               Catch::Contains("zero or more") && Catch::Contains("'-1'"));
    }
    sources.flag_settings = {"ingest.refresh_max_pending=0"};
    CHECK(nf::config::load(sources).get_non_negative_int("ingest.refresh_max_pending") == 0);
  }
}

TEST_CASE("secrets are read from *_file when the value itself is unset") {
  const std::string secret = write_temp("secret.txt", "s3cret\n");
  nf::config::Sources sources;
  sources.env = {{"NOVAFEED_AUTH_JWT_SECRET_FILE", secret}};
  CHECK(nf::config::load(sources).get_secret("auth.jwt_secret") == "s3cret");
}

TEST_CASE("env names are derived from keys") {
  CHECK(nf::config::env_name("postgres.url") == "NOVAFEED_POSTGRES_URL");
  CHECK(nf::config::env_name("cdc.heartbeat_interval_ms") == "NOVAFEED_CDC_HEARTBEAT_INTERVAL_MS");
}
