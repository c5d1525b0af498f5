#pragma once
// A novafeed process running in the background (serve, ingest, backfill) for integration
// tests: started with extra environment, its stderr kept in a file for the test's messages,
// stopped with a signal and its exit status collected. The destructor kills it.

#include <chrono>
#include <map>
#include <string>
#include <vector>

namespace nf::test {

// Where the process's output goes. By default stdout is discarded and stderr goes to a
// temporary file removed with the object; a path named here is truncated and kept, so the
// log of a failed run can be read afterwards.
struct OutputFiles {
  std::string stdout_path;  // empty: /dev/null
  std::string stderr_path;  // empty: a temporary file
};

class BackgroundNovafeed {
 public:
  // `env` is set on top of the test's environment; an empty value unsets the variable.
  BackgroundNovafeed(const std::vector<std::string>& args, const std::map<std::string, std::string>& env,
                     const OutputFiles& output = {});
  ~BackgroundNovafeed();
  BackgroundNovafeed(const BackgroundNovafeed&) = delete;
  BackgroundNovafeed& operator=(const BackgroundNovafeed&) = delete;

  // Waits until stderr contains `text` (true) or the process exits or time runs out (false).
  bool wait_for_stderr(const std::string& text, std::chrono::milliseconds timeout);
  // Sends `signal` and waits for the exit; returns the exit code (128 + signal if killed).
  int stop(int signal, std::chrono::milliseconds timeout);
  bool running();
  std::string stderr_text() const;
  std::string stdout_text() const;  // empty unless OutputFiles::stdout_path was given
  int pid() const { return pid_; }

 private:
  int pid_ = -1;
  int exit_code_ = -1;
  std::string stdout_path_;
  std::string stderr_path_;
  bool remove_stderr_ = false;  // a temporary file, not one the caller named
};

// A TCP port on 127.0.0.1 that was free a moment ago.
int free_port();

}  // namespace nf::test
