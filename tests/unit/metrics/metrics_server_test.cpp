#include <catch2/catch.hpp>

#include <atomic>
#include <string>

#include "core/error/error.hpp"
#include "core/metrics/metrics_server.hpp"
#include "core/net/http_client.hpp"

namespace {

nf::net::HttpResponse get(const std::string& url) {
  nf::net::HttpRequest request;
  request.url = url;
  request.timeout_ms = 5000;
  const auto response = nf::net::perform(request);
  if (!response) FAIL("GET " + url + ": " + response.error());
  return *response;
}

}  // namespace

TEST_CASE("metrics: --metrics-listen answers GET /metrics with the current text, and nothing else", "[metrics]") {
  std::atomic<int> scrapes{0};
  nf::metrics::MetricsServer server(
      "127.0.0.1:0", [&scrapes] { return "test_scrapes_total " + std::to_string(++scrapes) + "\n"; }, "--metrics-listen");
  REQUIRE_THAT(server.url(), Catch::StartsWith("http://127.0.0.1:") && Catch::EndsWith("/metrics"));

  const auto first = get(server.url());
  CHECK(first.status == 200);
  CHECK(first.body == "test_scrapes_total 1\n");
  CHECK(get(server.url()).body == "test_scrapes_total 2\n");  // rendered per scrape, not cached
  const auto base = server.url().substr(0, server.url().size() - std::string("/metrics").size());
  CHECK(get(base + "/healthz").status == 404);
}

TEST_CASE("metrics: a --metrics-listen address that is not HOST:PORT is a usage error naming the flag", "[metrics]") {
  try {
    nf::metrics::MetricsServer server("9465", [] { return std::string(); }, "--metrics-listen");
    FAIL("expected a usage error");
  } catch (const nf::Error& e) {
    CHECK(e.code() == nf::ExitCode::usage);
    CHECK_THAT(e.what(), Catch::Contains("--metrics-listen"));
  }
}
