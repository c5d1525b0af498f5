// JWT HS256 against vectors built outside novafeed (Python's hmac and base64, see each
// entry's name in tests/data/auth/tokens.json), so a bug shared by mint and verify cannot
// hide.

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "core/auth/base64url.hpp"
#include "core/auth/jwt.hpp"
#include "core/auth/token_command.hpp"
#include "core/config/config.hpp"
#include "core/error/error.hpp"
#include "tests/support/run.hpp"

namespace {

const std::string kSecret = "novafeed-test-secret-0123456789abcdef";
constexpr int64_t kNow = 1800000000;

nf::config::Config config_with(nf::config::EnvList env) {
  nf::config::Sources sources;
  sources.env = std::move(env);
  return nf::config::load(sources);
}

}  // namespace

TEST_CASE("jwt: every vector of tests/data/auth/tokens.json verifies as expected", "[auth]") {
  const auto vectors = nlohmann::json::parse(nf::test::read_data_file("auth/tokens.json"));
  REQUIRE(vectors.size() >= 30);
  for (const auto& vector : vectors) {
    INFO(vector["name"].get<std::string>());
    const auto result = nf::auth::verify_token(vector["secret"].get<std::string>(), vector["token"].get<std::string>(),
                                               vector["now"].get<int64_t>());
    if (vector.contains("error")) {
      REQUIRE_FALSE(result.has_value());
      CHECK(result.error().code == vector["error"].get<std::string>());
      CHECK_FALSE(result.error().message.empty());
    } else {
      REQUIRE(result.has_value());
      CHECK(result->user_id == vector["user_id"].get<uint64_t>());
      CHECK(result->issued_at == vector["issued_at"].get<int64_t>());
      CHECK(result->expires_at == vector["expires_at"].get<int64_t>());
    }
  }
}

TEST_CASE("jwt: mint_token equals an independently computed token and verifies back", "[auth]") {
  // Python: header {"alg":"HS256","typ":"JWT"}, claims {"exp":1800003600,"iat":1800000000,"sub":"42"}
  // (compact, keys sorted), HMAC-SHA256 with kSecret, base64url without padding.
  const std::string expected =
      "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJleHAiOjE4MDAwMDM2MDAsImlhdCI6MTgwMDAwMDAwMCwic3ViIjoiNDIifQ."
      "UBsMF1wo-bgXPlMBBnl75UgLhDWakukrUNhnJ0ntSP4";
  const auto token = nf::auth::mint_token(kSecret, 42, kNow, 3600);
  CHECK(token == expected);
  const auto claims = nf::auth::verify_token(kSecret, token, kNow + 100);
  REQUIRE(claims.has_value());
  CHECK(claims->user_id == 42);
  CHECK(claims->issued_at == kNow);
  CHECK(claims->expires_at == kNow + 3600);
  // Large ids survive the string round trip.
  const auto big = nf::auth::verify_token(kSecret, nf::auth::mint_token(kSecret, UINT64_MAX, kNow, 60), kNow);
  REQUIRE(big.has_value());
  CHECK(big->user_id == UINT64_MAX);
  // Expiry with the 30 s leeway, and a forged secret.
  CHECK(nf::auth::verify_token(kSecret, token, kNow + 3600 + 29).has_value());
  CHECK(nf::auth::verify_token(kSecret, token, kNow + 3600 + 30).error().code == "expired_token");
  CHECK(nf::auth::verify_token("not-the-secret-not-the-secret-xx", token, kNow).error().code == "bad_signature");
}

TEST_CASE("jwt: authenticate reads 'Bearer <token>' with any case of the scheme", "[auth]") {
  const auto token = nf::auth::mint_token(kSecret, 9, kNow, 60);
  for (const auto& header : {"Bearer " + token, "bearer " + token, "BEARER   " + token + " "}) {
    INFO(header);
    const auto claims = nf::auth::authenticate(kSecret, header, kNow);
    REQUIRE(claims.has_value());
    CHECK(claims->user_id == 9);
  }
  CHECK(nf::auth::authenticate(kSecret, std::nullopt, kNow).error().code == "missing_token");
  CHECK(nf::auth::authenticate(kSecret, std::string_view(""), kNow).error().code == "missing_token");
  CHECK(nf::auth::authenticate(kSecret, std::string_view("Bearer "), kNow).error().code == "missing_token");
  CHECK(nf::auth::authenticate(kSecret, std::string_view("Basic dXNlcjpwYXNz"), kNow).error().code ==
        "malformed_token");
  CHECK(nf::auth::authenticate(kSecret, std::string_view(token), kNow).error().code == "malformed_token");
  CHECK(nf::auth::authenticate(kSecret, std::string_view("Bearer abc"), kNow).error().code == "malformed_token");
}

