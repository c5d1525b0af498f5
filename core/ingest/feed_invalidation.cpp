#include "core/ingest/feed_invalidation.hpp"

#include <algorithm>
#include <vector>

#include <spdlog/spdlog.h>

#include "core/error/error.hpp"
#include "core/redis/keys.hpp"

namespace nf::ingest {

FeedInvalidator::FeedInvalidator(redis::Settings settings) : settings_(std::move(settings)) {}

size_t FeedInvalidator::invalidate(const std::set<uint64_t>& users, std::set<uint64_t>* existed) {
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
    std::vector<std::vector<std::string>> batch;
    batch.reserve(std::min(users.size(), kBatch));
    for (auto it = users.begin(); it != users.end();) {
      batch.clear();
      auto user = it;  // the batch's first user: the replies come in the batch's order
      for (; it != users.end() && batch.size() < kBatch; ++it) batch.push_back({"UNLINK", redis::feed_key(*it)});
      size_t refused = 0;
      std::string refusal;
      for (const auto& reply : connection_->pipeline(batch)) {
        const uint64_t user_id = *user++;
        if (reply->type != REDIS_REPLY_ERROR) {
          ++sent;
          if (existed && reply->type == REDIS_REPLY_INTEGER && reply->integer > 0) existed->insert(user_id);
        } else if (refused++ == 0) {
          refusal.assign(reply->str, reply->len);
        }
      }
      // Once per round trip, not once per key: a refusal is usually the same for all.
      if (refused > 0)
        spdlog::warn("ingest: Redis refused {} of {} UNLINKs of cached feeds (they expire within 120 s): {}", refused,
                     batch.size(), refusal);
    }
    if (users.size() >= kBatch)  // a popular author's post: worth a line (bench/invalidation reads it)
      spdlog::info("ingest: invalidated {} cached feeds in {:.0f} ms", sent,
                   std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - now).count());
  } catch (const Error& e) {
    connection_.reset();
    retry_after_ = now + std::chrono::seconds(5);
    spdlog::warn("ingest: {} of {} cached feeds not invalidated (they expire within 120 s): {}", users.size() - sent,
                 users.size(), e.what());
  }
  return sent;
}

void ReinvalidationQueue::push(Clock::time_point now, const std::set<uint64_t>& users,
                               const std::set<uint64_t>& refresh) {
  if (delay_.count() <= 0 || users.empty()) return;
  pending_.push_back({now + delay_, {users, refresh}});
}

ReinvalidationQueue::Due ReinvalidationQueue::take_due(Clock::time_point now, bool everything) {
  Due due;
  while (!pending_.empty() && (everything || pending_.front().due <= now)) {
    due.users.merge(pending_.front().work.users);
    due.refresh.merge(pending_.front().work.refresh);
    pending_.pop_front();
  }
  return due;
}

}  // namespace nf::ingest
