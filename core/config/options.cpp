#include "core/config/config.hpp"

#include "core/catalog/tables.hpp"

namespace nf::config {

// Defaults match the local stack started by scripts/stack (ports chosen not to collide
// with a developer's own servers).
const std::vector<OptionSpec>& option_specs() {
  static const std::vector<OptionSpec> specs = {
      {"postgres.url", "postgresql://novafeed@127.0.0.1:15432/novafeed",
       "libpq connection URL of the OLTP database"},
      {"postgres.password", "", "PostgreSQL password (if not in the URL)", true},
      {"postgres.password_file", "", "file holding the PostgreSQL password"},
      {"postgres.connect_timeout_s", "5", "seconds to wait for a PostgreSQL connection"},

      {"clickhouse.url", "http://127.0.0.1:18123",
       "ClickHouse HTTP interface; several servers separated by ',' (a cluster's replicas): novafeed uses one and "
       "moves on to the next when it cannot be reached (docs/cluster.md)"},
      {"clickhouse.database", "novafeed", "ClickHouse database holding novafeed's tables"},
      {"clickhouse.user", "default", "ClickHouse user"},
      {"clickhouse.password", "", "ClickHouse password", true},
      {"clickhouse.password_file", "", "file holding the ClickHouse password"},
      {"clickhouse.timeout_ms", "2000", "query timeout for ClickHouse requests"},
      {"clickhouse.cluster", "",
       "cluster for `schema apply` (as in the servers' <remote_servers>): ON CLUSTER DDL, Replicated engines, "
       "Distributed T_all tables (docs/cluster.md); empty: one server"},

      {"redis.url", "redis://127.0.0.1:16379", "Redis URL (redis://host:port[/db]; a Redis Cluster node takes only db 0)"},
      {"redis.timeout_ms", "500", "Redis connect and command timeout"},

      {"kafka.brokers", "127.0.0.1:19092", "Kafka bootstrap servers, comma-separated"},
      {"kafka.events_topic", "events", "topic POST /api/v1/events writes to"},
      {"kafka.timeout_ms", "5000", "timeout for Kafka metadata and admin requests"},

      {"connect.url", "http://127.0.0.1:18083", "Kafka Connect REST API"},
      {"connect.timeout_ms", "10000", "timeout for Kafka Connect REST requests"},
      {"connect.connector", "novafeed-postgres", "name of the Debezium connector"},

      {"cdc.tables", catalog::table_list(), "PostgreSQL tables captured by CDC"},
      {"cdc.schema", "public", "PostgreSQL schema of the captured tables"},
      {"cdc.slot", "novafeed_slot", "logical replication slot used by Debezium"},
      {"cdc.publication", "novafeed_cdc", "publication created by `schema apply`"},
      {"cdc.topic_prefix", "nova", "Debezium topic.prefix (raw topics before routing)"},
      {"cdc.topic_format", "cdc.{table}", "topic each table's changes are routed to"},
      {"cdc.heartbeat_interval_ms", "10000", "Debezium heartbeat interval"},
      {"cdc.poll_interval_ms", "50",
       "how long Debezium waits for new changes after finding none (poll.interval.ms; its own default, 500 ms, "
       "was most of the CDC path's latency)"},
      {"cdc.heartbeat_table", "novafeed_heartbeat", "table the heartbeat action query writes"},
      {"cdc.watch_interval_ms", "15000",
       "how often ingest looks for a stalled replication slot or a FAILED connector task and heals it; 0: never"},
      {"cdc.probe_interval_ms", "15000",
       "how often ingest reads the replication slot and the connector's state for /metrics (novafeed_cdc_*); 0: never"},
      {"cdc.snapshot_mode", "initial", "Debezium snapshot.mode"},
      {"cdc.database_host", "", "PostgreSQL host as seen from the Connect worker (default: from postgres.url)"},
      {"cdc.database_port", "", "PostgreSQL port as seen from the Connect worker (default: from postgres.url)"},

      {"ingest.group", "novafeed-ingest", "Kafka consumer group of `ingest`"},
      {"ingest.instance_id", "",
       "static group membership (Kafka group.instance.id; a restarted ingest gets its partitions back at once): "
       "auto = <host>-<streams>-<slot>, unique per process; any other value is the id; empty: dynamic"},
      {"ingest.batch_rows", "20000", "flush a ClickHouse insert at this many rows"},
      {"ingest.batch_ms", "500",
       "flush a ClickHouse insert after this long (the wait of an event under a steady load: SPEC §6 event-to-visible p95 1 s)"},
      {"ingest.idle_flush_ms", "100",
       "flush early once no message has arrived for this long (caught up: a lone event need not wait batch_ms), "
       "at most once per half of ingest.batch_ms; 0: never early"},
      {"ingest.reinvalidate_ms", "3000",
       "unlink invalidated feeds a second time this much later: a miss that began before the first pass may "
       "have cached a page without the change (keep it above clickhouse.timeout_ms); 0: no second pass"},
      {"ingest.refresh_feeds", "true",
       "recompute a user's cached feed after their own like, comment or share invalidated it (only when one was "
       "cached: they are scrolling now), after the second pass, so their next page is a hit"},
      {"ingest.refresh_max_pending", "10000", "most users waiting for a feed refresh; more are dropped and counted"},
      {"ingest.refresh_max_age_ms", "10000",
       "refresh no feed for an engagement consumed this long after Kafka received it (the ingest is behind: the "
       "user's next page came first, and a backlog drains faster without the rankings); 0: no limit"},
      {"ingest.cdc_dlq_topic", "cdc.dlq", "dead-letter topic for undecodable CDC messages"},
      {"ingest.events_dlq_topic", "events.dlq", "dead-letter topic for undecodable events"},

      {"backfill.jobs", "2", "parallel backfill workers"},
      {"backfill.chunk_rows", "100000", "rows per backfill range (checkpoint unit)"},

      {"verify.buckets", "64", "buckets per table in the first comparison pass"},
      {"verify.max_ids", "1000", "most mismatched ids listed per table"},

      {"serve.listen", "127.0.0.1:8080", "address `serve` listens on"},
      {"serve.io_threads", "2", "threads reading and writing sockets (accept, parse, write)"},
      {"serve.worker_threads", "16", "threads running requests (they wait on Redis, ClickHouse, PostgreSQL, Kafka)"},
      {"serve.max_body_bytes", "262144", "largest request body accepted (413 above)"},
      {"serve.max_header_bytes", "8192", "largest request header block accepted (431 above)"},
      {"serve.read_timeout_ms", "10000", "a request must arrive whole within this (slow clients are cut off)"},
      {"serve.idle_timeout_ms", "30000", "keep-alive connections idle this long are closed"},
      {"serve.shutdown_timeout_ms", "10000", "on SIGTERM, in-flight requests get this long to finish"},

      {"feed.cache_ttl_s", "120", "how long a ranked feed stays cached in Redis (feed:v1:{user})"},
      {"feed.local_cache_users", "20000",
       "cached feeds serve also keeps in memory (hits without a Redis round trip; Redis tells it of changes); 0: off"},
      {"feed.breaker_failures", "3", "consecutive ClickHouse failures that open the circuit breaker"},
      {"feed.breaker_open_ms", "5000", "how long the breaker stays open before one probe query"},
      {"feed.warm_timeout_ms", "30000",
       "ClickHouse query timeout of feeds computed ahead of a request (feed-warmer, the ingest's refresh), "
       "which no one waits on; a request's own queries keep clickhouse.timeout_ms"},
      {"feed.trending_memo_ms", "30000", "how long serve reuses a live-computed trending list"},
      {"feed.engagement_refresh_ms", "15000",
       "serve keeps L, C, S, I of the posts of the last 72 h in memory, read again this often and kept exact between "
       "reads by the ingest's change messages (a miss then reads only the changed posts' figures); 0: off"},
      {"feed.ranked_percent", "100",
       "share of users (0..100, fixed by a hash of the user id) served the ranked feed; the rest get the PostgreSQL "
       "timeline (canary: docs/canary.md; serve re-reads it on SIGHUP)"},

      {"events.max_batch", "100", "most events in one POST /api/v1/events"},
      {"events.dedup_window_s", "3600", "an event_id seen again within this counts once"},
      {"events.delivery_timeout_ms", "5000", "how long an event may wait for Kafka before 503"},
      {"events.retry_after_s", "5", "Retry-After sent with 503 when Kafka is unavailable"},
      {"events.max_age_days", "30", "oldest event ts accepted"},
      {"events.max_future_s", "300", "how far ahead of the server clock an event ts may be"},

      {"auth.jwt_secret", "", "HS256 secret for API tokens", true},
      {"auth.jwt_secret_file", "", "file holding the HS256 secret"},
      {"auth.token_ttl_s", "86400", "lifetime of tokens minted by `novafeed token`"},

      {"doctor.max_slot_lag_bytes", "1073741824", "WAL retained by the slot above which doctor is unhealthy"},
      {"doctor.max_consumer_lag", "100000", "messages the ingest group may be behind before doctor is unhealthy"},

      {"jobs.hot_posts_1h_interval_s", "60", "how often `hot-posts` recomputes hot:posts:1h"},
      {"jobs.hot_posts_24h_interval_s", "60", "how often `hot-posts` recomputes hot:posts:24h"},
      {"jobs.hot_posts_7d_interval_s", "60", "how often `hot-posts` recomputes hot:posts:7d"},
      {"jobs.suggested_users_interval_s", "600", "how often `suggested-users` runs"},
      {"jobs.suggested_users_active_h", "24", "`suggested-users` serves the users with events within this many hours"},
      {"jobs.suggested_users_batch", "2000", "users per `suggested-users` ClickHouse statement"},
      {"jobs.feed_warmer_interval_s", "60", "how often `feed-warmer` runs"},
      {"jobs.feed_warmer_users", "1000",
       "feeds `feed-warmer` computes a run at most: of the most active users (last hour) whose feed is missing or "
       "expiring, most active first (users whose feed is still warm take no place)"},
      {"jobs.feed_warmer_threads", "4", "batches of 50 users `feed-warmer` computes at once"},
      {"jobs.retention_interval_s", "86400", "how often `retention` runs"},
      {"jobs.clickhouse_timeout_ms", "120000", "query timeout of the jobs' ClickHouse statements"},
      {"jobs.poll_s", "10", "how often an instance not holding a job's lock checks whether the job is due"},

      {"ranking.weight_freshness", "0.30", "score weight of freshness"},
      {"ranking.weight_engagement", "0.40", "score weight of engagement"},
      {"ranking.weight_affinity", "0.30", "score weight of affinity"},
      {"ranking.trend_weight_engagement", "0.40", "trend weight of engagement"},
      {"ranking.trend_weight_freshness", "0.30", "trend weight of freshness"},
      {"ranking.decay_per_hour", "0.10", "freshness = exp(-decay * age_hours)"},
      {"ranking.follow_window_h", "72", "F1 follow source window"},
      {"ranking.trending_window_h", "24", "F2 trending source window"},
      {"ranking.affinity_window_h", "72", "F3 affinity source window"},
      {"ranking.affinity_days", "90", "window of the N interaction count"},
      {"ranking.seen_window_h", "24", "posts seen within this window are removed (at most 48: ClickHouse keeps two days of it)"},
  };
  return specs;
}

const OptionSpec* find_spec(std::string_view key) {
  for (const auto& spec : option_specs())
    if (spec.key == key) return &spec;
  return nullptr;
}

}  // namespace nf::config
