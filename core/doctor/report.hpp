#pragma once
// What `novafeed doctor` found: one result per check, and the decisions made from them
// (exit status, summary line). Building the report (doctor.hpp) and rendering it
// (render.hpp) are separate, so each is tested on its own.

#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/error/error.hpp"

namespace nf::doctor {

enum class Status {
  ok,           // healthy
  warn,         // works, but look at it (not counted as unhealthy)
  fail,         // reachable but unhealthy: exit 1
  unreachable,  // the dependency does not answer: exit 3
};

// "ok", "warn", "fail", "unreachable" (as in --json).
std::string_view status_name(Status status);

struct CheckResult {
  std::string name;    // short and stable, e.g. "postgres", "connector", "slot"
  Status status = Status::ok;
  std::string detail;  // what was found, one line
  std::string hint;    // what to do next; "" when nothing to do
  nlohmann::json figures = nlohmann::json::object();  // versions, counts, bytes
};

struct Report {
  std::vector<CheckResult> checks;
};

// 3 when any check is unreachable (unreachable wins), else 1 when any failed, else 0.
ExitCode exit_code(const Report& report);

// One line: the verdict, the counts, and which checks are not ok, e.g.
// "unhealthy: 9 ok, 1 fail (connector)".
std::string summary(const Report& report);

}  // namespace nf::doctor
