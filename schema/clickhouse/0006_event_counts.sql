-- Engagement as plain counters: L, C, S, I per post and day, and N per user, author and
-- day (SPEC §3), which a cache miss and the hot-posts job sum instead of merging
-- uniqExact states. Merging states costs ~0.2 µs per event id a post ever had, so a
-- miss grew with each candidate's own event count; a sum reads a few rows per candidate
-- whatever the event count (SPEC §6: flat when the events grow 10x).
--
-- Counted once, whatever Kafka replays or a client resends: `ingest` inserts into
-- event_keys_in only the events event_keys does not hold yet (a lookup by (post, action,
-- event id) per batch, core/ingest/event_counts.hpp), and one INSERT there writes the key
-- and the counts together (the views below), so a batch replayed after a crash finds its
-- keys and counts nothing twice. Never insert into post_counts or user_author_counts
-- directly.

-- What the ingest writes: an event worth counting (views are not ranked), whose key is
-- not in event_keys. Stores nothing itself; the views below do.
CREATE TABLE IF NOT EXISTS event_keys_in (
  post_id   UInt64,
  action    Enum8('impression' = 1, 'view' = 2, 'like' = 3, 'comment' = 4, 'share' = 5),
  event_id  String,
  user_id   UInt64,
  author_id UInt64,
  ts        DateTime
) ENGINE = Null;

-- One row per counted event: (post, action code, sipHash64(event id)), ordered by the
-- hash so a batch's lookup reads one granule per event whatever the table's size.
-- Kept as long as events (30 days): the API refuses events older than that, so a resent
-- event finds its key.
CREATE TABLE IF NOT EXISTS event_keys (
  event_hash UInt64,
  post_id    UInt64,
  action     UInt8,
  ts         DateTime
) ENGINE = ReplacingMergeTree
PARTITION BY toYYYYMM(ts)
ORDER BY event_hash
{{ttl ts + INTERVAL 30 DAY}}
SETTINGS index_granularity = 1024;

CREATE MATERIALIZED VIEW IF NOT EXISTS event_keys_mv TO {{database}}.event_keys AS
SELECT sipHash64(event_id) AS event_hash, post_id, CAST(action AS UInt8) AS action, ts
FROM {{database}}.event_keys_in;

-- L, C, S, I per post and day (the event's day, as events partitions). The ranking sums
-- the days from toDate(now - 30 days) on, like post_metrics_1d: the day holding the
-- retention edge counts whole. Small granules: a miss reads its ~900 candidates' rows.
CREATE TABLE IF NOT EXISTS post_counts (
  post_id     UInt64,
  day         Date,
  likes       UInt64,
  comments    UInt64,
  shares      UInt64,
  impressions UInt64
) ENGINE = SummingMergeTree
PARTITION BY toYYYYMM(day)
ORDER BY (post_id, day)
{{ttl day + INTERVAL 31 DAY}}
SETTINGS index_granularity = 64;

CREATE MATERIALIZED VIEW IF NOT EXISTS post_counts_mv TO {{database}}.post_counts AS
SELECT
  post_id,
  toDate(ts) AS day,
  countIf(action = 'like') AS likes,
  countIf(action = 'comment') AS comments,
  countIf(action = 'share') AS shares,
  countIf(action = 'impression') AS impressions
FROM {{database}}.event_keys_in
GROUP BY post_id, day;

-- N: like + comment + share events by a user on an author's posts, per day, 90 days.
CREATE TABLE IF NOT EXISTS user_author_counts (
  user_id      UInt64,
  author_id    UInt64,
  day          Date,
  interactions UInt64
) ENGINE = SummingMergeTree
PARTITION BY toYYYYMM(day)
ORDER BY (user_id, author_id, day)
{{ttl day + INTERVAL 90 DAY}}
SETTINGS index_granularity = 256;

CREATE MATERIALIZED VIEW IF NOT EXISTS user_author_counts_mv TO {{database}}.user_author_counts AS
SELECT user_id, author_id, toDate(ts) AS day, count() AS interactions
FROM {{database}}.event_keys_in
WHERE action IN ('like', 'comment', 'share')
GROUP BY user_id, author_id, day;

-- The events already there, each (post, action, event id) once (its earliest row), and
-- only those event_keys does not hold: run again after an interruption, it counts only
-- what the first run did not reach.
INSERT INTO event_keys_in
SELECT post_id, action, event_id, any(user_id), any(author_id), min(ts)
FROM events
WHERE action != 'view'
  AND (post_id, CAST(action AS UInt8), sipHash64(event_id)) NOT IN (SELECT post_id, action, event_hash FROM event_keys)
GROUP BY post_id, action, event_id;
