#include "core/seed/seed.hpp"

#include <charconv>
#include <chrono>
#include <cstdio>

#include <spdlog/spdlog.h>

#include "core/error/error.hpp"
#include "core/kafka/settings.hpp"
#include "core/output/logging.hpp"
#include "core/pg/connection.hpp"
#include "core/redis/channels.hpp"
#include "core/redis/client.hpp"
#include "core/redis/keys.hpp"
#include "core/schema/clickhouse_data.hpp"
#include "core/seed/dataset.hpp"
#include "core/seed/event_producer.hpp"
#include "core/seed/postgres_load.hpp"
#include "core/time/rfc3339.hpp"

namespace nf::seed {

namespace {

bool parse_int(std::string_view text, int64_t& value) {
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  return ec == std::errc() && end == text.data() + text.size();
}

// Every cache of the earlier data goes with it. Redis is a cache: when it does not answer
// the seed goes on, and says how long the old keys can live.
std::optional<size_t> delete_cached_keys(const config::Config& config) {
  try {
    redis::Connection connection(redis::settings_from(config));
    size_t deleted = 0;
    for (const auto& pattern : redis::novafeed_key_patterns()) deleted += redis::unlink_matching(connection, pattern);
    // Serve's in-memory figures of the emptied tables go too (core/feed/engagement_snapshot.hpp).
    connection.command({"PUBLISH", redis::post_counts_channel(config.get("clickhouse.database")),
                        redis::kAllPostsChanged});
    spdlog::warn("seed --truncate: deleted {} novafeed keys from Redis (cached feeds, hot posts, suggestions, dedup marks)",
                 deleted);
    return deleted;
  } catch (const Error& e) {
    spdlog::warn("seed --truncate: Redis keys of the earlier data not deleted ({}); cached feeds lapse within "
                 "feed.cache_ttl_s, suggestions within 3 x jobs.suggested_users_interval_s",
                 e.what());
    return std::nullopt;
  }
}

}  // namespace

int64_t parse_now(std::string_view text) {
  int64_t seconds = 0;
  if (parse_int(text, seconds) && seconds > 0) return seconds * 1000;
  // YYYY-MM-DDTHH:MM[:SS]Z
  auto field = [&](size_t pos, size_t len, int64_t& out) {
    return pos + len <= text.size() && parse_int(text.substr(pos, len), out);
  };
  int64_t y, mo, d, h, mi, s = 0;
  const bool with_seconds = text.size() == 20;
  const bool ok = (text.size() == 17 || with_seconds) && text.back() == 'Z' && text[4] == '-' && text[7] == '-' &&
                  text[10] == 'T' && text[13] == ':' && field(0, 4, y) && field(5, 2, mo) && field(8, 2, d) &&
                  field(11, 2, h) && field(14, 2, mi) && (!with_seconds || (text[16] == ':' && field(17, 2, s)));
  if (!ok || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 59)
    fail_usage("--now '" + std::string(text) +
               "' is not a time: use epoch seconds (1795430400) or UTC as 2026-11-23T09:00:00Z");
  return ((time::days_from_civil(y, mo, d) * 24 + h) * 60 + mi) * 60'000 + s * 1000;
}

int64_t current_hour_ms() {
  const auto now = std::chrono::duration_cast<std::chrono::milliseconds>(
                       std::chrono::system_clock::now().time_since_epoch())
                       .count();
  return now - now % kHourMs;
}

Report run(const config::Config& config, const Request& request) {
  const auto started = std::chrono::steady_clock::now();
  Report report;
  report.seed = request.seed;
  report.scale = request.sizes.scale;
  report.sizes = resolve_sizes(request.sizes);
  report.now_ms = request.now.empty() ? current_hour_ms() : parse_now(request.now);
  const bool progress = output::stderr_is_terminal();

  // Fail before writing anything when the events cannot go anywhere.
  const auto kafka_settings = kafka::settings_from(config);
  const std::string topic = config.get("kafka.events_topic");
  if (report.sizes.events > 0) check_events_topic(kafka_settings, topic);

  const auto pg_settings = pg::settings_from(config);
  report.postgres = pg::describe(pg_settings);
  auto connection = pg::connect(pg_settings);
  if (request.truncate) {
    require_tables(*connection);
    report.clickhouse_truncated = schema::truncate_clickhouse_data(config);
    report.redis_keys_deleted = delete_cached_keys(config);
  }
  prepare_tables(*connection, request.truncate);
  report.truncated = request.truncate;

  const Dataset dataset = build_dataset(request.seed, report.sizes, report.now_ms);
  if (progress)
    std::fprintf(stderr, "seeding %s (seed %llu) into PostgreSQL at %s%s\n", report.scale.c_str(),
                 static_cast<unsigned long long>(request.seed), report.postgres.c_str(),
                 report.sizes.events > 0 ? (" and Kafka topic " + topic).c_str() : "");
  for (const auto& table : seeded_tables()) report.tables.push_back(load_table(*connection, dataset, table, progress));
  advance_sequences(*connection);

  if (report.sizes.events > 0) report.events = produce_events(kafka_settings, topic, dataset, progress);
  report.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  return report;
}

}  // namespace nf::seed
