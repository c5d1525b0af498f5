#pragma once
// A real Prometheus (Debian's /usr/bin/prometheus) for integration tests: its own config
// (the given scrape targets, every second), its own TSDB under a temporary directory, on a
// free loopback port; killed with the test binary like every test child, and its directory
// removed with the object. query() asks its HTTP API (/api/v1/query) as Grafana would.

#include <chrono>
#include <map>
#include <string>

#include <nlohmann/json.hpp>

namespace nf::test {

// The Prometheus binary ($NOVAFEED_TEST_PROMETHEUS, else /usr/bin/prometheus); "" when
// missing. Missing: a failure under CI=true, a loud warning otherwise (the caller returns).
std::string prometheus_binary();

class PrometheusServer {
 public:
  // `targets`: scrape job name → "host:port" serving /metrics. Throws std::runtime_error
  // when Prometheus cannot be started.
  explicit PrometheusServer(const std::map<std::string, std::string>& targets);
  ~PrometheusServer();
  PrometheusServer(const PrometheusServer&) = delete;
  PrometheusServer& operator=(const PrometheusServer&) = delete;

  // Waits for /-/ready; false (with the log in log()) when it does not come up in time.
  bool wait_ready(std::chrono::milliseconds timeout);
  // GET /api/v1/query?query=...: the whole JSON answer ({"status":..., "data":{"result":[...]}}),
  // or {"status":"error","error":...} when the request itself failed.
  nlohmann::json query(const std::string& expr) const;
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  std::string log() const;

 private:
  std::string dir_;
  int port_ = 0;
  int pid_ = -1;
};

}  // namespace nf::test
