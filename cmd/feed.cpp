#include "cmd/global_options.hpp"
#include "core/error/error.hpp"

namespace {
struct FeedFlags {
  long user = 0, limit = 20;
  bool explain = false;
};
}  // namespace

void register_feed(CLI::App& app, GlobalOptions& global) {
  auto* cmd = app.add_subcommand("feed", "Show a user's ranked feed; --explain says why each post is there");
  auto flags = std::make_shared<FeedFlags>();
  cmd->add_option("--user", flags->user, "user id")->type_name("ID")->required();
  cmd->add_option("--limit", flags->limit, "number of posts (1..50)")->type_name("N");
  cmd->add_flag("--explain", flags->explain, "show sources, features, scores and dropped posts");
  cmd->callback([flags] { nf::fail_not_built("feed", "issue #4"); });
}
