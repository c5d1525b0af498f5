#include "cmd/global_options.hpp"
#include "core/error/error.hpp"

namespace {
struct ServeFlags {
  std::string listen;
  bool with_ingest = false, with_jobs = false;
};
}  // namespace

void register_serve(CLI::App& app, GlobalOptions& global) {
  auto* cmd = app.add_subcommand("serve", "Serve the feed HTTP API (optionally with ingest and jobs in-process)");
  auto flags = std::make_shared<ServeFlags>();
  cmd->add_option("--listen", flags->listen, "address to listen on (default serve.listen)")->type_name("ADDR");
  cmd->add_flag("--with-ingest", flags->with_ingest, "also run the Kafka -> ClickHouse ingest");
  cmd->add_flag("--with-jobs", flags->with_jobs, "also run the periodic jobs");
  cmd->callback([flags] { nf::fail_not_built("serve", "issue #4"); });
}
