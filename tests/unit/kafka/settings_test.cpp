#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>

#include "core/config/config.hpp"
#include "core/error/error.hpp"
#include "core/kafka/handle.hpp"
#include "core/kafka/settings.hpp"

namespace {

nf::config::Config config_with(std::vector<std::string> settings, std::vector<std::string> properties,
                               const std::string& toml = "") {
  nf::config::Sources sources;
  if (!toml.empty()) {
    const auto path = std::filesystem::temp_directory_path() / "novafeed-test-kafka.toml";
    std::ofstream(path) << toml;
    sources.file = path;
  }
  sources.flag_settings = std::move(settings);
  sources.kafka_flag_properties = std::move(properties);
  return nf::config::load(sources);
}

}  // namespace

TEST_CASE("kafka settings: brokers, timeout and pass-through properties from the config") {
  const auto config = config_with({"kafka.brokers=a:1, b:2", "kafka.timeout_ms=1500"}, {"socket.timeout.ms=3000"},
                                  "[kafka.properties]\n\"statistics.interval.ms\" = 0\n");
  const auto settings = nf::kafka::settings_from(config);
  CHECK(settings.brokers == std::vector<std::string>{"a:1", "b:2"});
  CHECK(nf::kafka::bootstrap_servers(settings) == "a:1,b:2");
  CHECK(settings.timeout_ms == 1500);
  REQUIRE(settings.pass_through.size() == 2);
}

TEST_CASE("kafka conf: bootstrap servers, role properties, then the operator's pass-through (later wins)") {
  const auto config = config_with({"kafka.brokers=a:1,b:2"}, {"socket.timeout.ms=3000", "client.id=ops-probe"});
  const auto settings = nf::kafka::settings_from(config);
  const auto conf = nf::kafka::make_conf(settings, {{"acks", "all", "producer"}, {"linger.ms", "7", "producer"}});
  CHECK(conf.value("bootstrap.servers") == "a:1,b:2");
  CHECK(conf.value("acks") == "-1");                  // librdkafka's spelling of all
  CHECK(conf.value("linger.ms") == "7");              // role property
  CHECK(conf.value("socket.timeout.ms") == "3000");   // pass-through
  CHECK(conf.value("client.id") == "ops-probe");      // pass-through beats novafeed's default
  CHECK_FALSE(conf.value("no.such.property"));

  const auto order = nf::kafka::client_properties(settings, {{"acks", "all", "producer"}});
  REQUIRE(order.size() >= 3);
  CHECK(order[0].key == "bootstrap.servers");
  CHECK(order[2].key == "acks");
  CHECK(order.back().origin == "flag");
}

TEST_CASE("kafka conf: a property librdkafka refuses is a usage error with librdkafka's text") {
  SECTION("unknown property from -X") {
    const auto settings = nf::kafka::settings_from(config_with({}, {"no.such.property=1"}));
    try {
      nf::kafka::make_conf(settings);
      FAIL("expected an error");
    } catch (const nf::Error& e) {
      CHECK(e.code() == nf::ExitCode::usage);
      CHECK_THAT(e.what(), Catch::Contains("'no.such.property' (from -X)") &&
                               Catch::Contains("No such configuration property: \"no.such.property\""));
    }
  }
  SECTION("invalid value from the config file names the file") {
    const auto settings =
        nf::kafka::settings_from(config_with({}, {}, "[kafka.properties]\n\"socket.timeout.ms\" = \"soon\"\n"));
    try {
      nf::kafka::make_conf(settings);
      FAIL("expected an error");
    } catch (const nf::Error& e) {
      CHECK(e.code() == nf::ExitCode::usage);
      CHECK_THAT(e.what(), Catch::Contains("'socket.timeout.ms' (from [kafka.properties] in ") &&
                               Catch::Contains("novafeed-test-kafka.toml") &&
                               Catch::Contains("Invalid value for configuration property \"socket.timeout.ms\""));
    }
  }
}

TEST_CASE("kafka handle: created from a conf, without contacting a broker") {
  // log_level=0: its connection attempts to the closed port are not this test's subject.
  const auto settings = nf::kafka::settings_from(config_with({"kafka.brokers=127.0.0.1:1"}, {"log_level=0"}));
  nf::kafka::Handle handle(RD_KAFKA_PRODUCER, nf::kafka::make_conf(settings));
  CHECK(handle.get() != nullptr);
  CHECK_FALSE(handle.last_error());
  nf::kafka::Handle moved = std::move(handle);
  CHECK(moved.get() != nullptr);
}
