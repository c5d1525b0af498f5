-- The seen filter of SPEC §3 (the posts u had any event on in the last 24 h), kept by
-- user: a cache miss reads one user's rows here instead of scanning `events`, which is
-- ordered by post (0.1 s at 10M events, seconds at the plan's 300M, and growing with them).
-- One row per user, post and day with the day's latest event time; ReplacingMergeTree
-- keeps the latest of duplicates, and until it merges every row is still true (any row
-- with last_ts inside the window means "seen"), so reads need no FINAL.
-- Kept two days (the filter reads 24 h): TTL, or the `retention` job on older servers.

CREATE TABLE IF NOT EXISTS user_seen (
  user_id UInt64,
  post_id UInt64,
  day     Date,
  last_ts DateTime
) ENGINE = ReplacingMergeTree(last_ts)
PARTITION BY day
ORDER BY (user_id, post_id)
{{ttl day + INTERVAL 2 DAY}}
SETTINGS index_granularity = 1024;

CREATE MATERIALIZED VIEW IF NOT EXISTS user_seen_mv TO {{database}}.user_seen AS
SELECT
  user_id,
  post_id,
  toDate(ts) AS day,
  max(ts) AS last_ts
FROM {{database}}.events
GROUP BY user_id, post_id, day;

-- Events already in `events` before this view existed (the last two days of them). Run
-- again after an interruption, it only adds rows the table already says (a seen post
-- stays seen), so the migration stays safe to repeat.
INSERT INTO user_seen
SELECT user_id, post_id, toDate(ts) AS day, max(ts) AS last_ts
FROM events
WHERE ts >= now() - INTERVAL 2 DAY
GROUP BY user_id, post_id, day;
