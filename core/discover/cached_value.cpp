#include "core/discover/cached_value.hpp"

#include <spdlog/spdlog.h>

namespace nf::discover {

std::optional<nlohmann::json> read_cached_json(redis::Pool& redis, const std::string& key) {
  auto text = redis.try_with([&](redis::Connection& connection) -> std::optional<std::string> {
    auto reply = connection.command({"GET", key});
    if (reply->type != REDIS_REPLY_STRING) return std::nullopt;  // nil: not written yet or expired
    return std::string(reply->str, reply->len);
  });
  if (!text || !*text) return std::nullopt;
  auto json = nlohmann::json::parse(**text, nullptr, /*allow_exceptions=*/false);
  if (json.is_discarded()) {
    spdlog::warn("redis: {} holds a value that is not JSON; ignoring it and computing live", key);
    return std::nullopt;
  }
  return json;
}

bool write_cached_json(redis::Pool& redis, const std::string& key, const nlohmann::json& value, int64_t ttl_s) {
  const std::string text = value.dump();
  const std::string ttl = std::to_string(ttl_s);
  const auto stored = redis.try_with([&](redis::Connection& connection) {
    return connection.command({"SET", key, text, "EX", ttl}) != nullptr;
  });
  return stored.value_or(false);
}

}  // namespace nf::discover
