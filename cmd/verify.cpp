#include "cmd/global_options.hpp"
#include "core/error/error.hpp"

namespace {
struct VerifyFlags {
  std::string table = "all", since = "24h", min_age = "30s";
};
}  // namespace

void register_verify(CLI::App& app, GlobalOptions& global) {
  auto* cmd = app.add_subcommand("verify", "Compare PostgreSQL and ClickHouse and narrow drift down to ids");
  auto flags = std::make_shared<VerifyFlags>();
  with_choices(cmd->add_option("--table", flags->table, "table to compare"),
               {"users", "posts", "follows", "likes", "comments", "all"});
  cmd->add_option("--since", flags->since, "compare rows changed in this window")->type_name("DURATION");
  cmd->add_option("--min-age", flags->min_age, "skip rows younger than this (CDC lag is not drift)")
      ->type_name("DURATION");
  cmd->callback([flags] { nf::fail_not_built("verify", "issue #3"); });
}
