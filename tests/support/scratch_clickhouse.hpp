#pragma once
// A ClickHouse database of one test's own, beside the stack's (on the engine the test runs
// against): dropped when made and when the object goes, novafeed's ClickHouse schema
// applied by schema::apply. So a test's rows are exactly what it reads, and never reach
// another test's feed or trending list.

#include <functional>
#include <string>

#include "core/clickhouse/client.hpp"
#include "core/config/config.hpp"

namespace nf::test {

class ScratchClickHouse {
 public:
  // `before_schema`, when given, runs once the empty database exists and before the schema
  // is applied (e.g. to make tables the way an older server did).
  explicit ScratchClickHouse(std::string database, std::function<void(const ch::Client&)> before_schema = {});
  ~ScratchClickHouse();
  ScratchClickHouse(const ScratchClickHouse&) = delete;
  ScratchClickHouse& operator=(const ScratchClickHouse&) = delete;

  const std::string& database() const { return database_; }
  // The stack's configuration with clickhouse.database set to the scratch database.
  const config::Config& config() const { return config_; }
  ch::Client client() const { return ch::Client(ch::settings_from(config_)); }

 private:
  ch::Client server() const;  // no default database
  void drop() const;

  std::string database_;
  config::Config config_;
};

}  // namespace nf::test
