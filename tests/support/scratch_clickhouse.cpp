#include "tests/support/scratch_clickhouse.hpp"

#include <catch2/catch.hpp>

#include "core/schema/schema.hpp"
#include "tests/support/stack.hpp"

namespace nf::test {

namespace {

config::Config with_database(const std::string& database) {
  config::Sources sources;
  auto env = stack_env();
  env["NOVAFEED_CLICKHOUSE_DATABASE"] = database;
  for (const auto& [key, value] : env) sources.env.emplace_back(key, value);
  return config::load(sources);
}

}  // namespace

ScratchClickHouse::ScratchClickHouse(std::string database, std::function<void(const ch::Client&)> before_schema)
    : database_(std::move(database)), config_(with_database(database_)) {
  drop();
  if (before_schema) {
    server().execute("CREATE DATABASE " + database_, false);
    before_schema(client());
  }
  schema::Request request;
  request.target = "clickhouse";
  schema::apply(config_, request);
}

ScratchClickHouse::~ScratchClickHouse() {
  try {
    drop();
  } catch (const std::exception& e) {
    WARN("could not drop the scratch database " + database_ + ": " + e.what());
  }
}

ch::Client ScratchClickHouse::server() const {
  auto settings = ch::settings_from(config_);
  settings.database.clear();
  return ch::Client(settings);
}

void ScratchClickHouse::drop() const { server().execute("DROP DATABASE IF EXISTS " + database_, false); }

}  // namespace nf::test
