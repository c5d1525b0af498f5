#pragma once
// API tokens: JWT signed with HS256 (SPEC §4). `sub` is the user id, `exp` is required.
// Only HS256 is accepted, whatever the token's header asks for: a token saying
// "alg":"none" or "RS256" is refused before its signature is looked at, so a client can
// never choose how it is checked.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <tl/expected.hpp>

#include "core/config/config.hpp"

namespace nf::auth {

// Clocks of the server and of whoever minted the token may disagree by this much: a
// token is still accepted up to 30 s after its `exp`.
inline constexpr int64_t kExpiryLeewaySeconds = 30;

struct Claims {
  uint64_t user_id = 0;
  int64_t issued_at = 0;   // `iat`, 0 when the token has none
  int64_t expires_at = 0;  // `exp`
};

// `code` is the machine word an API client sees in {"error":{"code"}}: missing_token,
// malformed_token, unsupported_alg, bad_signature, expired_token, invalid_subject.
struct TokenError {
  std::string code;
  std::string message;
};

// header {"alg":"HS256","typ":"JWT"}, claims {"exp":now+ttl,"iat":now,"sub":"<id>"}.
std::string mint_token(std::string_view secret, uint64_t user_id, int64_t now_s, int64_t ttl_s);

tl::expected<Claims, TokenError> verify_token(std::string_view secret, std::string_view token, int64_t now_s);

// Checks an `Authorization: Bearer <token>` header (the scheme is case-insensitive);
// an absent or empty header is missing_token.
tl::expected<Claims, TokenError> authenticate(std::string_view secret, std::optional<std::string_view> authorization,
                                              int64_t now_s);

// auth.jwt_secret, else the content of auth.jwt_secret_file; nf::Error(usage) when
// neither is set.
std::string jwt_secret(const config::Config& config);

}  // namespace nf::auth
