// The Debezium connector config novafeed renders from its own config. Each case is a file
// tests/data/connect/render_*.json stating its inputs (config keys) and the expected
// {name, config}; add a file to add a case.

#include <catch2/catch.hpp>

#include <filesystem>
#include <regex>

#include <nlohmann/json.hpp>

#include "core/connect/debezium_config.hpp"
#include "core/error/error.hpp"
#include "tests/support/run.hpp"

namespace {

nf::config::Config config_with(const nlohmann::json& inputs) {
  nf::config::Sources sources;
  for (auto it = inputs.begin(); it != inputs.end(); ++it)
    sources.env.emplace_back(nf::config::env_name(it.key()), it->get<std::string>());
  return nf::config::load(sources);
}

nf::config::Config config_with(std::initializer_list<std::pair<const char*, const char*>> inputs) {
  nlohmann::json json = nlohmann::json::object();
  for (const auto& [key, value] : inputs) json[key] = value;
  return config_with(json);
}

template <typename F>
std::string usage_error_of(F&& f) {
  try {
    f();
  } catch (const nf::Error& e) {
    CHECK(e.code() == nf::ExitCode::usage);
    return e.what();
  }
  FAIL("expected a usage error");
  return "";
}

// What Kafka's RegexRouter does with a topic: a full match of the regex is replaced,
// anything else passes unchanged. std::regex (ECMAScript) reads this subset of Java
// regex syntax the same way.
std::string route(const nf::connect::TopicRoute& rule, const std::string& topic) {
  const std::regex regex(rule.regex);
  if (!std::regex_match(topic, regex)) return topic;
  return std::regex_replace(topic, regex, rule.replacement);
}

}  // namespace

TEST_CASE("connector config rendering matches the expected files in tests/data/connect") {
  size_t cases = 0;
  for (const auto& entry : std::filesystem::directory_iterator(nf::test::source_dir() + "/tests/data/connect")) {
    const std::string file = entry.path().filename().string();
    if (!file.starts_with("render_")) continue;
    ++cases;
    const auto data = nlohmann::json::parse(nf::test::read_data_file("connect/" + file));
    INFO(file << ": " << data["description"].get<std::string>());
    const auto rendered = nf::connect::render_connector_config(config_with(data["inputs"]));
    const auto document = nf::connect::connector_document(rendered, true);
    CHECK(document["name"] == data["expected"]["name"]);
    // Key by key first, so a failure names the key; then the whole object (no extra keys).
    for (auto it = data["expected"]["config"].begin(); it != data["expected"]["config"].end(); ++it) {
      INFO("key " << it.key());
      CHECK(document["config"].value(it.key(), std::string("(missing)")) == it->get<std::string>());
    }
    CHECK(document["config"] == data["expected"]["config"]);
    for (auto it = rendered.config.begin(); it != rendered.config.end(); ++it) {
      INFO("key " << it.key() << " must be a string, as Connect stores it");
      CHECK(it->is_string());
    }
  }
  CHECK(cases >= 4);
}

TEST_CASE("the database password is masked unless secrets are asked for") {
  const auto rendered = nf::connect::render_connector_config(
      config_with({{"postgres.url", "postgresql://u:in-url@h:1/d"}, {"postgres.password", "s3cret"}}));
  CHECK(rendered.config["database.password"] == "s3cret");
  const auto masked = nf::connect::connector_document(rendered, false);
  CHECK(masked["config"]["database.password"] == "********");
  CHECK(masked.dump().find("s3cret") == std::string::npos);
  CHECK(masked.dump().find("in-url") == std::string::npos);
  CHECK(nf::connect::connector_document(rendered, true)["config"]["database.password"] == "s3cret");
  CHECK(nf::connect::is_secret_key("database.sslpassword"));
  CHECK_FALSE(nf::connect::is_secret_key("database.user"));
}

