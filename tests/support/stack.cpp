#include "tests/support/stack.hpp"

#include <signal.h>

#include <cstdlib>
#include <fstream>
#include <iostream>

#include <catch2/catch.hpp>

#include "core/redis/client.hpp"
#include "tests/support/run.hpp"

namespace nf::test {

std::string stack_dir() {
  const char* dir = std::getenv("NOVAFEED_STACK_DIR");
  return dir ? dir : source_dir() + "/.stack";
}

namespace {

// The NOVAFEED_* lines of the stack's env file (`scripts/stack env`), as written.
std::map<std::string, std::string> stack_env_file() {
  std::map<std::string, std::string> values;
  std::ifstream in(stack_dir() + "/env");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("export ", 0) == 0) line = line.substr(7);
    const auto eq = line.find('=');
    if (eq == std::string::npos || line.rfind("NOVAFEED_", 0) != 0) continue;
    std::string value = line.substr(eq + 1);
    if (value.size() >= 2 && (value.front() == '"' || value.front() == '\'')) value = value.substr(1, value.size() - 2);
    values[line.substr(0, eq)] = value;
  }
  return values;
}

std::string value_or(const std::map<std::string, std::string>& values, const std::string& key, std::string fallback) {
  const auto found = values.find(key);
  return found == values.end() || found->second.empty() ? fallback : found->second;
}

// redis://host:port[/db] → redis://host:port/db
std::string with_redis_db(std::string url, int db) {
  const auto authority = url.find("://");
  const auto slash = url.find('/', authority == std::string::npos ? 0 : authority + 3);
  if (slash != std::string::npos) url.resize(slash);
  return url + "/" + std::to_string(db);
}

// What `scripts/stack` needs to address the stack's `clickhouse` as it runs now.
std::string stack_engine() { return value_or(stack_env_file(), "NOVAFEED_STACK_CLICKHOUSE_ENGINE", "debian"); }

}  // namespace

const ClickHouseTarget& clickhouse_target() {
  static const ClickHouseTarget target = [] {
    const auto file = stack_env_file();
    const char* wanted = std::getenv("NOVAFEED_TEST_CLICKHOUSE");
    ClickHouseTarget t;
    t.engine = wanted ? wanted : "";
    t.service = "clickhouse";
    t.url = value_or(file, "NOVAFEED_CLICKHOUSE_URL", "");
    if (t.engine == "current" && stack_engine() != "current") {
      t.service = "clickhouse-current";
      t.url = value_or(file, "NOVAFEED_STACK_CLICKHOUSE_CURRENT_URL", "http://127.0.0.1:28123");
    }
    if (t.engine == "current") {
      setenv("NOVAFEED_CLICKHOUSE_URL", t.url.c_str(), 1);
      const std::string redis = with_redis_db(value_or(file, "NOVAFEED_REDIS_URL", "redis://127.0.0.1:16379"), 1);
      setenv("NOVAFEED_REDIS_URL", redis.c_str(), 1);
    } else if (t.engine == "debian" && !t.url.empty()) {
      setenv("NOVAFEED_CLICKHOUSE_URL", t.url.c_str(), 1);
    }
    return t;
  }();
  return target;
}

// Chosen before main(), so that every novafeed process a test starts inherits it.
[[maybe_unused]] static const bool clickhouse_target_chosen = !clickhouse_target().service.empty();

const std::map<std::string, std::string>& stack_env() {
  static const std::map<std::string, std::string> env = [] {
    clickhouse_target();
    auto values = stack_env_file();
    // The test's own environment wins over the saved file.
    for (const char* name : {"NOVAFEED_POSTGRES_URL", "NOVAFEED_CLICKHOUSE_URL", "NOVAFEED_CLICKHOUSE_DATABASE",
                             "NOVAFEED_REDIS_URL", "NOVAFEED_KAFKA_BROKERS", "NOVAFEED_CONNECT_URL"})
      if (const char* v = std::getenv(name)) values[name] = v;
    return values;
  }();
  return env;
}

config::Config stack_config() {
  config::Sources sources;
  for (const auto& [k, v] : stack_env()) sources.env.emplace_back(k, v);
  return config::load(sources);
}

