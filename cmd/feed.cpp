#include "cmd/global_options.hpp"
#include "core/error/error.hpp"

void register_feed(CLI::App& app, GlobalOptions& global) {
  auto* cmd = app.add_subcommand("feed", "Show a user's ranked feed; --explain says why each post is there");
  static long user = 0, limit = 20;
  static bool explain = false;
  cmd->add_option("--user", user, "user id")->type_name("ID")->required();
  cmd->add_option("--limit", limit, "number of posts (1..50)")->type_name("N");
  cmd->add_flag("--explain", explain, "show sources, features, scores and dropped posts");
  cmd->callback([] { nf::fail_not_built("feed", "issue #4"); });
}
