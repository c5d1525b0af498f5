#include "cmd/global_options.hpp"
#include "core/error/error.hpp"

void register_token(CLI::App& app, GlobalOptions& global) {
  auto* cmd = app.add_subcommand("token", "Mint a signed API token (JWT HS256) for a user");
  auto user = std::make_shared<long>(0);
  cmd->add_option("--user", *user, "user id (the token's sub claim)")->type_name("ID")->required();
  cmd->callback([user] { nf::fail_not_built("token", "issue #4"); });
}
