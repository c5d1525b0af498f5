#include "core/redis/client.hpp"

#include <poll.h>
#include <sys/time.h>

#include <cerrno>
#include <cstring>

#include <vector>

#include "core/error/error.hpp"
#include "core/metrics/dependency_metrics.hpp"

namespace nf::redis {
namespace {

timeval to_timeval(long ms) {
  timeval tv;
  tv.tv_sec = ms / 1000;
  tv.tv_usec = (ms % 1000) * 1000;
  return tv;
}

// hiredis's argv form: pointers and lengths of binary-safe arguments.
template <typename Args>
std::pair<std::vector<const char*>, std::vector<size_t>> argv_of(const Args& args) {
  std::pair<std::vector<const char*>, std::vector<size_t>> argv;
  for (const auto& arg : args) {
    argv.first.push_back(arg.data());
    argv.second.push_back(arg.size());
  }
  return argv;
}

}  // namespace

Settings settings_from(const config::Config& config) {
  Settings s;
  const auto& url = config.values.at("redis.url");
  auto endpoint = parse_url(url.value);
  if (!endpoint) fail_usage("redis.url (from " + url.origin + "): " + endpoint.error());
  s.endpoint = std::move(*endpoint);
  s.timeout_ms = config.get_int("redis.timeout_ms");
  return s;
}

Connection::Connection(const Settings& settings) : settings_(settings) {
  const metrics::DependencyTimer timed(metrics::Dependency::redis);  // a failed connect counts as an error
  const timeval timeout = to_timeval(settings_.timeout_ms);
  context_.reset(redisConnectWithTimeout(settings_.endpoint.host.c_str(), settings_.endpoint.port, timeout));
  if (!context_) fail_unreachable("Redis at " + describe(settings_.endpoint) + ": cannot allocate a connection");
  if (context_->err)
    fail_unreachable("Redis at " + describe(settings_.endpoint) + " is unreachable: " + context_->errstr);
  // Bounds every later read and write too.
  redisSetTimeout(context_.get(), timeout);
  if (!settings_.endpoint.password.empty()) {
    if (settings_.endpoint.user.empty()) command({"AUTH", settings_.endpoint.password});
    else command({"AUTH", settings_.endpoint.user, settings_.endpoint.password});
  }
  if (settings_.endpoint.db != 0) select_database();
}

void Connection::select_database() {
  const std::string db = std::to_string(settings_.endpoint.db);
  try {
    command({"SELECT", db});
  } catch (const Error& e) {
    // Redis Cluster has database 0 only: "ERR SELECT is not allowed in cluster mode".
    if (std::string_view(e.what()).find("cluster mode") == std::string_view::npos) throw;
    Endpoint database_zero = settings_.endpoint;
    database_zero.db = 0;
    fail_usage("redis.url names database " + db + ", but Redis at " + describe(settings_.endpoint) +
               " is a Redis Cluster node, which has database 0 only: use redis://" + describe(database_zero));
  }
}

Reply Connection::command(std::initializer_list<std::string_view> args) {
  const auto [argv, lengths] = argv_of(args);
  return send(argv, lengths);
}

Reply Connection::command(const std::vector<std::string>& args) {
  const auto [argv, lengths] = argv_of(args);
  return send(argv, lengths);
}

Reply Connection::send(const std::vector<const char*>& argv, const std::vector<size_t>& lengths) {
  const std::string name = argv.empty() ? "" : std::string(argv[0], lengths[0]);
  const metrics::DependencyTimer timed(metrics::Dependency::redis);  // a throw below counts as an error
  Reply reply(static_cast<redisReply*>(
      redisCommandArgv(context_.get(), static_cast<int>(argv.size()), const_cast<const char**>(argv.data()), lengths.data())));
  if (!reply) {
    std::string reason = context_->errstr;
    // hiredis reports a read timeout as EAGAIN's text.
    if (reason == "Resource temporarily unavailable")
      reason = "no answer within " + std::to_string(settings_.timeout_ms) + " ms (redis.timeout_ms)";
    fail_unreachable("Redis at " + describe(settings_.endpoint) + " is unreachable: " + name + ": " + reason);
  }
  if (reply->type == REDIS_REPLY_ERROR)
    fail_check("Redis at " + describe(settings_.endpoint) + " refused " + name + ": " +
               std::string(reply->str, reply->len));
  return reply;
}

std::vector<Reply> Connection::pipeline(const std::vector<std::vector<std::string>>& commands) {
  const auto broken = [&](const std::string& what) {
    std::string reason = context_->errstr;
    if (reason == "Resource temporarily unavailable")
      reason = "no answer within " + std::to_string(settings_.timeout_ms) + " ms (redis.timeout_ms)";
    fail_unreachable("Redis at " + describe(settings_.endpoint) + " is unreachable: " + what + ": " + reason);
  };
  const metrics::DependencyTimer timed(metrics::Dependency::redis);  // one round trip; a throw counts as an error
  for (const auto& args : commands) {
    const auto [argv, lengths] = argv_of(args);
    if (redisAppendCommandArgv(context_.get(), static_cast<int>(argv.size()), const_cast<const char**>(argv.data()),
                               lengths.data()) != REDIS_OK)
      broken("queueing a pipelined " + (args.empty() ? std::string() : args.front()));
  }
  std::vector<Reply> replies;
  replies.reserve(commands.size());
  for (size_t i = 0; i < commands.size(); ++i) {
    void* raw = nullptr;
    if (redisGetReply(context_.get(), &raw) != REDIS_OK || !raw)
      broken("reply " + std::to_string(i + 1) + " of a pipeline of " + std::to_string(commands.size()));
    replies.emplace_back(static_cast<redisReply*>(raw));
  }
  return replies;
}

Reply Connection::next_pushed(std::chrono::milliseconds wait) {
  const auto broken = [&] {
    fail_unreachable("Redis at " + describe(settings_.endpoint) + " is unreachable: " + context_->errstr);
  };
  void* raw = nullptr;
  if (redisGetReplyFromReader(context_.get(), &raw) != REDIS_OK) broken();
  if (raw) return Reply(static_cast<redisReply*>(raw));
  pollfd ready{context_->fd, POLLIN, 0};
  const int polled = ::poll(&ready, 1, static_cast<int>(wait.count()));
  if (polled < 0 && errno != EINTR)
    fail_unreachable("Redis at " + describe(settings_.endpoint) + ": poll failed: " + std::strerror(errno));
  if (polled <= 0) return nullptr;
  if (redisBufferRead(context_.get()) != REDIS_OK) broken();
  if (redisGetReplyFromReader(context_.get(), &raw) != REDIS_OK) broken();
  return Reply(static_cast<redisReply*>(raw));
}

void Connection::ping() {
  const Reply reply = command({"PING"});
  const std::string_view answer(reply->str ? reply->str : "", reply->str ? reply->len : 0);
  if (answer != "PONG") fail_check("Redis at " + describe(settings_.endpoint) + " answered PING with '" + std::string(answer) + "'");
}

std::map<std::string, std::string> Connection::info(std::string_view section) {
  const Reply reply = command({"INFO", section});
  if (reply->type != REDIS_REPLY_STRING)
    fail_check("Redis at " + describe(settings_.endpoint) + " answered INFO with a non-string reply");
  return parse_info(std::string_view(reply->str, reply->len));
}

std::string Connection::server_version() {
  const auto fields = info("server");
  const auto it = fields.find("redis_version");
  if (it == fields.end()) fail_check("Redis at " + describe(settings_.endpoint) + ": INFO server has no redis_version");
  return it->second;
}

size_t unlink_matching(Connection& connection, std::string_view pattern) {
  size_t deleted = 0;
  std::string cursor = "0";
  do {
    const Reply reply = connection.command({"SCAN", cursor, "MATCH", pattern, "COUNT", "1000"});
    if (reply->type != REDIS_REPLY_ARRAY || reply->elements != 2 || reply->element[0]->type != REDIS_REPLY_STRING ||
        reply->element[1]->type != REDIS_REPLY_ARRAY)
      fail_check("Redis at " + describe(connection.settings().endpoint) + " answered SCAN with an unexpected reply");
    cursor.assign(reply->element[0]->str, reply->element[0]->len);
    std::vector<std::vector<std::string>> unlinks;
    const auto* keys = reply->element[1];
    for (size_t i = 0; i < keys->elements; ++i)
      unlinks.push_back({"UNLINK", std::string(keys->element[i]->str, keys->element[i]->len)});
    for (const auto& answer : connection.pipeline(unlinks))
      if (answer->type == REDIS_REPLY_INTEGER) deleted += static_cast<size_t>(answer->integer);
  } while (cursor != "0");
  return deleted;
}

std::map<std::string, std::string> parse_info(std::string_view text) {
  std::map<std::string, std::string> fields;
  while (!text.empty()) {
    const auto end = text.find('\n');
    std::string_view line = text.substr(0, end);
    text = end == std::string_view::npos ? std::string_view() : text.substr(end + 1);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.empty() || line.front() == '#') continue;
    const auto colon = line.find(':');
    if (colon == std::string_view::npos) continue;
    fields.emplace(std::string(line.substr(0, colon)), std::string(line.substr(colon + 1)));
  }
  return fields;
}

}  // namespace nf::redis
