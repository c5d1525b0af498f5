#pragma once
// A small thread-safe, time-limited memory of computed values by key. Serve keeps a live
// trending list for feed.trending_memo_ms so that, while the Redis hot-posts key is
// missing, a burst of requests costs ClickHouse one query, not one each. The clock is
// injected so the expiry is unit tested without sleeping.

#include <chrono>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

namespace nf::discover {

inline std::chrono::steady_clock::time_point steady_now() { return std::chrono::steady_clock::now(); }

template <typename Value>
class Memo {
 public:
  using Clock = std::function<std::chrono::steady_clock::time_point()>;

  // `ttl` 0 (or negative) remembers nothing.
  explicit Memo(std::chrono::milliseconds ttl, Clock clock = steady_now) : ttl_(ttl), clock_(std::move(clock)) {}

  bool remembers() const { return ttl_.count() > 0; }

  // The value stored under `key` less than `ttl` ago.
  std::optional<Value> find(std::string_view key) const {
    if (ttl_.count() <= 0) return std::nullopt;
    std::lock_guard lock(mutex_);
    auto found = entries_.find(key);
    if (found == entries_.end() || clock_() - found->second.stored_at >= ttl_) return std::nullopt;
    return found->second.value;
  }

  void store(std::string_view key, Value value) {
    if (ttl_.count() <= 0) return;
    std::lock_guard lock(mutex_);
    entries_.insert_or_assign(std::string(key), Entry{std::move(value), clock_()});
  }

 private:
  struct Entry {
    Value value;
    std::chrono::steady_clock::time_point stored_at;
  };
  std::chrono::milliseconds ttl_;
  Clock clock_;
  mutable std::mutex mutex_;
  std::map<std::string, Entry, std::less<>> entries_;
};

}  // namespace nf::discover
