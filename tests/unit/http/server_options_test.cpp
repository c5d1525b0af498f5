#include <catch2/catch.hpp>

#include "core/config/config.hpp"
#include "core/error/error.hpp"
#include "core/http/server.hpp"

namespace {

nf::config::Config config_with(nf::config::EnvList env) {
  nf::config::Sources sources;
  sources.env = std::move(env);
  return nf::config::load(sources);
}

}  // namespace

TEST_CASE("server options: serve.* defaults and overrides", "[http]") {
  const auto defaults = nf::http::server_options_from(config_with({}));
  CHECK(defaults.listen == "127.0.0.1:8080");
  CHECK(defaults.io_threads == 2);
  CHECK(defaults.worker_threads == 16);
  CHECK(defaults.max_body_bytes == 262144);
  CHECK(defaults.max_header_bytes == 8192);
  CHECK(defaults.read_timeout == std::chrono::milliseconds(10000));
  CHECK(defaults.idle_timeout == std::chrono::milliseconds(30000));
  CHECK(defaults.shutdown_timeout == std::chrono::milliseconds(10000));

  const auto set = nf::http::server_options_from(config_with({{"NOVAFEED_SERVE_LISTEN", "[::1]:0"},
                                                              {"NOVAFEED_SERVE_IO_THREADS", "3"},
                                                              {"NOVAFEED_SERVE_READ_TIMEOUT_MS", "300"}}));
  CHECK(set.listen == "[::1]:0");
  CHECK(set.io_threads == 3);
  CHECK(set.read_timeout == std::chrono::milliseconds(300));
}

TEST_CASE("server options: a bad listen address or a zero count names the key", "[http]") {
  for (const auto& [name, value, key] : std::vector<std::tuple<std::string, std::string, std::string>>{
           {"NOVAFEED_SERVE_LISTEN", "localhost", "serve.listen"},
           {"NOVAFEED_SERVE_LISTEN", "10.0.0.300:80", "serve.listen"},
           {"NOVAFEED_SERVE_WORKER_THREADS", "0", "serve.worker_threads"},
           {"NOVAFEED_SERVE_MAX_BODY_BYTES", "-1", "serve.max_body_bytes"}}) {
    INFO(name << "=" << value);
    try {
      nf::http::server_options_from(config_with({{name, value}}));
      FAIL("accepted");
    } catch (const nf::Error& e) {
      CHECK(e.code() == nf::ExitCode::usage);
      CHECK_THAT(e.what(), Catch::Contains(key));
    }
  }
}
