#pragma once
// One pub/sub channel heard by this process: a connection of its own SUBSCRIBEs and a
// thread hands each message's payload to on_message. Every instance of novafeed holds its
// own, so a message published anywhere reaches all of them (on Redis Cluster too: PUBLISH
// reaches every node's subscribers).
//
// What it cannot hear, it says, as KeyWatch does: messages published while the
// connection is down are lost, so on_reset runs when the subscription is lost and again
// once it is back (the holder drops what it derived from the messages), and connected()
// is false in between.

#include <atomic>
#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <thread>

#include "core/redis/client.hpp"

namespace nf::redis {

class Subscription {
 public:
  struct Handlers {
    std::function<void(std::string_view payload)> on_message;
    std::function<void()> on_reset;  // messages may have been missed
    // Instead of on_message, when set: every message pushed on the connection as it came
    // (KeyWatch reads __redis__:invalidate, whose payload is a list of keys or nil).
    std::function<void(const redisReply& push)> on_push;
  };
  struct Options {
    std::chrono::milliseconds retry{1000};
    // Runs on each new connection before its SUBSCRIBE (KeyWatch turns tracking on there).
    std::function<void(Connection&)> before_subscribe;
    std::string thread_name = "nf-redis-sub";
  };

  // Starts the thread; the first connection is tried at once, then every `retry` while
  // Redis is unreachable (logged once per outage). `what` names it in the log.
  Subscription(Settings settings, std::string channel, std::string what, Handlers handlers, Options options);
  Subscription(Settings settings, std::string channel, std::string what, Handlers handlers);  // default Options
  ~Subscription();  // stops and joins
  Subscription(const Subscription&) = delete;
  Subscription& operator=(const Subscription&) = delete;

  // True while messages are flowing.
  bool connected() const { return connected_.load(std::memory_order_acquire); }
  const std::string& channel() const { return channel_; }

 private:
  void run();
  void listen_once();

  Settings settings_;
  std::string channel_;
  std::string what_;
  Handlers handlers_;
  Options options_;
  std::atomic<bool> stop_{false};
  std::atomic<bool> connected_{false};
  std::thread thread_;
};

// The payload of a ["message", channel, payload] push on `channel`; nullopt for anything
// else (the subscribe confirmation, another channel).
std::optional<std::string_view> message_payload(const redisReply& message, std::string_view channel);

}  // namespace nf::redis