ch::Client stack_clickhouse() { return ch::Client(ch::settings_from(stack_config())); }

std::optional<std::string> redis_get(const std::string& key) {
  redis::Connection redis(redis::settings_from(stack_config()));
  const auto reply = redis.command({"GET", key});
  if (reply->type != REDIS_REPLY_STRING) return std::nullopt;
  return std::string(reply->str, reply->len);
}

void redis_del(const std::string& key) {
  redis::Connection redis(redis::settings_from(stack_config()));
  redis.command({"DEL", key});
}

int run_stack_script(const std::string& args) {
  const std::string command =
      "NOVAFEED_CLICKHOUSE=" + stack_engine() + " " + source_dir() + "/scripts/stack " + args + " >&2";
  const int status = std::system(command.c_str());
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
}

StoppedService::StoppedService(std::string name)
    : name_(name == "clickhouse" ? clickhouse_target().service : std::move(name)) {
  REQUIRE(run_stack_script("down " + name_) == 0);
  stopped_ = true;
}

StoppedService::~StoppedService() {
  if (stopped_ && start_again() != 0)
    WARN("could not start " + name_ + " again: run `scripts/stack up " + name_ + "`");
}

int StoppedService::start_again() {
  const int code = run_stack_script("up " + name_);
  if (code == 0) stopped_ = false;
  return code;
}

namespace {

// The engine's major version as the target's server reports it; 0 when it does not answer.
int clickhouse_major() {
  try {
    return stack_clickhouse().server_version().major;
  } catch (const std::exception&) {
    return 0;
  }
}

}  // namespace

bool require_stack() {
  const auto& target = clickhouse_target();
  static const bool up = run_stack_script("status") == 0 &&
                         (target.service == "clickhouse" || run_stack_script("status " + target.service) == 0);
  if (up) {
    // A run named after an engine must not pass on the other one.
    static const int major = clickhouse_major();
    if (target.engine == "debian" && major != 18)
      FAIL("this run is for Debian's ClickHouse 18.16 (NOVAFEED_TEST_CLICKHOUSE=debian), but " << target.url
           << " answers major version " << major << ": run the stack's `clickhouse` on the Debian engine");
    if (target.engine == "current" && major < 23)
      FAIL("this run is for the current ClickHouse engine (NOVAFEED_TEST_CLICKHOUSE=current), but " << target.url
           << " answers major version " << major << ": `scripts/stack up " << target.service << "`");
    return true;
  }
  const std::string what = target.service == "clickhouse" ? "" : " (and `scripts/stack up " + target.service + "`)";
  const char* ci = std::getenv("CI");
  if (ci && std::string(ci) == "true")
    FAIL("the local stack is not running (scripts/stack status failed); under CI=true an integration test "
         "without its servers fails. Run `scripts/stack up`" + what + " first.");
  std::cerr << "\n*** WARNING: integration test SKIPPED: the local stack is not running. "
               "Run `scripts/stack up`" + what + ". (Under CI=true this is a failure.) ***\n\n";
  return false;
}

FrozenService::FrozenService(const std::string& name) {
  std::ifstream(stack_dir() + "/run/" + name + ".pid") >> pid_;
  REQUIRE(pid_ > 0);
  REQUIRE(kill(pid_, SIGSTOP) == 0);
  frozen_ = true;
}

FrozenService::~FrozenService() { thaw(); }

void FrozenService::thaw() {
  if (frozen_) kill(pid_, SIGCONT);
  frozen_ = false;
}

std::string stack_jwt_secret() {
  const auto& env = stack_env();
  const auto file = env.find("NOVAFEED_AUTH_JWT_SECRET_FILE");
  if (file == env.end()) throw std::runtime_error("the stack's env names no NOVAFEED_AUTH_JWT_SECRET_FILE");
  std::ifstream in(file->second);
  std::string text;
  std::getline(in, text);
  if (text.empty()) throw std::runtime_error("the JWT secret file " + file->second + " is empty or unreadable");
  return text;
}

}  // namespace nf::test
