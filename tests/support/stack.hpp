#pragma once
// Integration tests run against the real local stack (scripts/stack up). These helpers
// read the stack's endpoints and make a missing stack loud: under CI=true a test whose
// server is missing FAILS; locally it is skipped with a warning on stderr.

#include <map>
#include <optional>
#include <string>

#include "core/clickhouse/client.hpp"
#include "core/config/config.hpp"

namespace nf::test {

// NOVAFEED_* endpoints of the local stack: from the environment when set, else from
// `scripts/stack env` output saved in .stack/env.
const std::map<std::string, std::string>& stack_env();

// The configuration novafeed would load with stack_env() applied.
config::Config stack_config();

// True when the stack answers. When it does not: under CI=true this FAILS the current
// test; otherwise it prints a loud warning and returns false so the test can return.
bool require_stack();

// Clients of the stack's ClickHouse and Redis, for reading what the code under test wrote.
ch::Client stack_clickhouse();
std::optional<std::string> redis_get(const std::string& key);  // nullopt when the key is absent
void redis_del(const std::string& key);

// Runs scripts/stack with `args` (e.g. {"down", "clickhouse"}); returns its exit code.
int run_stack_script(const std::string& args);

// Stops a stack service for one test and starts it again however the test ends
// (start_again() brings it back earlier, mid-test).
class StoppedService {
 public:
  explicit StoppedService(std::string name);
  ~StoppedService();
  StoppedService(const StoppedService&) = delete;
  StoppedService& operator=(const StoppedService&) = delete;
  // Starts the service again now; returns scripts/stack's exit code.
  int start_again();

 private:
  std::string name_;
  bool stopped_ = false;
};

}  // namespace nf::test
