#pragma once
// Tells this process when any key under a prefix changes in Redis, whoever changed it (an
// ingest DEL, another instance's SET, an expiry, a FLUSHALL): Redis 7 server-assisted
// client-side caching in broadcasting mode. One connection of its own does
//   CLIENT TRACKING ON REDIRECT <its own id> BCAST PREFIX <prefix>
//   SUBSCRIBE __redis__:invalidate
// and a thread reads the invalidation messages (a redis::Subscription whose connection
// turns tracking on before it subscribes). Every instance of novafeed holds its own watch,
// so a change made anywhere reaches all of them.
//
// What it cannot see, it says: while the connection is down, changes are missed, so
// on_reset runs when the watch is lost and again when it is back (the holder drops all it
// kept), and connected() is false in between (the holder keeps nothing meanwhile).

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/redis/client.hpp"
#include "core/redis/subscription.hpp"

namespace nf::redis {

class KeyWatch {
 public:
  struct Handlers {
    std::function<void(std::string_view key)> on_key;  // that key changed (or expired)
    std::function<void()> on_reset;                    // anything may have changed
  };

  // Starts the thread; the first connection is tried at once, then every `retry` while
  // Redis is unreachable (logged once per outage, not per try).
  KeyWatch(Settings settings, std::string prefix, Handlers handlers,
           std::chrono::milliseconds retry = std::chrono::milliseconds(1000));
  KeyWatch(const KeyWatch&) = delete;
  KeyWatch& operator=(const KeyWatch&) = delete;

  // True while invalidations are flowing: what the holder kept since this became true is
  // still right, up to the messages in flight.
  bool connected() const { return subscription_.connected(); }

 private:
  Handlers handlers_;
  Subscription subscription_;  // last: its thread calls handlers_
};

// The keys of one __redis__:invalidate message (RESP2: ["message", channel, [keys] | nil]);
// nullopt for a flush (every key), an empty list for a message that is not an
// invalidation (the subscribe confirmation, a pong).
std::optional<std::vector<std::string>> invalidated_keys(const redisReply& message);

}  // namespace nf::redis
