#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <stdexcept>
#include <thread>

#include "core/process/periodic.hpp"

using nf::process::Periodic;
using namespace std::chrono_literals;

namespace {

// Waits (up to 10 s: a loaded machine) until `done` holds.
template <typename Done>
bool within_10s(Done done) {
  for (int i = 0; i < 1000 && !done(); ++i) std::this_thread::sleep_for(10ms);
  return done();
}

}  // namespace

TEST_CASE("periodic: First::now ticks at start, then every interval, until destroyed", "[process]") {
  std::atomic<int> ticks{0};
  {
    Periodic periodic("test", 5ms, Periodic::First::now, [&] { ++ticks; });
    CHECK(within_10s([&] { return ticks >= 3; }));
  }
  const int after = ticks;
  std::this_thread::sleep_for(30ms);
  CHECK(ticks == after);  // destroyed: no tick any more
}

TEST_CASE("periodic: First::after_interval waits one interval, and destruction does not wait it out", "[process]") {
  std::atomic<int> ticks{0};
  const auto start = std::chrono::steady_clock::now();
  {
    Periodic periodic("test", 1h, Periodic::First::after_interval, [&] { ++ticks; });
    std::this_thread::sleep_for(20ms);
  }
  CHECK(ticks == 0);
  CHECK(std::chrono::steady_clock::now() - start < 10s);  // woken, not an hour
}

TEST_CASE("periodic: an interval of 0 starts no thread, and a tick that throws does not end the thread", "[process]") {
  std::atomic<int> ticks{0};
  {
    Periodic never("test", 0ms, Periodic::First::now, [&] { ++ticks; });
    std::this_thread::sleep_for(20ms);
  }
  CHECK(ticks == 0);
  Periodic throwing("test", 5ms, Periodic::First::now, [&] {
    ++ticks;
    throw std::runtime_error("boom");
  });
  CHECK(within_10s([&] { return ticks >= 2; }));
}
