#include "core/ingest/count_changes.hpp"

#include <spdlog/spdlog.h>

#include "core/error/error.hpp"

namespace nf::ingest {

std::vector<std::string> changed_posts_messages(const std::set<uint64_t>& posts, size_t per_message) {
  std::vector<std::string> messages;
  size_t in_message = 0;
  for (const auto post : posts) {
    if (in_message == 0) messages.emplace_back();
    auto& message = messages.back();
    if (in_message) message += ' ';
    message += std::to_string(post);
    if (++in_message == per_message) in_message = 0;
  }
  return messages;
}

CountChangePublisher::CountChangePublisher(redis::Settings settings, std::string channel)
    : settings_(std::move(settings)), channel_(std::move(channel)) {}

bool CountChangePublisher::publish(const std::set<uint64_t>& posts) {
  if (posts.empty()) return true;
  return send(changed_posts_messages(posts, kPostsPerMessage), std::to_string(posts.size()) + " posts");
}

bool CountChangePublisher::send(const std::vector<std::string>& messages, const std::string& what) {
  const auto now = std::chrono::steady_clock::now();
  if (!connection_ && now < retry_after_) {
    spdlog::warn("ingest: Redis still unavailable; the count changes of {} not announced (serve re-reads its copy "
                 "within feed.engagement_refresh_ms)",
                 what);
    return false;
  }
  try {
    if (!connection_) connection_ = std::make_unique<redis::Connection>(settings_);
    std::vector<std::vector<std::string>> commands;
    commands.reserve(messages.size());
    for (const auto& message : messages) commands.push_back({"PUBLISH", channel_, message});
    for (const auto& reply : connection_->pipeline(commands))
      if (reply->type == REDIS_REPLY_ERROR) {
        spdlog::warn("ingest: Redis refused to publish on {}: {}", channel_, std::string(reply->str, reply->len));
        return false;
      }
    return true;
  } catch (const Error& e) {
    connection_.reset();
    retry_after_ = now + std::chrono::seconds(5);
    spdlog::warn("ingest: the count changes of {} not announced on {} (serve re-reads its copy within "
                 "feed.engagement_refresh_ms): {}",
                 what, channel_, e.what());
    return false;
  }
}

}  // namespace nf::ingest
