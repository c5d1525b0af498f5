#pragma once
// A small thread-safe pool of PostgreSQL connections for serve's worker threads (the
// feed's timeline fallback). A worker leases a connection for one statement and gives it
// back; a connection that failed is closed, never reused. Every connection gets a
// statement_timeout, so a stuck PostgreSQL cannot hold a request longer than that.
// After a failed connect, no new connect is tried for `backoff`: while PostgreSQL is
// down a request fails fast instead of paying a connect timeout each time.

#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <pqxx/pqxx>

#include "core/metrics/dependency_metrics.hpp"
#include "core/pg/connection.hpp"

namespace nf::pg {

struct PoolOptions {
  size_t max_idle = 8;
  std::chrono::milliseconds statement_timeout{2000};
  std::chrono::milliseconds backoff{1000};
};

class Pool {
 public:
  explicit Pool(Settings settings, PoolOptions options = {});

  // Runs `fn(pqxx::connection&)` on a leased connection and returns what it returns.
  // Throws nf::Error(unreachable) when PostgreSQL cannot be reached (or within the
  // backoff after that) or the connection breaks, nf::Error(check_failed) for a failed
  // statement (e.g. the statement timeout), naming the server either way.
  template <typename Fn>
  auto with(Fn&& fn) -> decltype(fn(std::declval<pqxx::connection&>()));

  // The error of the last failed connect or statement ("" when the last one succeeded).
  std::string last_error() const;

 private:
  std::unique_ptr<pqxx::connection> take();
  void give_back(std::unique_ptr<pqxx::connection> connection);
  [[noreturn]] void fail(const std::exception& e);

  Settings settings_;
  PoolOptions options_;
  mutable std::mutex mutex_;
  std::vector<std::unique_ptr<pqxx::connection>> idle_;
  std::chrono::steady_clock::time_point retry_after_{};
  std::string last_error_;
};

template <typename Fn>
auto Pool::with(Fn&& fn) -> decltype(fn(std::declval<pqxx::connection&>())) {
  const metrics::DependencyTimer timed(metrics::Dependency::postgres);  // a throw counts as an error
  auto connection = take();
  try {
    if constexpr (std::is_void_v<decltype(fn(*connection))>) {
      fn(*connection);
      give_back(std::move(connection));
    } else {
      auto result = fn(*connection);
      give_back(std::move(connection));
      return result;
    }
  } catch (const std::exception& e) {
    fail(e);  // the connection is dropped with `connection`
  }
}

}  // namespace nf::pg
