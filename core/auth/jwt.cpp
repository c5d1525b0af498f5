#include "core/auth/jwt.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <spdlog/spdlog.h>

#include <charconv>
#include <cmath>
#include <nlohmann/json.hpp>

#include "core/auth/base64url.hpp"
#include "core/error/error.hpp"

namespace nf::auth {

namespace {

using Json = nlohmann::json;

std::string hmac_sha256(std::string_view secret, std::string_view data) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()), reinterpret_cast<const unsigned char*>(data.data()),
       data.size(), digest, &length);
  return std::string(reinterpret_cast<const char*>(digest), length);
}

tl::unexpected<TokenError> refuse(std::string code, std::string message) {
  return tl::unexpected(TokenError{std::move(code), std::move(message)});
}

// A segment decoded and parsed as a JSON object; nullopt when it is not one.
std::optional<Json> decode_json_object(std::string_view segment) {
  const auto bytes = base64url_decode(segment);
  if (!bytes) return std::nullopt;
  auto json = Json::parse(*bytes, nullptr, /*allow_exceptions=*/false);
  if (!json.is_object()) return std::nullopt;
  return json;
}

// A NumericDate claim (RFC 7519 §2): a JSON number of seconds; fractions are truncated.
std::optional<int64_t> numeric_date(const Json& claims, const char* name) {
  const auto it = claims.find(name);
  if (it == claims.end()) return std::nullopt;
  if (it->is_number_integer()) return it->get<int64_t>();
  if (it->is_number_unsigned()) {
    const auto value = it->get<uint64_t>();
    if (value > static_cast<uint64_t>(INT64_MAX)) return std::nullopt;
    return static_cast<int64_t>(value);
  }
  if (it->is_number_float()) {
    const double value = it->get<double>();
    if (!std::isfinite(value) || std::fabs(value) > 9e15) return std::nullopt;
    return static_cast<int64_t>(value);
  }
  return std::nullopt;
}

// `sub` as a positive user id: a string of digits (RFC 7519 makes sub a string) or,
// leniently, a JSON integer.
std::optional<uint64_t> subject_user(const Json& claims) {
  const auto it = claims.find("sub");
  if (it == claims.end()) return std::nullopt;
  uint64_t id = 0;
  if (it->is_string()) {
    const auto& text = it->get_ref<const std::string&>();
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), id);
    if (text.empty() || error != std::errc() || end != text.data() + text.size()) return std::nullopt;
  } else if (it->is_number_unsigned()) {
    id = it->get<uint64_t>();
  } else if (it->is_number_integer()) {
    const auto value = it->get<int64_t>();
    if (value <= 0) return std::nullopt;
    id = static_cast<uint64_t>(value);
  } else {
    return std::nullopt;
  }
  if (id == 0) return std::nullopt;
  return id;
}

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(a[i])) != std::tolower(static_cast<unsigned char>(b[i]))) return false;
  return true;
}

}  // namespace

std::string mint_token(std::string_view secret, uint64_t user_id, int64_t now_s, int64_t ttl_s) {
  const Json header = {{"alg", "HS256"}, {"typ", "JWT"}};
  const Json claims = {{"sub", std::to_string(user_id)}, {"iat", now_s}, {"exp", now_s + ttl_s}};
  std::string signing_input = base64url_encode(header.dump()) + "." + base64url_encode(claims.dump());
  const auto signature = base64url_encode(hmac_sha256(secret, signing_input));
  return signing_input + "." + signature;
}

tl::expected<Claims, TokenError> verify_token(std::string_view secret, std::string_view token, int64_t now_s) {
  if (token.empty()) return refuse("missing_token", "no token: send Authorization: Bearer <token>");
  const auto first_dot = token.find('.');
  const auto second_dot = first_dot == std::string_view::npos ? first_dot : token.find('.', first_dot + 1);
  if (second_dot == std::string_view::npos || token.find('.', second_dot + 1) != std::string_view::npos)
    return refuse("malformed_token", "the token is not a JWT (three base64url parts separated by dots)");
  const auto header_part = token.substr(0, first_dot);
  const auto claims_part = token.substr(first_dot + 1, second_dot - first_dot - 1);
  const auto signature_part = token.substr(second_dot + 1);

  const auto header = decode_json_object(header_part);
  if (!header) return refuse("malformed_token", "the token's header is not base64url-encoded JSON");
  const auto alg = header->find("alg");
  if (alg == header->end() || !alg->is_string() || alg->get_ref<const std::string&>() != "HS256")
    return refuse("unsupported_alg", "the token must be signed with HS256");

  // The signature before the claims: nothing a forger wrote is trusted until it holds.
  const auto signature = base64url_decode(signature_part);
  const auto expected = hmac_sha256(secret, token.substr(0, second_dot));
  if (!signature || signature->size() != expected.size() ||
      CRYPTO_memcmp(signature->data(), expected.data(), expected.size()) != 0)
    return refuse("bad_signature", "the token's signature does not match: it was not minted with this server's secret");

  const auto claims = decode_json_object(claims_part);
  if (!claims) return refuse("malformed_token", "the token's claims are not base64url-encoded JSON");
  const auto expires_at = numeric_date(*claims, "exp");
  if (!expires_at) return refuse("malformed_token", "the token has no valid exp claim; mint one with `novafeed token`");
  if (now_s >= *expires_at + kExpiryLeewaySeconds)
    return refuse("expired_token", "the token expired; mint a new one with `novafeed token`");
  const auto user_id = subject_user(*claims);
  if (!user_id) return refuse("invalid_subject", "the token's sub claim must be a positive integer user id");
  return Claims{*user_id, numeric_date(*claims, "iat").value_or(0), *expires_at};
}

tl::expected<Claims, TokenError> authenticate(std::string_view secret, std::optional<std::string_view> authorization,
                                              int64_t now_s) {
  if (!authorization || authorization->empty())
    return refuse("missing_token", "this endpoint needs Authorization: Bearer <token> (`novafeed token --user ID`)");
  const auto value = *authorization;
  const auto space = value.find(' ');
  if (space == std::string_view::npos || !iequals(value.substr(0, space), "Bearer"))
    return refuse("malformed_token", "the Authorization header must be 'Bearer <token>'");
  auto token = value.substr(space);
  while (!token.empty() && (token.front() == ' ' || token.front() == '\t')) token.remove_prefix(1);
  while (!token.empty() && (token.back() == ' ' || token.back() == '\t')) token.remove_suffix(1);
  return verify_token(secret, token, now_s);
}

std::string jwt_secret(const config::Config& config) {
  auto secret = config.get_secret("auth.jwt_secret");
  if (secret.empty())
    throw Error(ExitCode::usage,
                "auth.jwt_secret is not set: set NOVAFEED_AUTH_JWT_SECRET or auth.jwt_secret_file "
                "(scripts/stack writes one to .stack/jwt_secret)");
  // RFC 7518 §3.2: an HS256 key shorter than the hash (32 bytes) weakens it.
  if (secret.size() < 32)
    spdlog::warn("auth.jwt_secret is {} bytes; use at least 32 random bytes (e.g. openssl rand -hex 32)", secret.size());
  return secret;
}

}  // namespace nf::auth
