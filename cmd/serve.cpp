#include "cmd/global_options.hpp"
#include "core/error/error.hpp"

void register_serve(CLI::App& app, GlobalOptions& global) {
  auto* cmd = app.add_subcommand("serve", "Serve the feed HTTP API (optionally with ingest and jobs in-process)");
  static std::string listen;
  static bool with_ingest = false, with_jobs = false;
  cmd->add_option("--listen", listen, "address to listen on (default serve.listen)")->type_name("ADDR");
  cmd->add_flag("--with-ingest", with_ingest, "also run the Kafka -> ClickHouse ingest");
  cmd->add_flag("--with-jobs", with_jobs, "also run the periodic jobs");
  cmd->callback([] { nf::fail_not_built("serve", "issue #4"); });
}