TEST_CASE("RegexRouter rule: raw Debezium topics go to cdc.topic_format, nothing else moves") {
  const auto rule = nf::connect::topic_route("nova", "public", {"users", "posts", "follows", "likes", "comments"}, "cdc.{table}");
  CHECK(rule.regex == "nova\\.public\\.(users|posts|follows|likes|comments)");
  CHECK(rule.replacement == "cdc.$1");
  CHECK(route(rule, "nova.public.posts") == "cdc.posts");
  CHECK(route(rule, "nova.public.comments") == "cdc.comments");
  // The heartbeat topic and the heartbeat table's raw topic are not routed.
  CHECK(route(rule, "__debezium-heartbeat.nova") == "__debezium-heartbeat.nova");
  CHECK(route(rule, "nova.public.novafeed_heartbeat") == "nova.public.novafeed_heartbeat");
  // A full match only, and dots are literal.
  CHECK(route(rule, "nova.public.postsx") == "nova.public.postsx");
  CHECK(route(rule, "novaXpublicXposts") == "novaXpublicXposts");

  const auto other = nf::connect::topic_route("nova.prod", "app", {"posts"}, "{table}_changes");
  CHECK(other.regex == "nova\\.prod\\.app\\.(posts)");
  CHECK(other.replacement == "$1_changes");
  CHECK(route(other, "nova.prod.app.posts") == "posts_changes");
  CHECK(nf::connect::regex_quote("a.b$c(d)[e]{f}|g*h+i?j^k\\l") == "a\\.b\\$c\\(d\\)\\[e\\]\\{f\\}\\|g\\*h\\+i\\?j\\^k\\\\l");
}

TEST_CASE("unusable CDC settings are usage errors naming the key") {
  CHECK_THAT(usage_error_of([] { nf::connect::topic_route("nova", "public", {"posts"}, "cdc.posts"); }),
             Catch::Contains("cdc.topic_format") && Catch::Contains("{table}"));
  CHECK_THAT(usage_error_of([] { nf::connect::topic_route("nova", "public", {"posts"}, "{table}.{table}"); }),
             Catch::Contains("exactly once"));
  CHECK_THAT(usage_error_of([] { nf::connect::topic_route("nova", "public", {"posts"}, "cdc.$x.{table}"); }),
             Catch::Contains("cdc.topic_format"));
  CHECK_THAT(usage_error_of([] { nf::connect::topic_route("nova", "public", {"posts;drop"}, "cdc.{table}"); }),
             Catch::Contains("cdc.tables") && Catch::Contains("posts;drop"));
  CHECK_THAT(usage_error_of([] { nf::connect::render_connector_config(config_with({{"cdc.tables", " , "}})); }),
             Catch::Contains("cdc.tables"));
  CHECK_THAT(usage_error_of([] {
               nf::connect::render_connector_config(config_with({{"cdc.heartbeat_table", "hb'; DROP TABLE users; --"}}));
             }),
             Catch::Contains("cdc.heartbeat_table"));
  CHECK_THAT(usage_error_of([] {
               nf::connect::render_connector_config(config_with({{"postgres.url", "postgresql://novafeed@%2Fvar%2Frun%2Fpostgresql/novafeed"}}));
             }),
             Catch::Contains("cdc.database_host") && Catch::Contains("/var/run/postgresql"));
  CHECK_THAT(usage_error_of([] { nf::connect::render_connector_config(config_with({{"cdc.database_port", "70000"}})); }),
             Catch::Contains("cdc.database_port"));
  CHECK_THAT(usage_error_of([] { nf::connect::render_connector_config(config_with({{"cdc.topic_prefix", "nova prod"}})); }),
             Catch::Contains("cdc.topic_prefix"));
}

TEST_CASE("a Unix-socket postgres.url works once cdc.database_host says where the worker connects") {
  const auto rendered = nf::connect::render_connector_config(config_with(
      {{"postgres.url", "postgresql://novafeed@%2Fvar%2Frun%2Fpostgresql:5433/novafeed"}, {"cdc.database_host", "10.0.0.5"}}));
  CHECK(rendered.config["database.hostname"] == "10.0.0.5");
  CHECK(rendered.config["database.port"] == "5433");
}
