#include "tests/support/promtool.hpp"

#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <stdexcept>

namespace nf::test {

std::pair<int, std::string> run_promtool(const std::string& args, const std::string& input) {
  char path[] = "/tmp/novafeed-promtool-XXXXXX";
  const int fd = mkstemp(path);
  if (fd < 0) throw std::runtime_error("run_promtool: cannot create a temporary file in /tmp");
  const bool written = write(fd, input.data(), input.size()) == static_cast<ssize_t>(input.size());
  close(fd);
  if (!written) {
    unlink(path);
    throw std::runtime_error("run_promtool: cannot write " + std::string(path));
  }
  const std::string command = "promtool " + args + " < " + path + " 2>&1";
  std::string output;
  FILE* pipe = popen(command.c_str(), "r");
  if (!pipe) {
    unlink(path);
    throw std::runtime_error("run_promtool: cannot start promtool");
  }
  char buffer[4096];
  while (const size_t n = fread(buffer, 1, sizeof buffer, pipe)) output.append(buffer, n);
  const int status = pclose(pipe);
  unlink(path);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, output};
}

}  // namespace nf::test
