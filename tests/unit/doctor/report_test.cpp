// The doctor's decisions (exit status, summary) and its renderings, from hand-built reports.

#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include "core/doctor/render.hpp"
#include "core/doctor/report.hpp"

using nf::doctor::CheckResult;
using nf::doctor::Report;
using nf::doctor::Status;

namespace {

Report report_of(std::initializer_list<std::pair<const char*, Status>> checks) {
  Report report;
  for (const auto& [name, status] : checks) report.checks.push_back({name, status, std::string(name) + " detail", ""});
  return report;
}

}  // namespace

TEST_CASE("doctor exit status: 0 ok or warn, 1 unhealthy, 3 unreachable (which wins)") {
  using nf::ExitCode;
  CHECK(exit_code(report_of({})) == ExitCode::ok);
  CHECK(exit_code(report_of({{"a", Status::ok}, {"b", Status::ok}})) == ExitCode::ok);
  CHECK(exit_code(report_of({{"a", Status::ok}, {"b", Status::warn}})) == ExitCode::ok);
  CHECK(exit_code(report_of({{"a", Status::fail}, {"b", Status::ok}})) == ExitCode::check_failed);
  CHECK(exit_code(report_of({{"a", Status::warn}, {"b", Status::fail}})) == ExitCode::check_failed);
  CHECK(exit_code(report_of({{"a", Status::unreachable}})) == ExitCode::unreachable);
  CHECK(exit_code(report_of({{"a", Status::fail}, {"b", Status::unreachable}, {"c", Status::warn}})) ==
        ExitCode::unreachable);
  CHECK(exit_code(report_of({{"a", Status::unreachable}, {"b", Status::fail}})) == ExitCode::unreachable);
}

TEST_CASE("doctor summary: verdict, counts and the names that are not ok") {
  CHECK(summary(report_of({{"postgres", Status::ok}, {"redis", Status::ok}})) == "healthy: 2 ok");
  CHECK(summary(report_of({{"postgres", Status::ok}, {"connector", Status::warn}})) ==
        "healthy: 1 ok, 1 warn (connector)");
  CHECK(summary(report_of({{"postgres", Status::ok}, {"slot", Status::fail}, {"connector", Status::fail}})) ==
        "unhealthy: 1 ok, 2 fail (slot, connector)");
  CHECK(summary(report_of({{"clickhouse", Status::unreachable}, {"connector", Status::fail}, {"redis", Status::ok}})) ==
        "unreachable: 1 ok, 1 fail (connector), 1 unreachable (clickhouse)");
  CHECK(summary(report_of({})) == "healthy: no checks ran");
}

TEST_CASE("doctor text: one aligned line per check with its hint, then the summary") {
  Report report;
  report.checks.push_back({"postgres", Status::ok, "PostgreSQL 15.5 at 127.0.0.1:15432/novafeed", ""});
  report.checks.push_back({"connector", Status::fail,
                           "novafeed-postgres task 0 FAILED: org.apache.kafka.connect.errors.ConnectException: boom",
                           "novafeed connectors restart --failed"});
  CHECK(render_text(report) ==
        "OK    postgres   PostgreSQL 15.5 at 127.0.0.1:15432/novafeed\n"
        "FAIL  connector  novafeed-postgres task 0 FAILED: org.apache.kafka.connect.errors.ConnectException: boom"
        " → novafeed connectors restart --failed\n"
        "unhealthy: 1 ok, 1 fail (connector)\n");

  report.checks.push_back({"redis", Status::unreachable, "Redis at 127.0.0.1:1/0 is unreachable: Connection refused",
                           "is Redis running?"});
  const std::string text = render_text(report);
  CHECK_THAT(text, Catch::StartsWith("OK           postgres   PostgreSQL"));
  CHECK_THAT(text, Catch::Contains("\nUNREACHABLE  redis      Redis at 127.0.0.1:1/0 is unreachable: Connection refused"
                                   " → is Redis running?\n"));
  CHECK_THAT(text, Catch::EndsWith("\nunreachable: 1 ok, 1 fail (connector), 1 unreachable (redis)\n"));
}

TEST_CASE("doctor JSON: one array of {name, status, detail, hint, figures}") {
  Report report;
  CheckResult slot{"slot", Status::fail, "replication slot novafeed_slot retains 2.0 GiB of WAL", "check the connector"};
  slot.figures = {{"retained_wal_bytes", 2147483648LL}, {"active", true}};
  report.checks.push_back({"redis", Status::ok, "Redis 7.0.15 at h:1/0", ""});
  report.checks.push_back(slot);
  report.checks.push_back({"kafka", Status::unreachable, "bad bytes \xff here", "start it"});

  const std::string text = render_json(report);
  const auto parsed = nlohmann::json::parse(text);  // one valid document, even with invalid UTF-8 inside
  REQUIRE(parsed.is_array());
  REQUIRE(parsed.size() == 3);
  CHECK(parsed[0]["name"] == "redis");
  CHECK(parsed[0]["status"] == "ok");
  CHECK(parsed[0]["hint"].is_null());
  CHECK(parsed[0]["figures"] == nlohmann::json::object());
  CHECK(parsed[1]["status"] == "fail");
  CHECK(parsed[1]["hint"] == "check the connector");
  CHECK(parsed[1]["figures"]["retained_wal_bytes"] == 2147483648LL);
  CHECK(parsed[2]["status"] == "unreachable");
  // Keys in reading order.
  CHECK(text.find("\"name\"") < text.find("\"status\""));
  CHECK(text.find("\"status\"") < text.find("\"detail\""));
}
