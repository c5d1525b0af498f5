-- Engagement events (POST /api/v1/events → Kafka `events` → `ingest events`) and the two
-- aggregates ranking reads. Counting is uniqExact(event_id) everywhere, so an event that
-- is inserted twice (a replayed Kafka batch, a retried request) is still counted once:
-- that is what makes the ingest's effect exactly-once.
-- Windows (30 days of events, 90 days of interactions) are enforced by the queries;
-- TTL (ClickHouse >= 19.6) or the `retention` job (older servers: drops whole expired
-- partitions) only frees the storage.

CREATE TABLE IF NOT EXISTS events (
  event_id    String,
  user_id     UInt64,
  post_id     UInt64,
  author_id   UInt64,
  action      Enum8('impression' = 1, 'view' = 2, 'like' = 3, 'comment' = 4, 'share' = 5),
  ts          DateTime,
  dwell_ms    UInt32,
  received_at DateTime DEFAULT now()
) ENGINE = ReplacingMergeTree
PARTITION BY toDate(ts)
ORDER BY (post_id, action, event_id)
{{ttl ts + INTERVAL 30 DAY}};

-- L, C, S, I per post and hour: uniqExactMerge(events).
CREATE TABLE IF NOT EXISTS post_metrics_1h (
  post_id UInt64,
  hour    DateTime,
  action  Enum8('impression' = 1, 'view' = 2, 'like' = 3, 'comment' = 4, 'share' = 5),
  events  AggregateFunction(uniqExact, String)
) ENGINE = AggregatingMergeTree
PARTITION BY toYYYYMM(hour)
ORDER BY (post_id, hour, action)
{{ttl hour + INTERVAL 30 DAY}};

CREATE MATERIALIZED VIEW IF NOT EXISTS post_metrics_1h_mv TO {{database}}.post_metrics_1h AS
SELECT
  post_id,
  toStartOfHour(ts) AS hour,
  action,
  uniqExactState(event_id) AS events
FROM {{database}}.events
GROUP BY post_id, hour, action;

-- N (affinity) per user, author and day: uniqExactMerge(events) over the last 90 days.
CREATE TABLE IF NOT EXISTS user_author_90d (
  user_id   UInt64,
  author_id UInt64,
  day       Date,
  action    Enum8('impression' = 1, 'view' = 2, 'like' = 3, 'comment' = 4, 'share' = 5),
  events    AggregateFunction(uniqExact, String)
) ENGINE = AggregatingMergeTree
PARTITION BY toYYYYMM(day)
ORDER BY (user_id, author_id, day, action)
{{ttl day + INTERVAL 90 DAY}};

CREATE MATERIALIZED VIEW IF NOT EXISTS user_author_90d_mv TO {{database}}.user_author_90d AS
SELECT
  user_id,
  author_id,
  toDate(ts) AS day,
  action,
  uniqExactState(event_id) AS events
FROM {{database}}.events
WHERE action IN ('like', 'comment', 'share')
GROUP BY user_id, author_id, day, action;
