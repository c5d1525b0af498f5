#include "tests/support/redis_cluster_server.hpp"

#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>
#include <vector>

#include "core/redis/slot.hpp"
#include "core/redis/url.hpp"
#include "tests/support/process.hpp"

namespace nf::test {

namespace {

using namespace std::chrono_literals;

// `name:count=N,...` lines of an INFO section, as name → N (the prefix of each name dropped).
std::map<std::string, long> counts_of(const std::map<std::string, std::string>& fields, const std::string& prefix,
                                      const std::string& count_field) {
  std::map<std::string, long> counts;
  for (const auto& [name, value] : fields) {
    if (name.rfind(prefix, 0) != 0) continue;
    const auto at = value.find(count_field + "=");
    if (at == std::string::npos) continue;
    counts[name.substr(prefix.size())] = std::stol(value.substr(at + count_field.size() + 1));
  }
  return counts;
}

// Waits for the child's exit for up to `timeout`; true when it exited.
bool reaped(int pid, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  do {
    if (waitpid(pid, nullptr, WNOHANG) == pid) return true;
    std::this_thread::sleep_for(20ms);
  } while (std::chrono::steady_clock::now() < deadline);
  return false;
}

}  // namespace

RedisClusterServer::RedisClusterServer() {
  char dir[] = "/tmp/novafeed-redis-cluster-XXXXXX";
  if (!mkdtemp(dir)) throw std::runtime_error("redis cluster: mkdtemp failed");
  directory_ = dir;
  port_ = free_port();
  // The cluster bus port too: by default port + 10000, which refuses a port above 55535.
  int bus_port = free_port();
  while (bus_port == port_) bus_port = free_port();
  const std::vector<std::string> args = {
      "redis-server", "--port", std::to_string(port_), "--bind", "127.0.0.1", "--cluster-enabled", "yes",
      "--cluster-port", std::to_string(bus_port),
      "--cluster-config-file", directory_ + "/nodes.conf", "--dir", directory_, "--logfile", directory_ + "/redis.log",
      "--save", "", "--appendonly", "no", "--daemonize", "no"};
  const pid_t parent = getpid();
  pid_ = fork();
  if (pid_ < 0) throw std::runtime_error("redis cluster: fork failed");
  if (pid_ == 0) {
    prctl(PR_SET_PDEATHSIG, SIGKILL);  // never outlives a crashed test binary
    if (getppid() != parent) _exit(127);
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, nullptr);
    std::vector<char*> argv;
    for (const auto& arg : args) argv.push_back(const_cast<char*>(arg.c_str()));
    argv.push_back(nullptr);
    execvp(argv[0], argv.data());
    _exit(127);
  }
  // Up, then every slot to this node, then the cluster's own view agrees.
  const auto deadline = std::chrono::steady_clock::now() + 15s;
  std::string last;
  bool slots_given = false;
  while (std::chrono::steady_clock::now() < deadline) {
    if (waitpid(pid_, nullptr, WNOHANG) == pid_) {
      pid_ = -1;
      throw std::runtime_error("redis cluster: redis-server exited at start (is Debian's redis-server 7 installed?); "
                               "its log:\n" + log_tail());
    }
    try {
      auto connection = connect();
      if (!slots_given) {
        connection.command({"CLUSTER", "ADDSLOTSRANGE", "0", std::to_string(redis::kClusterSlots - 1)});
        slots_given = true;
      }
      const auto info = connection.command({"CLUSTER", "INFO"});
      const std::string text(info->str, info->len);
      if (text.find("cluster_state:ok") != std::string::npos) return;
      last = text;
    } catch (const std::exception& e) {
      last = e.what();
    }
    std::this_thread::sleep_for(100ms);
  }
  throw std::runtime_error("redis cluster on port " + std::to_string(port_) + " not ready within 15 s (" + last +
                           "); its log:\n" + log_tail());
}

RedisClusterServer::~RedisClusterServer() {
  if (pid_ > 0) {
    kill(pid_, SIGTERM);
    if (!reaped(pid_, 5s)) {
      kill(pid_, SIGKILL);
      reaped(pid_, 5s);
    }
  }
  std::error_code ignored;
  std::filesystem::remove_all(directory_, ignored);
}

std::string RedisClusterServer::url() const { return "redis://127.0.0.1:" + std::to_string(port_) + "/0"; }

redis::Settings RedisClusterServer::settings() const {
  redis::Settings settings;
  settings.endpoint = *redis::parse_url(url());
  settings.timeout_ms = 5000;
  return settings;
}

redis::Connection RedisClusterServer::connect() const { return redis::Connection(settings()); }

std::map<std::string, long> RedisClusterServer::error_counts() const {
  auto connection = connect();
  return counts_of(connection.info("errorstats"), "errorstat_", "count");
}

void RedisClusterServer::reset_errorstats() const { connect().command({"CONFIG", "RESETSTAT"}); }

std::map<std::string, long> RedisClusterServer::command_calls() const {
  auto connection = connect();
  return counts_of(connection.info("commandstats"), "cmdstat_", "calls");
}

std::string RedisClusterServer::log_tail(size_t bytes) const {
  std::ifstream in(directory_ + "/redis.log");
  std::stringstream text;
  text << in.rdbuf();
  const std::string all = text.str();
  return all.size() > bytes ? all.substr(all.size() - bytes) : all;
}

}  // namespace nf::test
