#include "cmd/global_options.hpp"
#include "core/error/error.hpp"

void register_connectors(CLI::App& app, GlobalOptions& global) {
  auto* cmd = app.add_subcommand("connectors", "placeholder");
  cmd->callback([] { nf::fail_not_built("connectors", "issue #2"); });
}
