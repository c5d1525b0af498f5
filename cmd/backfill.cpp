#include "cmd/global_options.hpp"
#include "core/error/error.hpp"

namespace {
struct BackfillFlags {
  std::string table = "all", since;
  int jobs = 2;
  bool resume = false;
};
}  // namespace

void register_backfill(CLI::App& app, GlobalOptions& global) {
  auto* cmd = app.add_subcommand("backfill", "Bulk-copy PostgreSQL tables into ClickHouse (parallel, resumable)");
  auto flags = std::make_shared<BackfillFlags>();
  with_choices(cmd->add_option("--table", flags->table, "table to copy"),
               {"users", "posts", "follows", "likes", "comments", "all"});
  cmd->add_option("--since", flags->since, "only rows changed in this window, e.g. 24h")->type_name("DURATION");
  cmd->add_option("--jobs", flags->jobs, "parallel workers")->type_name("N");
  cmd->add_flag("--resume", flags->resume, "continue from the last checkpoint");
  cmd->callback([flags] { nf::fail_not_built("backfill", "issue #3"); });
}
