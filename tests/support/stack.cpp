#include "tests/support/stack.hpp"

#include <cstdlib>
#include <fstream>
#include <iostream>

#include <catch2/catch.hpp>

#include "core/redis/client.hpp"
#include "tests/support/run.hpp"

namespace nf::test {

const std::map<std::string, std::string>& stack_env() {
  static const std::map<std::string, std::string> env = [] {
    std::map<std::string, std::string> values;
    const char* dir = std::getenv("NOVAFEED_STACK_DIR");
    std::ifstream in(std::string(dir ? dir : source_dir() + "/.stack") + "/env");
    std::string line;
    while (std::getline(in, line)) {
      if (line.rfind("export ", 0) == 0) line = line.substr(7);
      const auto eq = line.find('=');
      if (eq == std::string::npos || line.rfind("NOVAFEED_", 0) != 0) continue;
      std::string value = line.substr(eq + 1);
      if (value.size() >= 2 && (value.front() == '"' || value.front() == '\'')) value = value.substr(1, value.size() - 2);
      values[line.substr(0, eq)] = value;
    }
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
  const std::string command = source_dir() + "/scripts/stack " + args + " >&2";
  const int status = std::system(command.c_str());
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
}

StoppedService::StoppedService(std::string name) : name_(std::move(name)) {
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

bool require_stack() {
  static const bool up = run_stack_script("status") == 0;
  if (up) return true;
  const char* ci = std::getenv("CI");
  if (ci && std::string(ci) == "true")
    FAIL("the local stack is not running (scripts/stack status failed); under CI=true an integration test "
         "without its servers fails. Run `scripts/stack up` first.");
  std::cerr << "\n*** WARNING: integration test SKIPPED: the local stack is not running. "
               "Run `scripts/stack up`. (Under CI=true this is a failure.) ***\n\n";
  return false;
}

}  // namespace nf::test
