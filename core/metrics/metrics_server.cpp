#include "core/metrics/metrics_server.hpp"

#include <spdlog/spdlog.h>

#include "core/http/listen_address.hpp"

namespace nf::metrics {

MetricsServer::MetricsServer(const std::string& listen, std::function<std::string()> render, const std::string& flag) {
  http::parse_listen_address(listen, flag);  // a bad address fails here, naming the flag
  router_.add("GET", "/metrics", [render = std::move(render)](const http::Request&) {
    http::Response response;
    response.content_type = "text/plain; version=0.0.4; charset=utf-8";
    response.body = render();
    return response;
  });
  http::ServerOptions options;
  options.listen = listen;
  options.io_threads = 1;
  options.worker_threads = 1;
  options.shutdown_timeout = std::chrono::milliseconds(2000);
  server_ = std::make_unique<http::Server>(options, router_);
  server_->start();
  const std::string bound = listen.substr(0, listen.rfind(':') + 1) + std::to_string(server_->port());
  url_ = http::local_url(bound, flag) + "/metrics";
  spdlog::info("metrics: Prometheus text at {}", url_);
}

MetricsServer::~MetricsServer() {
  if (server_) server_->stop();
}

}  // namespace nf::metrics
