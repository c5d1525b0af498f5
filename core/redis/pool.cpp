#include "core/redis/pool.hpp"

#include <spdlog/spdlog.h>

#include "core/error/error.hpp"

namespace nf::redis {

Pool::Pool(Settings settings, size_t max_idle, std::chrono::milliseconds backoff)
    : settings_(std::move(settings)), max_idle_(max_idle), backoff_(backoff) {}

Pool::Lease::~Lease() {
  if (pool_ && connection_) pool_->give_back(std::move(connection_));
}

std::optional<Pool::Lease> Pool::lease() {
  {
    std::lock_guard lock(mutex_);
    if (!idle_.empty()) {
      auto connection = std::move(idle_.back());
      idle_.pop_back();
      return Lease(*this, std::move(connection));
    }
    if (std::chrono::steady_clock::now() < retry_after_) return std::nullopt;
  }
  try {
    auto connection = std::make_unique<Connection>(settings_);
    std::lock_guard lock(mutex_);
    healthy_ = true;
    return Lease(*this, std::move(connection));
  } catch (const Error& e) {
    note_failure(e.what());
    std::lock_guard lock(mutex_);
    retry_after_ = std::chrono::steady_clock::now() + backoff_;
    return std::nullopt;
  }
}

void Pool::give_back(std::unique_ptr<Connection> connection) {
  std::lock_guard lock(mutex_);
  if (idle_.size() < max_idle_) idle_.push_back(std::move(connection));
}

void Pool::note_failure(const std::string& reason) {
  std::lock_guard lock(mutex_);
  if (healthy_ || reason != last_error_) spdlog::warn("redis: {}", reason);
  healthy_ = false;
  last_error_ = reason;
}

bool Pool::healthy() const {
  std::lock_guard lock(mutex_);
  return healthy_;
}

std::string Pool::last_error() const {
  std::lock_guard lock(mutex_);
  return last_error_;
}

}  // namespace nf::redis
