#include "tests/support/prometheus_server.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "core/net/http_client.hpp"
#include "tests/support/process.hpp"

namespace nf::test {

std::string prometheus_binary() {
  const char* chosen = std::getenv("NOVAFEED_TEST_PROMETHEUS");
  const std::string path = chosen && *chosen ? chosen : "/usr/bin/prometheus";
  if (access(path.c_str(), X_OK) == 0) return path;
  const char* ci = std::getenv("CI");
  if (ci && std::string(ci) == "true")
    throw std::runtime_error("Prometheus is not installed at " + path + " (apt-get install prometheus)");
  std::cerr << "\n*** WARNING: Prometheus not installed at " << path
            << ": the dashboards' expressions were NOT checked against a real Prometheus ***\n\n";
  return "";
}

PrometheusServer::PrometheusServer(const std::map<std::string, std::string>& targets) {
  const std::string binary = prometheus_binary();
  if (binary.empty()) throw std::runtime_error("Prometheus is not installed");
  char pattern[] = "/tmp/novafeed-prometheus-XXXXXX";
  if (!mkdtemp(pattern)) throw std::runtime_error("mkdtemp failed");
  dir_ = pattern;
  {
    std::ofstream config(dir_ + "/prometheus.yml");
    config << "global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\nscrape_configs:\n";
    for (const auto& [job, target] : targets)
      config << "  - job_name: " << job << "\n    metrics_path: /metrics\n    static_configs:\n      - targets: [\""
             << target << "\"]\n";
  }
  port_ = free_port();
  const std::vector<std::string> args = {binary,
                                         "--config.file=" + dir_ + "/prometheus.yml",
                                         "--storage.tsdb.path=" + dir_ + "/data",
                                         "--web.listen-address=127.0.0.1:" + std::to_string(port_),
                                         "--log.level=warn"};
  const int log_fd = open((dir_ + "/prometheus.log").c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (log_fd < 0) throw std::runtime_error("cannot create " + dir_ + "/prometheus.log");
  const pid_t parent = getpid();
  pid_ = fork();
  if (pid_ < 0) throw std::runtime_error("fork failed");
  if (pid_ == 0) {
    prctl(PR_SET_PDEATHSIG, SIGKILL);  // dies with the test binary
    if (getppid() != parent) _exit(127);
    dup2(log_fd, STDOUT_FILENO);
    dup2(log_fd, STDERR_FILENO);
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, nullptr);
    std::vector<std::string> copies(args);
    std::vector<char*> argv;
    for (auto& a : copies) argv.push_back(a.data());
    argv.push_back(nullptr);
    execv(argv[0], argv.data());
    _exit(127);
  }
  close(log_fd);
}

PrometheusServer::~PrometheusServer() {
  if (pid_ > 0) {
    kill(pid_, SIGTERM);
    for (int i = 0; i < 100; ++i) {
      if (waitpid(pid_, nullptr, WNOHANG) == pid_) {
        pid_ = -1;
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    if (pid_ > 0) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
    }
  }
  std::error_code ignored;
  if (!dir_.empty()) std::filesystem::remove_all(dir_, ignored);
}

bool PrometheusServer::wait_ready(std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (waitpid(pid_, nullptr, WNOHANG) == pid_) {
      pid_ = -1;
      return false;
    }
    net::HttpRequest request;
    request.url = url() + "/-/ready";
    request.timeout_ms = 1000;
    if (const auto response = net::perform(request); response && response->status == 200) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  return false;
}

nlohmann::json PrometheusServer::query(const std::string& expr) const {
  net::HttpRequest request;
  request.url = url() + "/api/v1/query?query=" + net::url_encode(expr);
  request.timeout_ms = 10000;
  const auto response = net::perform(request);
  if (!response) return {{"status", "error"}, {"error", "GET /api/v1/query failed: " + response.error()}};
  auto body = nlohmann::json::parse(response->body, nullptr, false);
  if (body.is_discarded())
    return {{"status", "error"}, {"error", "HTTP " + std::to_string(response->status) + ": " + response->body}};
  return body;
}

std::string PrometheusServer::log() const {
  std::ifstream in(dir_ + "/prometheus.log");
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace nf::test
