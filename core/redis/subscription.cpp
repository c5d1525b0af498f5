#include "core/redis/subscription.hpp"

#include <spdlog/spdlog.h>

#include "core/process/thread_name.hpp"

namespace nf::redis {

namespace {

constexpr auto kPollSlice = std::chrono::milliseconds(200);  // how soon stop is noticed

std::string_view text_of(const redisReply& reply) {
  return reply.str ? std::string_view(reply.str, reply.len) : std::string_view();
}

}  // namespace

std::optional<std::string_view> message_payload(const redisReply& message, std::string_view channel) {
  if (message.type != REDIS_REPLY_ARRAY || message.elements != 3) return std::nullopt;
  if (text_of(*message.element[0]) != "message" || text_of(*message.element[1]) != channel) return std::nullopt;
  if (message.element[2]->type != REDIS_REPLY_STRING) return std::nullopt;
  return text_of(*message.element[2]);
}

Subscription::Subscription(Settings settings, std::string channel, std::string what, Handlers handlers,
                           Options options)
    : settings_(std::move(settings)),
      channel_(std::move(channel)),
      what_(std::move(what)),
      handlers_(std::move(handlers)),
      options_(std::move(options)) {
  thread_ = std::thread([this] {
    process::name_this_thread(options_.thread_name);
    run();
  });
}

Subscription::Subscription(Settings settings, std::string channel, std::string what, Handlers handlers)
    : Subscription(std::move(settings), std::move(channel), std::move(what), std::move(handlers), Options{}) {}

Subscription::~Subscription() {
  stop_ = true;
  if (thread_.joinable()) thread_.join();
}

void Subscription::run() {
  bool outage_logged = false;
  while (!stop_) {
    try {
      listen_once();
      outage_logged = false;
    } catch (const std::exception& e) {
      if (connected_.exchange(false, std::memory_order_acq_rel)) {
        handlers_.on_reset();
        spdlog::warn("{}: lost Redis ({}); not relied on until it is back", what_, e.what());
        outage_logged = true;
      } else if (!outage_logged) {
        spdlog::warn("{}: cannot subscribe to Redis channel {} ({}); not relied on until it can", what_, channel_,
                     e.what());
        outage_logged = true;
      }
    }
    for (auto waited = std::chrono::milliseconds(0); !stop_ && waited < options_.retry; waited += kPollSlice)
      std::this_thread::sleep_for(kPollSlice);
  }
  if (connected_.exchange(false)) handlers_.on_reset();
}

void Subscription::listen_once() {
  Connection connection(settings_);
  if (options_.before_subscribe) options_.before_subscribe(connection);
  connection.command({"SUBSCRIBE", channel_});
  // From here every message is heard; what was derived before may be stale.
  handlers_.on_reset();
  connected_.store(true, std::memory_order_release);
  spdlog::info("{}: listening on Redis channel {}", what_, channel_);
  while (!stop_) {
    const Reply message = connection.next_pushed(kPollSlice);
    if (!message) continue;
    if (handlers_.on_push)
      handlers_.on_push(*message);
    else if (const auto payload = message_payload(*message, channel_))
      handlers_.on_message(*payload);
  }
}

}  // namespace nf::redis
