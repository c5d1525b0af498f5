#include "core/redis/key_watch.hpp"

#include <spdlog/spdlog.h>

#include "core/error/error.hpp"
#include "core/process/thread_name.hpp"

namespace nf::redis {

namespace {

constexpr std::string_view kChannel = "__redis__:invalidate";
constexpr auto kPollSlice = std::chrono::milliseconds(200);  // how soon stop is noticed

std::string_view text_of(const redisReply& reply) {
  return reply.str ? std::string_view(reply.str, reply.len) : std::string_view();
}

}  // namespace

std::optional<std::vector<std::string>> invalidated_keys(const redisReply& message) {
  std::vector<std::string> keys;
  if (message.type != REDIS_REPLY_ARRAY || message.elements != 3) return keys;
  if (text_of(*message.element[0]) != "message" || text_of(*message.element[1]) != kChannel) return keys;
  const auto& payload = *message.element[2];
  if (payload.type == REDIS_REPLY_NIL) return std::nullopt;  // FLUSHALL / FLUSHDB
  if (payload.type == REDIS_REPLY_ARRAY)
    for (size_t i = 0; i < payload.elements; ++i) keys.emplace_back(text_of(*payload.element[i]));
  else if (payload.type == REDIS_REPLY_STRING)
    keys.emplace_back(text_of(payload));
  return keys;
}

KeyWatch::KeyWatch(Settings settings, std::string prefix, Handlers handlers, std::chrono::milliseconds retry)
    : settings_(std::move(settings)), prefix_(std::move(prefix)), handlers_(std::move(handlers)), retry_(retry) {
  thread_ = std::thread([this] {
    process::name_this_thread("nf-key-watch");
    run();
  });
}

KeyWatch::~KeyWatch() {
  stop_ = true;
  if (thread_.joinable()) thread_.join();
}

void KeyWatch::run() {
  bool outage_logged = false;
  while (!stop_) {
    try {
      watch_once();
      outage_logged = false;
    } catch (const std::exception& e) {
      if (connected_.exchange(false, std::memory_order_acq_rel)) {
        handlers_.on_reset();
        spdlog::warn("cache watch: lost Redis ({}); in-process cached feeds dropped and not kept until it is back",
                     e.what());
        outage_logged = true;
      } else if (!outage_logged) {
        spdlog::warn("cache watch: cannot watch Redis ({}); feeds are read from Redis on every request until it can",
                     e.what());
        outage_logged = true;
      }
    }
    for (auto waited = std::chrono::milliseconds(0); !stop_ && waited < retry_; waited += kPollSlice)
      std::this_thread::sleep_for(kPollSlice);
  }
  if (connected_.exchange(false)) handlers_.on_reset();
}

void KeyWatch::watch_once() {
  Connection connection(settings_);
  const Reply id = connection.command({"CLIENT", "ID"});
  if (id->type != REDIS_REPLY_INTEGER) fail_check("Redis answered CLIENT ID with something else than a number");
  connection.command({"CLIENT", "TRACKING", "ON", "REDIRECT", std::to_string(id->integer), "BCAST", "PREFIX", prefix_});
  connection.command({"SUBSCRIBE", kChannel});
  // From here every change is seen; what was kept before may be stale.
  handlers_.on_reset();
  connected_.store(true, std::memory_order_release);
  spdlog::info("cache watch: watching Redis keys {}* for changes", prefix_);
  while (!stop_) {
    const Reply message = connection.next_pushed(kPollSlice);
    if (message) handle(*message);
  }
}

void KeyWatch::handle(const redisReply& message) {
  const auto keys = invalidated_keys(message);
  if (!keys) return handlers_.on_reset();
  for (const auto& key : *keys) handlers_.on_key(key);
}

}  // namespace nf::redis
