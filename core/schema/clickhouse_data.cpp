#include "core/schema/clickhouse_data.hpp"

#include <algorithm>

#include "core/clickhouse/client.hpp"
#include "core/error/error.hpp"

namespace nf::schema {

namespace {

constexpr long kTruncateTimeoutMs = 60000;  // dropping every part of a large table

}  // namespace

const std::vector<std::string>& clickhouse_data_tables() {
  static const std::vector<std::string> tables = {
      "users",           "follows",         "posts",       "likes",    "comments", "events",
      "post_metrics_1h", "post_metrics_1d", "user_author_90d", "user_seen", "posts_by_author", "backfill_checkpoints",
      "event_keys",      "post_counts",     "user_author_counts", "cdc_truncates",
  };
  return tables;
}

std::vector<std::string> truncate_clickhouse_data(const config::Config& config) {
  auto settings = ch::settings_from(config);
  settings.timeout_ms = std::max(settings.timeout_ms, kTruncateTimeoutMs);
  const ch::Client client(settings);
  for (const auto& table : clickhouse_data_tables()) {
    try {
      client.execute("TRUNCATE TABLE IF EXISTS " + table);
    } catch (const Error& e) {
      if (e.code() == ExitCode::unreachable) throw;
      fail_check("emptying ClickHouse table '" + table + "' in database '" + settings.database + "' failed: " +
                 e.what() + " (is the schema applied? `novafeed schema apply --target clickhouse`)");
    }
  }
  return clickhouse_data_tables();
}

}  // namespace nf::schema
