#pragma once
// Test helpers shared by unit and integration tests: run the real novafeed binary and
// capture what it printed and how it exited.

#include <map>
#include <string>
#include <vector>

namespace nf::test {

struct RunResult {
  int exit_code = -1;
  std::string out;  // stdout
  std::string err;  // stderr
};

// Runs the built novafeed binary with `args`; `env` entries are added to the current
// environment (an empty value unsets the variable). Never goes through a shell.
RunResult run_novafeed(const std::vector<std::string>& args, const std::map<std::string, std::string>& env = {});

// The source tree (for data files) and the novafeed binary under test.
std::string source_dir();
std::string novafeed_binary();

// Reads a file under tests/data/ (relative path).
std::string read_data_file(const std::string& relative);

}  // namespace nf::test
