#include "core/doctor/report.hpp"

namespace nf::doctor {

std::string_view status_name(Status status) {
  switch (status) {
    case Status::ok: return "ok";
    case Status::warn: return "warn";
    case Status::fail: return "fail";
    case Status::unreachable: return "unreachable";
  }
  return "unknown";
}

ExitCode exit_code(const Report& report) {
  bool failed = false;
  for (const auto& check : report.checks) {
    if (check.status == Status::unreachable) return ExitCode::unreachable;
    if (check.status == Status::fail) failed = true;
  }
  return failed ? ExitCode::check_failed : ExitCode::ok;
}

std::string summary(const Report& report) {
  const ExitCode code = exit_code(report);
  std::string verdict = code == ExitCode::unreachable    ? "unreachable"
                        : code == ExitCode::check_failed ? "unhealthy"
                                                         : "healthy";
  if (report.checks.empty()) return verdict + ": no checks ran";

  std::string counts;
  for (Status status : {Status::ok, Status::warn, Status::fail, Status::unreachable}) {
    size_t count = 0;
    std::string names;
    for (const auto& check : report.checks) {
      if (check.status != status) continue;
      ++count;
      names += (names.empty() ? "" : ", ") + check.name;
    }
    if (count == 0) continue;
    counts += (counts.empty() ? "" : ", ") + std::to_string(count) + " " + std::string(status_name(status));
    if (status != Status::ok) counts += " (" + names + ")";
  }
  return verdict + ": " + counts;
}

}  // namespace nf::doctor
