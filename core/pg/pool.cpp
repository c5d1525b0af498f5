#include "core/pg/pool.hpp"

#include "core/error/error.hpp"

namespace nf::pg {

Pool::Pool(Settings settings, PoolOptions options) : settings_(std::move(settings)), options_(options) {}

std::unique_ptr<pqxx::connection> Pool::take() {
  {
    std::lock_guard lock(mutex_);
    if (!idle_.empty()) {
      auto connection = std::move(idle_.back());
      idle_.pop_back();
      return connection;
    }
    if (std::chrono::steady_clock::now() < retry_after_)
      fail_unreachable("PostgreSQL at " + describe(settings_) + " is unreachable (" + last_error_ +
                       "); not retrying for a moment (is it running? `scripts/stack status`)");
  }
  try {
    auto connection = connect(settings_);  // throws nf::Error(unreachable)
    pqxx::nontransaction tx(*connection);
    tx.exec("SET statement_timeout = " + std::to_string(options_.statement_timeout.count()));
    tx.commit();
    return connection;
  } catch (const std::exception& e) {
    std::lock_guard lock(mutex_);
    retry_after_ = std::chrono::steady_clock::now() + options_.backoff;
    last_error_ = e.what();
    if (const auto* error = dynamic_cast<const Error*>(&e)) throw *error;
    fail_unreachable("PostgreSQL at " + describe(settings_) + ": cannot prepare a connection: " + e.what());
  }
}

void Pool::give_back(std::unique_ptr<pqxx::connection> connection) {
  std::lock_guard lock(mutex_);
  last_error_.clear();
  if (idle_.size() < options_.max_idle) idle_.push_back(std::move(connection));
}

void Pool::fail(const std::exception& e) {
  std::string reason = e.what();
  while (!reason.empty() && (reason.back() == '\n' || reason.back() == ' ')) reason.pop_back();
  {
    std::lock_guard lock(mutex_);
    last_error_ = reason;
  }
  if (const auto* error = dynamic_cast<const Error*>(&e)) throw *error;
  if (dynamic_cast<const pqxx::broken_connection*>(&e))
    fail_unreachable("PostgreSQL at " + describe(settings_) + " dropped the connection: " + reason +
                     " (is it running? `scripts/stack status`)");
  fail_check("PostgreSQL at " + describe(settings_) + ": " + reason);
}

std::string Pool::last_error() const {
  std::lock_guard lock(mutex_);
  return last_error_;
}

}  // namespace nf::pg
