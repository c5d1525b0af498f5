#include "core/auth/token_command.hpp"

#include <nlohmann/json.hpp>

#include "core/auth/jwt.hpp"
#include "core/error/error.hpp"
#include "core/time/duration.hpp"
#include "core/time/rfc3339.hpp"

namespace nf::auth {

IssuedToken issue_token(const config::Config& config, const TokenRequest& request, int64_t now_s) {
  if (request.user_id <= 0)
    throw Error(ExitCode::usage, "--user must be a positive user id, got " + std::to_string(request.user_id));
  int64_t ttl_s = 0;
  if (request.ttl) {
    ttl_s = time::parse_duration(*request.ttl, "--ttl").count() / 1000;
    if (ttl_s < 1) throw Error(ExitCode::usage, "--ttl must be at least 1s, got '" + *request.ttl + "'");
  } else {
    ttl_s = config.get_int("auth.token_ttl_s");
    if (ttl_s < 1)
      throw Error(ExitCode::usage, "auth.token_ttl_s must be at least 1, got " + std::to_string(ttl_s) + " (from " +
                                       config.values.at("auth.token_ttl_s").origin + ")");
  }
  const auto secret = jwt_secret(config);
  IssuedToken issued;
  issued.user_id = static_cast<uint64_t>(request.user_id);
  issued.issued_at = now_s;
  issued.expires_at = now_s + ttl_s;
  issued.token = mint_token(secret, issued.user_id, now_s, ttl_s);
  return issued;
}

std::string render_text(const IssuedToken& issued) { return issued.token + "\n"; }

std::string render_json(const IssuedToken& issued) {
  const nlohmann::json json = {{"token", issued.token},
                               {"user_id", issued.user_id},
                               {"expires_at", time::format_rfc3339(issued.expires_at * 1000, false)}};
  return json.dump();
}

}  // namespace nf::auth
