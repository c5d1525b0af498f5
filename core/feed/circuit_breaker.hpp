#pragma once
// The circuit breaker in front of ClickHouse (SPEC §4 resilience). While ClickHouse is
// down or slow, every feed request would otherwise wait out clickhouse.timeout_ms (2 s)
// before falling back to the PostgreSQL timeline; the breaker makes the fallback
// immediate:
//
//   closed    --feed.breaker_failures consecutive failures-->  open
//   open      --feed.breaker_open_ms elapsed, next caller-->   half_open (that caller probes)
//   half_open --the probe succeeds-->                          closed
//   half_open --the probe fails-->                             open (for breaker_open_ms again)
//
// While half-open, only the probing caller reaches ClickHouse; the others keep getting
// the fallback, so a ClickHouse that is just coming back is not stampeded. The clock is
// injected so the state machine is unit tested without sleeping.

#include <chrono>
#include <cstddef>
#include <functional>
#include <mutex>
#include <string>
#include <string_view>

namespace nf::feed {

enum class BreakerState { closed, open, half_open };
std::string to_string(BreakerState state);  // "closed", "open", "half_open"

// What /readyz and /metrics show.
struct BreakerStatus {
  BreakerState state = BreakerState::closed;
  size_t consecutive_failures = 0;
  std::string last_error;  // the most recent failure's message ("" before any)
};

class CircuitBreaker {
 public:
  using Clock = std::function<std::chrono::steady_clock::time_point()>;

  CircuitBreaker(size_t failures_to_open, std::chrono::milliseconds open_for,
                 Clock clock = [] { return std::chrono::steady_clock::now(); });

  // May this caller ask ClickHouse now? True when closed, and for the one caller that
  // turns an expired open state into half-open. Every true MUST be followed by
  // record_success() or record_failure(), or the half-open probe never ends.
  bool allow();
  void record_success();
  void record_failure(std::string_view error);

  BreakerStatus status() const;

 private:
  void open_locked();

  const size_t failures_to_open_;
  const std::chrono::milliseconds open_for_;
  Clock clock_;
  mutable std::mutex mutex_;
  BreakerState state_ = BreakerState::closed;
  size_t failures_ = 0;
  bool probe_in_flight_ = false;
  std::chrono::steady_clock::time_point opened_at_{};
  std::string last_error_;
};

}  // namespace nf::feed
