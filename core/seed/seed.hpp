#pragma once
// `novafeed seed`: deterministic synthetic data for Nova. Users, a follow graph with a
// power-law followee popularity, posts over the last hours, likes and comments skewed
// toward popular posts go to PostgreSQL (COPY); an events stream goes to the events
// topic. The same seed, sizes and --now give the same rows, ids and event ids.
//
// Order: check Kafka (when events are asked for) and the tables; with --truncate empty
// ClickHouse's data tables, novafeed's Redis keys and the PostgreSQL tables (the seed is
// then the whole world: nothing of an earlier seed or test is left to rank or serve);
// load the tables, advance the identity sequences, produce the events.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/config/config.hpp"
#include "core/seed/load_result.hpp"
#include "core/seed/sizes.hpp"

namespace nf::seed {

struct Request {
  SizeRequest sizes;
  uint64_t seed = 1;
  std::string now;  // the end of the window: epoch seconds or YYYY-MM-DDTHH:MM[:SS]Z; "" = this hour
  bool truncate = false;
};

struct Report {
  uint64_t seed = 0;
  std::string scale;
  Sizes sizes;
  int64_t now_ms = 0;
  bool truncated = false;
  // With --truncate: the ClickHouse tables emptied, and the novafeed keys deleted from
  // Redis (nullopt: Redis did not answer; its keys lapse within their TTLs).
  std::vector<std::string> clickhouse_truncated;
  std::optional<size_t> redis_keys_deleted;
  std::string postgres;  // host:port/db
  std::vector<TableLoad> tables;
  std::optional<EventsLoad> events;
  double seconds = 0;

  bool events_failed() const { return events && events->failed > 0; }
};

// "1795430400" (epoch seconds) or "2026-11-23T09:00Z" / "2026-11-23T09:00:00Z" -> epoch
// ms; throws nf::Error(usage) naming --now.
int64_t parse_now(std::string_view text);

// The start of the current UTC hour: runs within the same hour give identical data
// without --now, and the newest posts are at most an hour old.
int64_t current_hour_ms();

Report run(const config::Config& config, const Request& request);

}  // namespace nf::seed
