#include "cmd/global_options.hpp"
#include "core/error/error.hpp"

void register_doctor(CLI::App& app, GlobalOptions& global) {
  auto* cmd = app.add_subcommand("doctor", "placeholder");
  cmd->callback([] { nf::fail_not_built("doctor", "issue #2"); });
}
