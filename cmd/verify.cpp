#include "cmd/global_options.hpp"
#include "core/error/error.hpp"

void register_verify(CLI::App& app, GlobalOptions& global) {
  auto* cmd = app.add_subcommand("verify", "Compare PostgreSQL and ClickHouse and narrow drift down to ids");
  static std::string table = "all", since = "24h", min_age = "30s";
  with_choices(cmd->add_option("--table", table, "table to compare"),
               {"users", "posts", "follows", "likes", "comments", "all"});
  cmd->add_option("--since", since, "compare rows changed in this window")->type_name("DURATION");
  cmd->add_option("--min-age", min_age, "skip rows younger than this (CDC lag is not drift)")->type_name("DURATION");
  cmd->callback([] { nf::fail_not_built("verify", "issue #3"); });
}
