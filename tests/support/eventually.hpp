#pragma once
// Polls a condition until it holds or time runs out: the integration tests' way to wait
// for the pipeline (CDC, ingest, invalidation) without fixed sleeps.

#include <chrono>
#include <thread>

namespace nf::test {

// Calls `done` every `every` until it returns true (true) or `timeout` passes; one last
// try at the end, so a condition that turns true at the deadline still counts.
template <typename Done>
bool eventually(std::chrono::milliseconds timeout, Done done,
                std::chrono::milliseconds every = std::chrono::milliseconds(250)) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (done()) return true;
    std::this_thread::sleep_for(every);
  }
  return done();
}

}  // namespace nf::test
