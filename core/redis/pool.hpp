#pragma once
// Redis connections shared by serve's worker threads. A worker leases a connection for
// one short exchange and gives it back; a connection that failed is dropped, not
// returned. After a failure to connect, no new connection is tried for `backoff`, so a
// Redis outage costs a request nothing but a fast "unavailable" (SPEC §4: Redis down →
// compute without cache) instead of a connect timeout each time.

#include <chrono>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "core/redis/client.hpp"

namespace nf::redis {

class Pool {
 public:
  explicit Pool(Settings settings, size_t max_idle = 32,
                std::chrono::milliseconds backoff = std::chrono::milliseconds(1000));

  class Lease {
   public:
    Lease(Pool& pool, std::unique_ptr<Connection> connection) : pool_(&pool), connection_(std::move(connection)) {}
    Lease(Lease&&) noexcept = default;
    Lease& operator=(Lease&&) noexcept = default;
    ~Lease();
    Connection& operator*() const { return *connection_; }
    Connection* operator->() const { return connection_.get(); }
    // Call after an nf::Error from the connection: it is closed instead of reused.
    void discard() { connection_.reset(); }

   private:
    Pool* pool_;
    std::unique_ptr<Connection> connection_;
  };

  // A connection, or nullopt while Redis is known to be down (within the backoff after a
  // failed connect). Never throws for an unreachable Redis; the reason is in last_error().
  std::optional<Lease> lease();

  // Runs `fn(Connection&)`; on nf::Error the connection is discarded and nullopt is
  // returned (the error is kept in last_error()). For best-effort cache reads and writes.
  template <typename Fn>
  auto try_with(Fn&& fn) -> std::optional<decltype(fn(std::declval<Connection&>()))>;

  // False while the last attempt (connect or command) failed.
  bool healthy() const;
  std::string last_error() const;
  const Settings& settings() const { return settings_; }

 private:
  friend class Lease;
  void give_back(std::unique_ptr<Connection> connection);
  void note_failure(const std::string& reason);

  Settings settings_;
  size_t max_idle_;
  std::chrono::milliseconds backoff_;
  mutable std::mutex mutex_;
  std::vector<std::unique_ptr<Connection>> idle_;
  std::chrono::steady_clock::time_point retry_after_{};
  bool healthy_ = true;
  std::string last_error_;
};

template <typename Fn>
auto Pool::try_with(Fn&& fn) -> std::optional<decltype(fn(std::declval<Connection&>()))> {
  auto connection = lease();
  if (!connection) return std::nullopt;
  try {
    auto result = fn(**connection);
    {
      std::lock_guard lock(mutex_);
      healthy_ = true;
    }
    return result;
  } catch (const std::exception& e) {
    connection->discard();
    note_failure(e.what());
    return std::nullopt;
  }
}

}  // namespace nf::redis
