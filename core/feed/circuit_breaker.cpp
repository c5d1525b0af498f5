#include "core/feed/circuit_breaker.hpp"

#include <algorithm>

#include <spdlog/spdlog.h>

namespace nf::feed {

std::string to_string(BreakerState state) {
  switch (state) {
    case BreakerState::closed: return "closed";
    case BreakerState::open: return "open";
    case BreakerState::half_open: return "half_open";
  }
  return "unknown";
}

CircuitBreaker::CircuitBreaker(size_t failures_to_open, std::chrono::milliseconds open_for, Clock clock)
    : failures_to_open_(std::max<size_t>(1, failures_to_open)), open_for_(open_for), clock_(std::move(clock)) {}

bool CircuitBreaker::allow() {
  std::lock_guard lock(mutex_);
  switch (state_) {
    case BreakerState::closed: return true;
    case BreakerState::half_open: return false;  // the probe is in flight
    case BreakerState::open:
      if (clock_() - opened_at_ < open_for_) return false;
      state_ = BreakerState::half_open;
      probe_in_flight_ = true;
      return true;
  }
  return false;
}

void CircuitBreaker::record_success() {
  std::lock_guard lock(mutex_);
  // Any answer in time proves ClickHouse serves again; a request admitted before the
  // breaker opened may report it too.
  if (state_ != BreakerState::closed) spdlog::info("feed: ClickHouse answers again; circuit breaker closed");
  state_ = BreakerState::closed;
  failures_ = 0;
  probe_in_flight_ = false;
}

void CircuitBreaker::record_failure(std::string_view error) {
  std::lock_guard lock(mutex_);
  last_error_ = std::string(error);
  ++failures_;
  if (state_ == BreakerState::half_open && probe_in_flight_) {
    probe_in_flight_ = false;
    open_locked();
  } else if (state_ == BreakerState::closed && failures_ >= failures_to_open_) {
    open_locked();
  }
  // Failures of requests admitted earlier, arriving while open, keep the open period as it is.
}

void CircuitBreaker::open_locked() {
  state_ = BreakerState::open;
  opened_at_ = clock_();
  spdlog::warn("feed: circuit breaker open for {} ms after {} ClickHouse failure(s) (serving the PostgreSQL "
               "timeline): {}",
               open_for_.count(), failures_, last_error_);
}

BreakerStatus CircuitBreaker::status() const {
  std::lock_guard lock(mutex_);
  return {state_, failures_, last_error_};
}

}  // namespace nf::feed
