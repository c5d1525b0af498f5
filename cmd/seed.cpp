#include "cmd/global_options.hpp"
#include "core/error/error.hpp"

void register_seed(CLI::App& app, GlobalOptions& global) {
  auto* cmd = app.add_subcommand("seed", "Load deterministic synthetic data at a chosen scale");
  static long users = 1000, seed = 1;
  cmd->add_option("--users", users, "number of users")->type_name("N");
  cmd->add_option("--seed", seed, "random seed (same seed, same data)")->type_name("N");
  cmd->callback([] { nf::fail_not_built("seed", "issue #3"); });
}
