#pragma once
// Best-effort reads of the discover caches in Redis (hot:posts:*, suggest:users:*). SPEC §4:
// Redis down → compute without cache, so nothing here throws for Redis.

#include <cstdint>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "core/redis/pool.hpp"

namespace nf::discover {

// The JSON stored at `key`; nullopt when the key is missing, Redis is down (the pool logs
// that), or the value is not JSON (logged here with the key, then ignored so the caller
// computes live).
std::optional<nlohmann::json> read_cached_json(redis::Pool& redis, const std::string& key);

// SET key <json> EX ttl_s; false (already logged by the pool) when Redis is down. For the
// writers of these keys (the jobs).
bool write_cached_json(redis::Pool& redis, const std::string& key, const nlohmann::json& value, int64_t ttl_s);

}  // namespace nf::discover
