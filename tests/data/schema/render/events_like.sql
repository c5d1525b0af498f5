-- Shaped like schema/clickhouse/0002_events.sql. This comment has a ; in it,
-- and so does the string below; the TTL placeholder stands alone before the ';'.
CREATE TABLE IF NOT EXISTS events (
  event_id String,
  action   Enum8('like' = 1, 'it\'s; -- no comment' = 2),
  ts       DateTime
) ENGINE = ReplacingMergeTree
PARTITION BY toDate(ts)
ORDER BY (action, event_id)
{{ttl ts + INTERVAL 30 DAY}};

CREATE TABLE IF NOT EXISTS daily (day Date, n UInt64) ENGINE = SummingMergeTree ORDER BY day {{ttl day + INTERVAL 90 DAY}};

CREATE MATERIALIZED VIEW IF NOT EXISTS events_mv TO {{database}}.daily AS
SELECT toDate(ts) AS day, count() AS n FROM {{database}}.events GROUP BY day; -- trailing comment
/* a block comment; with a semicolon */
