#pragma once
// GET /metrics of the long-running commands that have no API of their own (`ingest
// --metrics-listen`, `jobs run --metrics-listen`): serve's HTTP server (core/http) with
// one route, one I/O thread and one worker, answering `render()` as Prometheus text.

#include <functional>
#include <memory>
#include <string>

#include "core/http/router.hpp"
#include "core/http/server.hpp"

namespace nf::metrics {

class MetricsServer {
 public:
  // Binds `listen` (HOST:PORT; port 0: the kernel picks) and starts answering at once.
  // Throws nf::Error(usage) naming `flag` for a malformed address or one in use.
  MetricsServer(const std::string& listen, std::function<std::string()> render, const std::string& flag);
  ~MetricsServer();
  MetricsServer(const MetricsServer&) = delete;
  MetricsServer& operator=(const MetricsServer&) = delete;

  // "http://127.0.0.1:9465/metrics": where a scraper on this machine finds it.
  const std::string& url() const { return url_; }

 private:
  http::Router router_;
  std::unique_ptr<http::Server> server_;
  std::string url_;
};

}  // namespace nf::metrics
