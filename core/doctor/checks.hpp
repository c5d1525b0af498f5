#pragma once
// The doctor's checks, one function per dependency. Each returns its results in a fixed
// order and never throws: a dependency that does not answer becomes one "unreachable"
// result, and the checks that need it are left out (they could only repeat it).
//
// The judging of what was found is split from the fetching (judge_* below), so the
// decisions are unit tested with hand-built states.

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/config/config.hpp"
#include "core/connect/client.hpp"
#include "core/doctor/report.hpp"
#include "core/jobs/jobs.hpp"
#include "core/kafka/group_lag.hpp"
#include "core/kafka/metadata.hpp"
#include "core/pg/replication_slot.hpp"

namespace nf::doctor {

// postgres (version), wal_level, slot (cdc.slot: exists, active, WAL retained), publication.
std::vector<CheckResult> check_postgres(const config::Config& config);
// clickhouse (version).
std::vector<CheckResult> check_clickhouse(const config::Config& config);
// redis (PING, version).
std::vector<CheckResult> check_redis(const config::Config& config);
// kafka (brokers, cluster id), topics (the CDC topics and the events topic).
std::vector<CheckResult> check_kafka(const config::Config& config);
// connect (worker version), connector (connect.connector and its tasks RUNNING).
std::vector<CheckResult> check_connect(const config::Config& config);
// jobs (job_runs: each job's last success within three intervals).
std::vector<CheckResult> check_jobs(const config::Config& config);
// cache (the last hour's hit rate, from the serve at serve.listen, where one answers).
std::vector<CheckResult> check_serve_cache(const config::Config& config);

// --- judging, from what was fetched ---

// The topics doctor expects: kafka::cdc_topic of each of cdc.tables, then kafka.events_topic.
std::vector<std::string> required_topics(const config::Config& config);

CheckResult judge_topics(const kafka::ClusterMetadata& metadata, const std::vector<std::string>& required);

// The ingest group's lag: fail above max_lag messages in all; warn when the group has
// committed nothing at all (no ingest has run with it).
CheckResult judge_lag(const std::string& group, const std::vector<kafka::PartitionLag>& lags, int64_t max_lag);

// Messages per dead-letter topic in the last hour: warn when any (data was refused: look).
CheckResult judge_dead_letters(const std::vector<std::pair<std::string, int64_t>>& last_hour);

// `status` nullopt: Connect has no connector by that name. `connect_url` goes into hints.
CheckResult judge_connector(const std::string& name, const std::optional<connect::ConnectorStatus>& status,
                            const std::string& connect_url);

using SlotState = pg::ReplicationSlot;

// `state` nullopt: no slot by that name. A stalled slot (pg::is_stalled: active, WAL
// unconfirmed, Debezium's heartbeat older than two intervals + 5 s) fails, naming the
// walsender to end (the orphan of a Kafka outage, docs/connectors.md).
CheckResult judge_slot(const std::string& name, const std::optional<SlotState>& state, int64_t max_lag_bytes,
                       int64_t heartbeat_interval_ms = 10000);

struct PublicationState {
  bool all_tables = false;
  std::vector<std::string> tables;  // "schema.table"
};

// `state` nullopt: no publication by that name. `expected_tables` are "schema.table".
CheckResult judge_publication(const std::string& name, const std::optional<PublicationState>& state,
                              const std::vector<std::string>& expected_tables);

CheckResult judge_wal_level(const std::string& wal_level);

// fail: a job is stale or its last run failed; warn: a job never ran; else ok.
CheckResult judge_jobs(const std::vector<jobs::JobStatus>& statuses);

// The cache hit rate of the last hour ({feed_requests, cache_hits} of serve's
// /api/v1/feed/metrics "last_hour"; nullopt: no serve answered at `url`). warn under
// kCacheWarnBelow over at least kCacheMinRequests requests, and when no serve answers.
inline constexpr double kCacheWarnBelow = 0.80;
inline constexpr uint64_t kCacheMinRequests = 100;
CheckResult judge_cache(const std::string& url, const std::optional<nlohmann::json>& last_hour);

// A check that could not be made: an nf::Error(unreachable) becomes Status::unreachable
// with `unreachable_hint`; any other error is Status::fail carrying its message.
CheckResult result_from_error(std::string name, const std::exception& error, std::string unreachable_hint);

// The first line of a Java stack trace, e.g. "org.apache.kafka.connect.errors.ConnectException: ...".
std::string first_line(const std::string& text);

// 1536 -> "1.5 KiB"; for humans (the figures keep exact bytes).
std::string human_bytes(int64_t bytes);

}  // namespace nf::doctor
