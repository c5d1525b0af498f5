// `novafeed connectors` through the real binary, for what needs no running stack: exit
// codes when Kafka Connect is unreachable, secret masking, usage errors.

#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include "tests/support/run.hpp"

namespace {

// Nothing listens on port 1: the connection is refused at once.
const std::map<std::string, std::string> kNoConnect = {{"NOVAFEED_CONNECT_URL", "http://127.0.0.1:1"}};

}  // namespace

TEST_CASE("connectors subcommands exit 3 naming Connect's URL when it is unreachable") {
  for (const std::vector<std::string>& args : std::vector<std::vector<std::string>>{
           {"connectors", "status"}, {"connectors", "apply"}, {"connectors", "apply", "--dry-run"},
           {"connectors", "list"}, {"connectors", "delete"}, {"connectors", "restart", "--failed"}}) {
    INFO(args[1] << (args.size() > 2 ? " " + args[2] : ""));
    const auto result = nf::test::run_novafeed(args, kNoConnect);
    CHECK(result.exit_code == 3);
    CHECK_THAT(result.err, Catch::Contains("Kafka Connect at http://127.0.0.1:1 is unreachable") &&
                               Catch::Contains("scripts/stack status"));
    CHECK(result.out.empty());
  }
  const auto json = nf::test::run_novafeed({"--json", "connectors", "status"}, kNoConnect);
  CHECK(json.exit_code == 3);
  CHECK(nlohmann::json::parse(json.out)["error"]["code"] == "unreachable");
}

TEST_CASE("connectors config masks the database password unless --show-secrets") {
  const std::map<std::string, std::string> env = {
      {"NOVAFEED_POSTGRES_URL", "postgresql://cdc@db.example:5432/nova"}, {"NOVAFEED_POSTGRES_PASSWORD", "s3cret-pw"}};
  const auto masked = nf::test::run_novafeed({"connectors", "config"}, env);
  REQUIRE(masked.exit_code == 0);
  CHECK_THAT(masked.out, !Catch::Contains("s3cret-pw"));
  const auto document = nlohmann::json::parse(masked.out);
  CHECK(document["name"] == "novafeed-postgres");
  CHECK(document["config"]["database.password"] == "********");
  CHECK(document["config"]["database.hostname"] == "db.example");

  const auto shown = nf::test::run_novafeed({"--json", "connectors", "config", "--show-secrets"}, env);
  REQUIRE(shown.exit_code == 0);
  CHECK(nlohmann::json::parse(shown.out)["config"]["database.password"] == "s3cret-pw");
}

TEST_CASE("connectors usage errors exit 2") {
  const auto bad_timeout = nf::test::run_novafeed({"connectors", "apply", "--wait", "--timeout", "soon"}, kNoConnect);
  CHECK(bad_timeout.exit_code == 2);
  CHECK_THAT(bad_timeout.err, Catch::Contains("--timeout") && Catch::Contains("soon"));

  CHECK(nf::test::run_novafeed({"connectors"}).exit_code == 2);
  CHECK(nf::test::run_novafeed({"connectors", "stauts"}).exit_code == 2);

  const auto bad_format = nf::test::run_novafeed({"--set", "cdc.topic_format=cdc.posts", "connectors", "config"});
  CHECK(bad_format.exit_code == 2);
  CHECK_THAT(bad_format.err, Catch::Contains("cdc.topic_format"));
}
