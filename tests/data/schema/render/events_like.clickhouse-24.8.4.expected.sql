-- Shaped like schema/clickhouse/0002_events.sql. This comment has a ; in it,
-- and so does the string below; the TTL placeholder stands alone before the ';'.
CREATE TABLE IF NOT EXISTS events (
  event_id String,
  action   Enum8('like' = 1, 'it\'s; -- no comment' = 2),
  ts       DateTime
) ENGINE = ReplacingMergeTree
PARTITION BY toDate(ts)
ORDER BY (action, event_id)
TTL ts + INTERVAL 30 DAY;

CREATE TABLE IF NOT EXISTS daily (day Date, n UInt64) ENGINE = SummingMergeTree ORDER BY day TTL day + INTERVAL 90 DAY;

CREATE MATERIALIZED VIEW IF NOT EXISTS events_mv TO test_db.daily AS
SELECT toDate(ts) AS day, count() AS n FROM test_db.events GROUP BY day;
