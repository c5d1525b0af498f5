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

// The ClickHouse server this test process runs against. ctest runs every ClickHouse-facing
// integration test (Catch tag [clickhouse]) once per engine, as `integration ch18: …` and
// `integration ch26: …`, with NOVAFEED_TEST_CLICKHOUSE=debian or =current:
//   debian   the stack's `clickhouse` service, which must run Debian's 18.16;
//   current  the current engine (26.x): the stack's `clickhouse` when it runs that engine
//            (NOVAFEED_CLICKHOUSE=current), else the side service `clickhouse-current`.
// Unset (a hand-run test binary): whatever the stack's `clickhouse` runs.
// The choice is made once, before anything reads the stack's endpoints: it sets
// NOVAFEED_CLICKHOUSE_URL for this process and the novafeed processes it starts, and gives
// the current engine's runs their own Redis database (1), so cached feeds and hot-post
// lists computed from one engine never reach a test of the other.
struct ClickHouseTarget {
  std::string engine;   // "debian", "current" or "" (not chosen)
  std::string service;  // the scripts/stack service serving it: clickhouse or clickhouse-current
  std::string url;
};
const ClickHouseTarget& clickhouse_target();

// NOVAFEED_* endpoints of the local stack: from the environment when set, else from
// `scripts/stack env` output saved in .stack/env (after clickhouse_target() is applied).
const std::map<std::string, std::string>& stack_env();

// The configuration novafeed would load with stack_env() applied.
config::Config stack_config();

// True when the stack answers, the ClickHouse of clickhouse_target() included. When it
// does not: under CI=true this FAILS the current test; otherwise it prints a loud warning
// and returns false so the test can return. A ClickHouse of the wrong engine always fails.
bool require_stack();

// Clients of the stack's ClickHouse and Redis, for reading what the code under test wrote.
ch::Client stack_clickhouse();
std::optional<std::string> redis_get(const std::string& key);  // nullopt when the key is absent
void redis_del(const std::string& key);

// The stack's directory ($NOVAFEED_STACK_DIR, else <source>/.stack): run/<service>.pid etc.
std::string stack_dir();

// The stack's JWT secret (the file NOVAFEED_AUTH_JWT_SECRET_FILE names). Throws
// std::runtime_error when it cannot be read (no Catch macro: safe off the main thread).
std::string stack_jwt_secret();

// Runs scripts/stack with `args` (e.g. "down kafka"); returns its exit code. It runs with
// NOVAFEED_CLICKHOUSE set to the engine the stack's `clickhouse` runs, so `up clickhouse`
// restarts the same engine.
int run_stack_script(const std::string& args);

// Stops a stack service for one test and starts it again however the test ends
// (start_again() brings it back earlier, mid-test). "clickhouse" means the service of
// clickhouse_target().
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

// Freezes a stack service's process (SIGSTOP) for one test and thaws it (SIGCONT) however
// the test ends; thaw() does it earlier. Its sockets stay open and silent: a hung peer,
// not a stopped one (e.g. "connect": the walsender stays connected, nothing streams).
class FrozenService {
 public:
  explicit FrozenService(const std::string& name);  // REQUIREs the pid file and the SIGSTOP
  ~FrozenService();
  FrozenService(const FrozenService&) = delete;
  FrozenService& operator=(const FrozenService&) = delete;
  void thaw();

 private:
  int pid_ = 0;
  bool frozen_ = false;
};

}  // namespace nf::test
