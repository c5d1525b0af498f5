#pragma once
// `novafeed token`: mints an API token for a user with the server's secret, so operators
// and tests can call the API (curl -H "Authorization: Bearer $(novafeed token --user 42)").

#include <cstdint>
#include <optional>
#include <string>

#include "core/config/config.hpp"

namespace nf::auth {

struct TokenRequest {
  int64_t user_id = 0;             // must be positive
  std::optional<std::string> ttl;  // a duration ("1h", "90m"); default auth.token_ttl_s
};

struct IssuedToken {
  std::string token;
  uint64_t user_id = 0;
  int64_t issued_at = 0;   // epoch seconds
  int64_t expires_at = 0;  // epoch seconds
};

// Throws nf::Error(usage) for a bad user id, ttl or a missing secret.
IssuedToken issue_token(const config::Config& config, const TokenRequest& request, int64_t now_s);

// The token alone on a line (for $(...)), or {"token","user_id","expires_at"(RFC 3339)}.
std::string render_text(const IssuedToken& issued);
std::string render_json(const IssuedToken& issued);

}  // namespace nf::auth
