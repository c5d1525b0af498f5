#include <cstdio>

#include "cmd/global_options.hpp"
#include "core/serve/serve.hpp"

void register_serve(CLI::App& app, GlobalOptions& global) {
  auto* cmd = app.add_subcommand("serve", "Serve the feed HTTP API (optionally with ingest and jobs in-process)");
  auto request = std::make_shared<nf::serve::ServeRequest>();
  cmd->add_option("--listen", request->listen, "address to listen on, HOST:PORT (default serve.listen; port 0 picks one)")
      ->type_name("ADDR");
  cmd->add_flag("--with-ingest", request->with_ingest, "also run the Kafka -> ClickHouse ingest in this process");
  cmd->add_flag("--with-jobs", request->with_jobs, "also run the periodic jobs in this process");
  cmd->footer(
      "Endpoints (SPEC §4, docs/openapi.yaml): GET /api/v1/feed, /api/v1/feed/trending, "
      "/api/v1/discover/suggested-users, POST /api/v1/events (Bearer JWT from `novafeed token`), and without auth "
      "GET /api/v1/feed/metrics, /metrics (Prometheus), /healthz, /readyz.\n"
      "No dependency has to be up at start: ClickHouse down -> the feed is the PostgreSQL timeline (algo=timeline); "
      "Redis down -> computed without cache; Kafka down -> POST /api/v1/events answers 503 with Retry-After. "
      "/readyz says which dependency is down.\n"
      "SIGTERM or SIGINT stops accepting, answers the requests in flight (serve.shutdown_timeout_ms), flushes "
      "accepted events and commits the ingest.\n"
      "SIGHUP re-reads the configuration (file, environment, flags) without a restart and applies "
      "feed.ranked_percent, the share of users served the ranked feed (docs/canary.md); each changed key is logged "
      "(--log-level info), one that needs a restart says so, and a bad value keeps the old one.\n"
      "Needs auth.jwt_secret (or auth.jwt_secret_file; scripts/stack env sets one for the local stack).\n"
      "Exit 0 after a clean stop, 2 for a usage or config error (no secret, address in use).\n"
      "Example: novafeed serve --with-ingest --listen 127.0.0.1:8080 &\n"
      "         curl -H \"Authorization: Bearer $(novafeed token --user 42)\" http://127.0.0.1:8080/api/v1/feed");
  cmd->callback([&global, request] {
    const auto config = global.load_config();
    request->reload_config = [&global] { return global.load_config(); };
    nf::serve::run_serve(config, *request, [](const nf::serve::Listening& listening) {
      std::fprintf(stderr, "novafeed serve: listening on http://%s%s%s\n", listening.address.c_str(),
                   listening.with_ingest ? " (with ingest)" : "", listening.with_jobs ? " (with jobs)" : "");
      std::fflush(stderr);
    });
  });
}
