// run_doctor: groups run concurrently, results keep the groups' order, a throwing group
// becomes a failed check.

#include <catch2/catch.hpp>

#include <chrono>
#include <future>

#include "core/doctor/doctor.hpp"

using nf::doctor::CheckGroup;
using nf::doctor::CheckResult;
using nf::doctor::Status;

TEST_CASE("doctor runs its check groups concurrently and reports them in order") {
  // "second" can only finish once "first" has started and vice versa: both must run at
  // the same time (a sequential run would end in the 10 s safety timeout, and fail).
  std::promise<void> first_started, second_started;
  auto first_seen = second_started.get_future().share();
  auto second_seen = first_started.get_future().share();
  const std::vector<CheckGroup> groups = {
      {"first",
       [&](const nf::config::Config&) {
         first_started.set_value();
         const bool both = first_seen.wait_for(std::chrono::seconds(10)) == std::future_status::ready;
         return std::vector<CheckResult>{{"first", both ? Status::ok : Status::fail, "", ""}};
       }},
      {"second",
       [&](const nf::config::Config&) {
         second_started.set_value();
         const bool both = second_seen.wait_for(std::chrono::seconds(10)) == std::future_status::ready;
         return std::vector<CheckResult>{{"second-a", both ? Status::ok : Status::fail, "", ""},
                                         {"second-b", Status::warn, "", ""}};
       }},
      {"broken", [](const nf::config::Config&) -> std::vector<CheckResult> { throw std::runtime_error("bug"); }},
  };
  const auto report = nf::doctor::run_doctor(nf::config::load({}), groups);
  REQUIRE(report.checks.size() == 4);
  CHECK(report.checks[0].name == "first");
  CHECK(report.checks[0].status == Status::ok);
  CHECK(report.checks[1].name == "second-a");
  CHECK(report.checks[1].status == Status::ok);
  CHECK(report.checks[2].name == "second-b");
  CHECK(report.checks[3].name == "broken");
  CHECK(report.checks[3].status == Status::fail);
  CHECK(report.checks[3].detail == "bug");
}

TEST_CASE("doctor's default groups cover every dependency") {
  std::vector<std::string> names;
  for (const auto& group : nf::doctor::default_check_groups()) names.push_back(group.name);
  CHECK(names == std::vector<std::string>{"postgres", "clickhouse", "redis", "kafka", "connect", "jobs", "cache"});
}