TEST_CASE("base64url: RFC 4648 vectors, strict decoding", "[auth]") {
  // RFC 4648 §10 ("f" → "Zg==" etc.), without padding, and the URL alphabet for 0xfb 0xff.
  const std::vector<std::pair<std::string, std::string>> vectors = {
      {"", ""}, {"f", "Zg"}, {"fo", "Zm8"}, {"foo", "Zm9v"}, {"foob", "Zm9vYg"}, {"fooba", "Zm9vYmE"},
      {"foobar", "Zm9vYmFy"}, {"\xfb\xff", "-_8"}};
  for (const auto& [plain, encoded] : vectors) {
    INFO(encoded);
    CHECK(nf::auth::base64url_encode(plain) == encoded);
    CHECK(nf::auth::base64url_decode(encoded) == plain);
  }
  for (const std::string bad : {"Zg==", "Z", "Zm9vY", "Zm+v", "Zm/v", "Zh", "Zm9 v"}) {
    INFO(bad);
    CHECK_FALSE(nf::auth::base64url_decode(bad).has_value());
  }
}

TEST_CASE("jwt_secret: from auth.jwt_secret, else the file, unset is a usage error naming both", "[auth]") {
  CHECK(nf::auth::jwt_secret(config_with({{"NOVAFEED_AUTH_JWT_SECRET", kSecret}})) == kSecret);
  const auto file = nf::test::source_dir() + "/tests/data/auth/jwt_secret";
  CHECK(nf::auth::jwt_secret(config_with({{"NOVAFEED_AUTH_JWT_SECRET_FILE", file}})) ==
        "file-secret-for-unit-tests-0123456789");
  try {
    nf::auth::jwt_secret(config_with({}));
    FAIL("accepted an empty secret");
  } catch (const nf::Error& e) {
    CHECK(e.code() == nf::ExitCode::usage);
    CHECK_THAT(e.what(), Catch::Contains("auth.jwt_secret") && Catch::Contains("NOVAFEED_AUTH_JWT_SECRET") &&
                             Catch::Contains("auth.jwt_secret_file"));
  }
}

TEST_CASE("token command: the ttl comes from --ttl or auth.token_ttl_s, bad input is a usage error", "[auth]") {
  const auto config = config_with({{"NOVAFEED_AUTH_JWT_SECRET", kSecret}, {"NOVAFEED_AUTH_TOKEN_TTL_S", "600"}});
  const auto plain = nf::auth::issue_token(config, {42, std::nullopt}, kNow);
  CHECK(plain.expires_at == kNow + 600);
  CHECK(plain.token == nf::auth::mint_token(kSecret, 42, kNow, 600));
  CHECK(nf::auth::render_text(plain) == plain.token + "\n");
  const auto json = nlohmann::json::parse(nf::auth::render_json(plain));
  CHECK(json["token"] == plain.token);
  CHECK(json["user_id"] == 42);
  CHECK(json["expires_at"] == "2027-01-15T08:10:00Z");  // 1800000600 s after the epoch
  CHECK(nf::auth::issue_token(config, {42, std::string("2h")}, kNow).expires_at == kNow + 7200);
  for (const auto& [user, ttl] : std::vector<std::pair<int64_t, std::optional<std::string>>>{
           {0, std::nullopt}, {-5, std::nullopt}, {42, std::string("0s")}, {42, std::string("soon")}}) {
    INFO(user << " " << ttl.value_or("(default)"));
    try {
      nf::auth::issue_token(config, {user, ttl}, kNow);
      FAIL("accepted");
    } catch (const nf::Error& e) {
      CHECK(e.code() == nf::ExitCode::usage);
    }
  }
}
