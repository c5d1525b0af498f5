#include "cmd/global_options.hpp"
#include "core/auth/token_command.hpp"
#include "core/time/clock.hpp"

void register_token(CLI::App& app, GlobalOptions& global) {
  auto* cmd = app.add_subcommand("token", "Mint a signed API token (JWT HS256) for a user");
  auto request = std::make_shared<nf::auth::TokenRequest>();
  cmd->add_option("--user", request->user_id, "user id (the token's sub claim), a positive integer")
      ->type_name("ID")
      ->required();
  cmd->add_option("--ttl", request->ttl, "lifetime, e.g. 1h, 30m, 7d (default auth.token_ttl_s)")
      ->type_name("DURATION");
  cmd->footer(
      "Prints a JWT (HS256) that the API (novafeed serve) accepts as `Authorization: Bearer <token>` for that user: "
      "the token's sub claim is the user id, exp is now + ttl. It is signed with auth.jwt_secret (or the file named "
      "by auth.jwt_secret_file), the same secret serve checks with. --json prints {token, user_id, expires_at}.\n"
      "Exit 0 on success, 2 for a bad --user or --ttl or when no secret is configured.\n"
      "Example: curl -H \"Authorization: Bearer $(novafeed token --user 42)\" http://127.0.0.1:8080/api/v1/feed");
  cmd->callback([&global, request] {
    const auto config = global.load_config();
    const auto now_s = nf::time::now_ms() / 1000;
    const auto issued = nf::auth::issue_token(config, *request, now_s);
    print_result(global, nf::auth::render_text(issued), nf::auth::render_json(issued));
  });
}
