#pragma once
// SIGINT and SIGTERM as a stop request for the long-running commands (ingest, serve,
// jobs): construct this before any thread is started (so every thread inherits the blocked
// mask); a thread of its own waits for the signals and sets requested(). No handler and no
// global: the signals are only ever received by that thread. The destructor restores the
// previous mask.

#include <atomic>
#include <csignal>
#include <thread>

namespace nf::process {

class ShutdownSignals {
 public:
  ShutdownSignals();
  ~ShutdownSignals();
  ShutdownSignals(const ShutdownSignals&) = delete;
  ShutdownSignals& operator=(const ShutdownSignals&) = delete;

  const std::atomic<bool>& requested() const { return requested_; }

 private:
  sigset_t previous_mask_;
  std::atomic<bool> requested_{false};
  std::atomic<bool> done_{false};
  std::thread waiter_;
};

}  // namespace nf::process
