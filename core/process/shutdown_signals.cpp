#include "core/process/shutdown_signals.hpp"

#include <pthread.h>

#include <cstring>
#include <ctime>

#include <spdlog/spdlog.h>

#include "core/process/thread_name.hpp"

namespace nf::process {
namespace {

sigset_t stop_signals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  return set;
}

}  // namespace

ShutdownSignals::ShutdownSignals() {
  const sigset_t set = stop_signals();
  pthread_sigmask(SIG_BLOCK, &set, &previous_mask_);
  waiter_ = std::thread([this, set] {
    name_this_thread("nf-signals");
    const timespec tick = {0, 200'000'000};
    while (!done_) {
      const int signal = sigtimedwait(&set, nullptr, &tick);
      if (signal <= 0) continue;
      if (requested_.exchange(true))
        spdlog::warn("{} again: already stopping", strsignal(signal));
      else
        spdlog::info("{}: stopping", strsignal(signal));
    }
  });
}

ShutdownSignals::~ShutdownSignals() {
  done_ = true;
  waiter_.join();
  pthread_sigmask(SIG_SETMASK, &previous_mask_, nullptr);
}

}  // namespace nf::process
