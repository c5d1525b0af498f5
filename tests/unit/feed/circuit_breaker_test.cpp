#include <catch2/catch.hpp>

#include <atomic>
#include <thread>

#include "core/feed/circuit_breaker.hpp"

using nf::feed::BreakerState;
using namespace std::chrono_literals;

namespace {

// A clock the test moves by hand.
struct FakeClock {
  std::chrono::steady_clock::time_point now{std::chrono::seconds(1000)};
  nf::feed::CircuitBreaker::Clock fn() {
    return [this] { return now; };
  }
};

}  // namespace

TEST_CASE("feed: breaker opens after N consecutive failures and not before", "[feed]") {
  FakeClock clock;
  nf::feed::CircuitBreaker breaker(3, 5000ms, clock.fn());
  CHECK(breaker.status().state == BreakerState::closed);
  REQUIRE(breaker.allow());
  breaker.record_failure("timeout 1");
  REQUIRE(breaker.allow());
  breaker.record_failure("timeout 2");
  CHECK(breaker.status().state == BreakerState::closed);
  REQUIRE(breaker.allow());
  breaker.record_failure("timeout 3");
  const auto status = breaker.status();
  CHECK(status.state == BreakerState::open);
  CHECK(status.consecutive_failures == 3);
  CHECK(status.last_error == "timeout 3");
  CHECK(nf::feed::to_string(status.state) == "open");
  CHECK_FALSE(breaker.allow());
  clock.now += 4999ms;
  CHECK_FALSE(breaker.allow());
}

TEST_CASE("feed: a success resets the count of consecutive failures", "[feed]") {
  FakeClock clock;
  nf::feed::CircuitBreaker breaker(3, 5000ms, clock.fn());
  breaker.record_failure("a");
  breaker.record_failure("b");
  breaker.record_success();
  breaker.record_failure("c");
  breaker.record_failure("d");
  CHECK(breaker.status().state == BreakerState::closed);
  CHECK(breaker.status().consecutive_failures == 2);
  breaker.record_failure("e");
  CHECK(breaker.status().state == BreakerState::open);
}

TEST_CASE("feed: breaker half-open lets exactly one caller probe", "[feed]") {
  FakeClock clock;
  nf::feed::CircuitBreaker breaker(1, 5000ms, clock.fn());
  breaker.record_failure("down");
  REQUIRE(breaker.status().state == BreakerState::open);
  clock.now += 5000ms;
  CHECK(breaker.allow());  // the probe
  CHECK(breaker.status().state == BreakerState::half_open);
  CHECK(nf::feed::to_string(BreakerState::half_open) == "half_open");
  CHECK_FALSE(breaker.allow());  // everyone else: fallback
  CHECK_FALSE(breaker.allow());

  SECTION("probe succeeds: closed, everyone asks ClickHouse again") {
    breaker.record_success();
    CHECK(breaker.status().state == BreakerState::closed);
    CHECK(breaker.status().consecutive_failures == 0);
    CHECK(breaker.allow());
    CHECK(breaker.allow());
  }
  SECTION("probe fails: open again for the full period, then one new probe") {
    breaker.record_failure("still down");
    CHECK(breaker.status().state == BreakerState::open);
    CHECK(breaker.status().last_error == "still down");
    CHECK_FALSE(breaker.allow());
    clock.now += 4999ms;
    CHECK_FALSE(breaker.allow());
    clock.now += 1ms;
    CHECK(breaker.allow());
    CHECK_FALSE(breaker.allow());
  }
}

TEST_CASE("feed: breaker under concurrent callers admits one probe", "[feed]") {
  FakeClock clock;
  nf::feed::CircuitBreaker breaker(1, 100ms, clock.fn());
  breaker.record_failure("down");
  clock.now += 100ms;
  std::atomic<int> admitted{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 8; ++i)
    threads.emplace_back([&] {
      for (int j = 0; j < 1000; ++j)
        if (breaker.allow()) ++admitted;
    });
  for (auto& t : threads) t.join();
  CHECK(admitted == 1);
}
