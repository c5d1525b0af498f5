// The route table without a socket: parameters, authentication and readiness are
// decided before any dependency is touched, so a Backend without dependencies is enough.

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "core/auth/jwt.hpp"
#include "core/error/error.hpp"
#include "core/serve/readiness.hpp"
#include "core/serve/routes.hpp"

namespace {

constexpr int64_t kNowMs = 1'795'000'000'000;
const std::string kSecret = "unit-test-secret-unit-test-secret";

nf::http::Request request(std::string method, std::string path, std::map<std::string, std::string> query = {},
                          std::string token = "") {
  nf::http::Request r;
  r.method = std::move(method);
  r.path = std::move(path);
  r.target = r.path;
  r.query = std::move(query);
  if (!token.empty()) r.headers["authorization"] = "Bearer " + token;
  return r;
}

std::string error_code(const nf::http::Response& response) {
  return nlohmann::json::parse(response.body)["error"]["code"].get<std::string>();
}

}  // namespace

TEST_CASE("integer_param: absent gives the default, the range is enforced, garbage is refused", "[serve]") {
  using nf::serve::integer_param;
  CHECK(integer_param(request("GET", "/x"), "limit", 20, 1, 50) == 20);
  CHECK(integer_param(request("GET", "/x", {{"limit", "1"}}), "limit", 20, 1, 50) == 1);
  CHECK(integer_param(request("GET", "/x", {{"limit", "50"}}), "limit", 20, 1, 50) == 50);
  for (const std::string bad : {"0", "51", "1000000000", "-1", "ten", "", "5x", " 5", "99999999999999999999999"}) {
    INFO("limit=" << bad);
    try {
      integer_param(request("GET", "/x", {{"limit", bad}}), "limit", 20, 1, 50);
      FAIL("accepted");
    } catch (const nf::Error& e) {
      CHECK(e.code() == nf::ExitCode::usage);
      CHECK(e.reason() == "invalid_limit");
      CHECK_THAT(e.what(), Catch::Contains("1") && Catch::Contains("50"));
    }
  }
}

TEST_CASE("routes: data endpoints refuse a missing, expired or forged token with 401 before any work", "[serve]") {
  nf::serve::Backend backend;  // no dependencies: a refused request must not reach them
  backend.jwt_secret = kSecret;
  const auto router = nf::serve::build_router(backend, [] { return kNowMs; });
  const auto expired = nf::auth::mint_token(kSecret, 5, kNowMs / 1000 - 7200, 60);
  const auto forged = nf::auth::mint_token("another-secret-another-secret!!", 5, kNowMs / 1000, 3600);
  for (const auto& [method, path] : std::vector<std::pair<std::string, std::string>>{
           {"GET", "/api/v1/feed"},
           {"GET", "/api/v1/feed/trending"},
           {"GET", "/api/v1/discover/suggested-users"},
           {"POST", "/api/v1/events"}}) {
    INFO(method << " " << path);
    auto missing = router.dispatch(request(method, path));
    CHECK(missing.status == 401);
    CHECK(error_code(missing) == "missing_token");
    auto old = router.dispatch(request(method, path, {}, expired));
    CHECK(old.status == 401);
    CHECK(error_code(old) == "expired_token");
    auto fake = router.dispatch(request(method, path, {}, forged));
    CHECK(fake.status == 401);
    CHECK(error_code(fake) == "bad_signature");
  }
}

TEST_CASE("routes: a bad limit is 400 before the feed is asked, healthz answers, unknown paths are 404", "[serve]") {
  nf::serve::Backend backend;
  backend.jwt_secret = kSecret;
  const auto router = nf::serve::build_router(backend, [] { return kNowMs; });
  const auto token = nf::auth::mint_token(kSecret, 5, kNowMs / 1000, 3600);
  const auto bad = router.dispatch(request("GET", "/api/v1/feed", {{"limit", "0"}}, token));
  CHECK(bad.status == 400);
  CHECK(error_code(bad) == "invalid_limit");
  CHECK(router.dispatch(request("GET", "/healthz")).status == 200);
  CHECK(router.dispatch(request("GET", "/nope")).status == 404);
  CHECK(router.dispatch(request("PUT", "/api/v1/feed")).status == 405);
}

TEST_CASE("readiness: ready while ClickHouse or PostgreSQL can answer the feed", "[serve]") {
  using nf::serve::DependencyState;
  using nf::serve::judge_ready;
  CHECK(judge_ready({{"clickhouse", true, ""}, {"postgres", true, ""}, {"redis", false, ""}, {"kafka", false, ""}}));
  CHECK(judge_ready({{"clickhouse", false, ""}, {"postgres", true, ""}}));
  CHECK(judge_ready({{"clickhouse", true, ""}, {"postgres", false, ""}}));
  CHECK_FALSE(judge_ready({{"clickhouse", false, ""}, {"postgres", false, ""}, {"redis", true, ""}}));
  CHECK_FALSE(judge_ready({}));
  const auto json = nf::serve::to_json({false, {{"clickhouse", false, "refused"}}});
  CHECK(json["ready"] == false);
  CHECK(json["dependencies"]["clickhouse"]["state"] == "down");
  CHECK(json["dependencies"]["clickhouse"]["detail"] == "refused");
}
