#include "cmd/global_options.hpp"
#include "core/error/error.hpp"

void register_backfill(CLI::App& app, GlobalOptions& global) {
  auto* cmd = app.add_subcommand("backfill", "Bulk-copy PostgreSQL tables into ClickHouse (parallel, resumable)");
  static std::string table = "all", since;
  static int jobs = 2;
  static bool resume = false;
  with_choices(cmd->add_option("--table", table, "table to copy"),
               {"users", "posts", "follows", "likes", "comments", "all"});
  cmd->add_option("--since", since, "only rows changed in this window, e.g. 24h")->type_name("DURATION");
  cmd->add_option("--jobs", jobs, "parallel workers")->type_name("N");
  cmd->add_flag("--resume", resume, "continue from the last checkpoint");
  cmd->callback([] { nf::fail_not_built("backfill", "issue #3"); });
}
