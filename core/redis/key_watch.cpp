#include "core/redis/key_watch.hpp"

#include "core/error/error.hpp"

namespace nf::redis {

namespace {

constexpr std::string_view kChannel = "__redis__:invalidate";

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
    : handlers_(std::move(handlers)),
      subscription_(
          std::move(settings), std::string(kChannel), "cache watch of " + prefix + "*",
          {.on_message = {},
           .on_reset = [this] { handlers_.on_reset(); },
           .on_push =
               [this](const redisReply& message) {
                 const auto keys = invalidated_keys(message);
                 if (!keys) return handlers_.on_reset();
                 for (const auto& key : *keys) handlers_.on_key(key);
               }},
          {.retry = retry,
           .before_subscribe =
               [prefix](Connection& connection) {
                 const Reply id = connection.command({"CLIENT", "ID"});
                 if (id->type != REDIS_REPLY_INTEGER)
                   fail_check("Redis answered CLIENT ID with something else than a number");
                 connection.command(
                     {"CLIENT", "TRACKING", "ON", "REDIRECT", std::to_string(id->integer), "BCAST", "PREFIX", prefix});
               },
           .thread_name = "nf-key-watch"}) {}

}  // namespace nf::redis
