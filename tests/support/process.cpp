#include "tests/support/process.hpp"

#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "tests/support/run.hpp"

namespace nf::test {

namespace {

// Opens (creating or truncating) a file the child writes its output to.
int open_output(const std::string& path) {
  const int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (fd < 0) throw std::runtime_error("cannot open " + path + ": " + std::strerror(errno));
  return fd;
}

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace

BackgroundNovafeed::BackgroundNovafeed(const std::vector<std::string>& args,
                                       const std::map<std::string, std::string>& env, const OutputFiles& output)
    : stdout_path_(output.stdout_path), stderr_path_(output.stderr_path) {
  int stderr_fd = -1;
  if (stderr_path_.empty()) {
    char path[] = "/tmp/novafeed-test-stderr-XXXXXX";
    stderr_fd = mkstemp(path);
    if (stderr_fd < 0) throw std::runtime_error("mkstemp failed");
    stderr_path_ = path;
    remove_stderr_ = true;
  } else {
    stderr_fd = open_output(stderr_path_);
  }
  const int stdout_fd = stdout_path_.empty() ? -1 : open_output(stdout_path_);
  const pid_t parent = getpid();
  pid_ = fork();
  if (pid_ < 0) {
    close(stderr_fd);
    if (stdout_fd >= 0) close(stdout_fd);
    throw std::runtime_error("fork failed");
  }
  if (pid_ == 0) {
    // Dies with the test binary: a test that crashes (its destructors never run) must not
    // leave a serve or ingest behind, consuming with the next run's groups and healing
    // slots under its tests (seen in CI: an orphaned serve --with-ingest from an aborted
    // run made the next run's doctor test fail). (The signal follows the forking thread:
    // these objects are made on the test's main thread.)
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent) _exit(127);
    dup2(stderr_fd, STDERR_FILENO);
    const int devnull = open("/dev/null", O_RDWR);
    if (devnull >= 0) dup2(devnull, STDIN_FILENO);
    if (stdout_fd >= 0) dup2(stdout_fd, STDOUT_FILENO);
    else if (devnull >= 0) dup2(devnull, STDOUT_FILENO);
    // The test binary may block signals on some thread; the child starts clean.
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, nullptr);
    for (const auto& [key, value] : env) {
      if (value.empty()) unsetenv(key.c_str());
      else setenv(key.c_str(), value.c_str(), 1);
    }
    std::string binary = novafeed_binary();
    std::vector<std::string> copies(args);
    std::vector<char*> argv{binary.data()};
    for (auto& a : copies) argv.push_back(a.data());
    argv.push_back(nullptr);
    execv(binary.c_str(), argv.data());
    _exit(127);
  }
  close(stderr_fd);
  if (stdout_fd >= 0) close(stdout_fd);
}

BackgroundNovafeed::~BackgroundNovafeed() {
  if (running()) stop(SIGKILL, std::chrono::seconds(5));
  if (remove_stderr_) unlink(stderr_path_.c_str());
}

bool BackgroundNovafeed::running() {
  if (exit_code_ >= 0) return false;
  int status = 0;
  const pid_t done = waitpid(pid_, &status, WNOHANG);
  if (done == pid_) {
    exit_code_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    return false;
  }
  return true;
}

std::string BackgroundNovafeed::stderr_text() const { return read_file(stderr_path_); }

std::string BackgroundNovafeed::stdout_text() const { return stdout_path_.empty() ? "" : read_file(stdout_path_); }

bool BackgroundNovafeed::wait_for_stderr(const std::string& text, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (stderr_text().find(text) != std::string::npos) return true;
    if (!running()) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return false;
}

int BackgroundNovafeed::stop(int signal, std::chrono::milliseconds timeout) {
  if (!running()) return exit_code_;
  kill(pid_, signal);
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (!running()) return exit_code_;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  kill(pid_, SIGKILL);
  int status = 0;
  waitpid(pid_, &status, 0);
  exit_code_ = 128 + SIGKILL;
  return exit_code_;
}

int free_port() {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = 0;
  bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address);
  socklen_t length = sizeof address;
  getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length);
  const int port = ntohs(address.sin_port);
  close(fd);
  return port;
}

}  // namespace nf::test
