#pragma once
// A blocking Redis connection (hiredis) with the configured timeout on connect and on
// every command. Failures become nf::Error kinds: a connection that cannot be made or
// breaks is "unreachable" (exit 3); an error reply is "check_failed" with Redis's text.

#include <chrono>
#include <initializer_list>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <hiredis/hiredis.h>

#include "core/config/config.hpp"
#include "core/redis/url.hpp"

namespace nf::redis {

struct Settings {
  Endpoint endpoint;
  long timeout_ms = 500;
};

// Throws nf::Error(usage) naming redis.url and where it came from when it does not parse.
Settings settings_from(const config::Config& config);

struct ReplyFree {
  void operator()(redisReply* reply) const { freeReplyObject(reply); }
};
using Reply = std::unique_ptr<redisReply, ReplyFree>;

class Connection {
 public:
  // Connects, then AUTH and SELECT as the URL says; throws nf::Error(unreachable).
  explicit Connection(const Settings& settings);

  // Sends one command (binary-safe arguments). After an I/O error or timeout the
  // connection is unusable: open a new one.
  Reply command(std::initializer_list<std::string_view> args);
  // The same with a number of arguments known only at run time (EVAL with a batch of keys).
  Reply command(const std::vector<std::string>& args);

  // Sends every command, then reads every reply: one round trip for a batch (the jobs
  // write thousands of keys). An error reply is returned in place, not thrown, so one
  // refused command does not hide the others' results; a broken connection throws
  // nf::Error(unreachable). Each command names its own key, so a batch stays valid on
  // Redis Cluster (no multi-key command across users).
  std::vector<Reply> pipeline(const std::vector<std::vector<std::string>>& commands);

  // For a connection in subscribed mode: the next message Redis pushes, or null when none
  // came within `wait` (the connection stays usable; a plain read timeout would break it).
  // Throws nf::Error(unreachable) when the connection breaks.
  Reply next_pushed(std::chrono::milliseconds wait);

  void ping();
  // INFO <section> as key → value ("redis_version" → "7.0.15").
  std::map<std::string, std::string> info(std::string_view section);
  // redis_version from INFO server.
  std::string server_version();

  const Settings& settings() const { return settings_; }

 private:
  Reply send(const std::vector<const char*>& argv, const std::vector<size_t>& lengths);
  // SELECT redis.url's database; a Redis Cluster node (database 0 only) refusing it is a
  // usage error that says to use /0.
  void select_database();
  struct ContextFree {
    void operator()(redisContext* context) const { redisFree(context); }
  };
  Settings settings_;
  std::unique_ptr<redisContext, ContextFree> context_;
};

// Deletes every key matching `pattern` (SCAN MATCH, then one UNLINK per key, pipelined:
// valid on Redis Cluster, never blocks the server like KEYS). Returns how many went.
size_t unlink_matching(Connection& connection, std::string_view pattern);

// Parses the text INFO returns ("# Server\r\nredis_version:7.0.15\r\n...").
std::map<std::string, std::string> parse_info(std::string_view text);

}  // namespace nf::redis
