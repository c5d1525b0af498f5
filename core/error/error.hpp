#pragma once
// One table of exit codes (SPEC §5) and the one exception type that ends a command.
// Library code throws nf::Error where an operation must stop; cmd/main.cpp is the only
// place that catches it and turns it into a message and an exit status.

#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace nf {

enum class ExitCode : int {
  ok = 0,
  check_failed = 1,  // a check failed: drift, gate, unhealthy, a failed operation
  usage = 2,         // usage or configuration error
  unreachable = 3,   // a dependency is unreachable
  skipped = 4,       // jobs: another run holds the job's lock; nothing was done
};

// The name used in man pages and --json output.
std::string_view exit_code_name(ExitCode code);

// Every exit code with what it means, for the man pages' EXIT STATUS and --help.
struct ExitCodeMeaning {
  ExitCode code;
  std::string_view meaning;
};
const std::vector<ExitCodeMeaning>& exit_code_meanings();

class Error : public std::runtime_error {
 public:
  Error(ExitCode code, std::string message) : std::runtime_error(std::move(message)), code_(code) {}
  // `reason` is a stable machine-readable word for API clients ("invalid_json",
  // "too_many_events"); serve puts it in {"error":{"code": ...}}.
  Error(ExitCode code, std::string message, std::string reason)
      : std::runtime_error(std::move(message)), code_(code), reason_(std::move(reason)) {}
  ExitCode code() const { return code_; }
  const std::string& reason() const { return reason_; }

  // For a command that already printed its result (e.g. doctor's report, on stdout as
  // text or JSON) and only needs the exit status: main prints the message on stderr but
  // adds nothing to stdout, so --json output stays one valid document.
  static Error after_report(ExitCode code, std::string message) {
    Error e(code, std::move(message));
    e.reported_ = true;
    return e;
  }
  bool reported() const { return reported_; }

  // For a command that already said everything on stderr too (jobs run: one line per job,
  // "hot-posts: skipped, running on host:pid since …"): only the exit status is left.
  static Error exit_only(ExitCode code) {
    Error e(code, "");
    e.reported_ = true;
    return e;
  }

 private:
  ExitCode code_;
  std::string reason_;
  bool reported_ = false;
};

// Shorthands for the common kinds, so a throw site reads as a sentence.
[[noreturn]] void fail_usage(std::string message);
[[noreturn]] void fail_unreachable(std::string message);
[[noreturn]] void fail_check(std::string message);

}  // namespace nf
