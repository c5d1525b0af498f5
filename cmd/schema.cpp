#include "cmd/global_options.hpp"
#include "core/error/error.hpp"

void register_schema(CLI::App& app, GlobalOptions& global) {
  auto* cmd = app.add_subcommand("schema", "placeholder");
  cmd->callback([] { nf::fail_not_built("schema", "issue #2"); });
}
