#include "cmd/global_options.hpp"
#include "core/error/error.hpp"

namespace {
struct SeedFlags {
  long users = 1000, seed = 1;
};
}  // namespace

void register_seed(CLI::App& app, GlobalOptions& global) {
  auto* cmd = app.add_subcommand("seed", "Load deterministic synthetic data at a chosen scale");
  auto flags = std::make_shared<SeedFlags>();
  cmd->add_option("--users", flags->users, "number of users")->type_name("N");
  cmd->add_option("--seed", flags->seed, "random seed (same seed, same data)")->type_name("N");
  cmd->callback([flags] { nf::fail_not_built("seed", "issue #3"); });
}
