#include "core/error/error.hpp"

namespace nf {

std::string_view exit_code_name(ExitCode code) {
  switch (code) {
    case ExitCode::ok: return "ok";
    case ExitCode::check_failed: return "check_failed";
    case ExitCode::usage: return "usage";
    case ExitCode::unreachable: return "unreachable";
    case ExitCode::skipped: return "skipped";
  }
  return "unknown";
}

const std::vector<ExitCodeMeaning>& exit_code_meanings() {
  static const std::vector<ExitCodeMeaning> meanings = {
      {ExitCode::ok, "ok"},
      {ExitCode::check_failed, "a check failed (drift, gate, unhealthy) or an operation failed"},
      {ExitCode::usage, "usage or configuration error"},
      {ExitCode::unreachable, "a dependency (PostgreSQL, ClickHouse, Redis, Kafka, Kafka Connect) is unreachable"},
      {ExitCode::skipped, "skipped: another run holds the job's lock, anywhere (jobs run); nothing was done"},
  };
  return meanings;
}

void fail_usage(std::string message) { throw Error(ExitCode::usage, std::move(message)); }
void fail_unreachable(std::string message) { throw Error(ExitCode::unreachable, std::move(message)); }
void fail_check(std::string message) { throw Error(ExitCode::check_failed, std::move(message)); }

}  // namespace nf
