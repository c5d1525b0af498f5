// The stores the feed reads: ClickHouse (analytics) and Redis (caches).

#include "core/clickhouse/client.hpp"
#include "core/doctor/checks.hpp"
#include "core/redis/client.hpp"

namespace nf::doctor {

std::vector<CheckResult> check_clickhouse(const config::Config& config) {
  try {
    const ch::Client client(ch::settings_from(config));
    const auto version = client.server_version();
    CheckResult result{"clickhouse", Status::ok, "ClickHouse " + version.text + " at " + client.settings().url, ""};
    result.figures = {{"version", version.text}, {"supports_ttl", ch::features_of(version).ttl}};
    return {result};
  } catch (const std::exception& e) {
    return {result_from_error("clickhouse", e,
                              "is ClickHouse running? (locally `scripts/stack up clickhouse`); else check "
                              "clickhouse.url (`novafeed config --print`)")};
  }
}

std::vector<CheckResult> check_redis(const config::Config& config) {
  try {
    redis::Connection connection(redis::settings_from(config));
    connection.ping();
    const std::string version = connection.server_version();
    const auto& endpoint = connection.settings().endpoint;
    CheckResult result{"redis", Status::ok, "Redis " + version + " at " + redis::describe(endpoint), ""};
    result.figures = {{"version", version}, {"db", endpoint.db}};
    return {result};
  } catch (const std::exception& e) {
    return {result_from_error("redis", e,
                              "is Redis running? (locally `scripts/stack up redis`); else check redis.url "
                              "(`novafeed config --print`)")};
  }
}

}  // namespace nf::doctor
