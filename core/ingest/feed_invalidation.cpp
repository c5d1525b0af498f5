#include "core/ingest/feed_invalidation.hpp"

#include <spdlog/spdlog.h>

#include "core/error/error.hpp"
#include "core/redis/keys.hpp"

namespace nf::ingest {


FeedInvalidator::FeedInvalidator(redis::Settings settings) : settings_(std::move(settings)) {}

size_t FeedInvalidator::invalidate(const std::set<uint64_t>& users) {
  if (users.empty()) return 0;
  const auto now = std::chrono::steady_clock::now();
  if (!connection_ && now < retry_after_) {
    spdlog::warn("ingest: Redis still unavailable; {} cached feeds not invalidated (they expire within 120 s)",
                 users.size());
    return 0;
  }
  size_t sent = 0;
  try {
    if (!connection_) connection_ = std::make_unique<redis::Connection>(settings_);
    for (const auto user : users) {
      const std::string key = redis::feed_key(user);
      connection_->command({"DEL", key});
      ++sent;
    }
  } catch (const Error& e) {
    connection_.reset();
    retry_after_ = now + std::chrono::seconds(5);
    spdlog::warn("ingest: {} of {} cached feeds not invalidated (they expire within 120 s): {}", users.size() - sent,
                 users.size(), e.what());
  }
  return sent;
}

}  // namespace nf::ingest
