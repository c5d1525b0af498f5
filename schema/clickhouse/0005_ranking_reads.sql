-- What a cache miss reads, laid out so that its cost follows the few hundred candidate
-- posts and the user's followees, not the size of the tables (SPEC §6: a miss p95 <= 100 ms
-- at 100k users, 5M follows, 300k posts, 10M events, and flat when the events grow 10x).

-- L, C, S, I per post and day: uniqExactMerge(events), as post_metrics_1h, but one row per
-- post, day and action (a post's events span a few days, so ~4x fewer rows than by hour)
-- and small granules: the engagement of ~900 candidate posts reads ~900 x 32 rows instead
-- of whole 8192-row granules of every post's states. Counting stays uniqExact(event_id):
-- a replayed or resent event is counted once (the exactly-once effect of the ingest).
-- The ranking counts the days from toDate(now - 30 days) on: the day that holds the
-- retention edge is counted whole, as the retention keeps the partition that straddles it.
CREATE TABLE IF NOT EXISTS post_metrics_1d (
  post_id UInt64,
  day     Date,
  action  Enum8('impression' = 1, 'view' = 2, 'like' = 3, 'comment' = 4, 'share' = 5),
  events  AggregateFunction(uniqExact, String)
) ENGINE = AggregatingMergeTree
PARTITION BY toYYYYMM(day)
ORDER BY (post_id, day, action)
{{ttl day + INTERVAL 31 DAY}}
SETTINGS index_granularity = 32;

CREATE MATERIALIZED VIEW IF NOT EXISTS post_metrics_1d_mv TO {{database}}.post_metrics_1d AS
SELECT
  post_id,
  toDate(ts) AS day,
  action,
  uniqExactState(event_id) AS events
FROM {{database}}.events
WHERE action != 'view'
GROUP BY post_id, day, action;

-- The events already there. uniqExact merges duplicates away, so running this again
-- after an interruption (or beside the view, for events that arrive meanwhile) changes
-- no count.
INSERT INTO post_metrics_1d
SELECT post_id, toDate(ts) AS day, action, uniqExactState(event_id) AS events
FROM events
WHERE action != 'view'
GROUP BY post_id, day, action;

-- posts by author: F1 (followed authors' posts) and F3 (high-affinity authors' posts) read
-- only their authors' rows instead of every post with FINAL. The same rows and versions
-- as `posts` (fed from every insert into it: CDC, backfill), without the caption. A
-- deleted post's row carries its author (PostgreSQL sends the whole old row: schema
-- postgres 0004), so it replaces the live one under the same (author_id, id).
CREATE TABLE IF NOT EXISTS posts_by_author (
  author_id  UInt64,
  id         UInt64,
  created_at DateTime,
  _version   UInt64,
  _deleted   UInt8
) ENGINE = ReplacingMergeTree(_version)
ORDER BY (author_id, id)
SETTINGS index_granularity = 256;

CREATE MATERIALIZED VIEW IF NOT EXISTS posts_by_author_mv TO {{database}}.posts_by_author AS
SELECT author_id, id, created_at, _version, _deleted
FROM {{database}}.posts;

INSERT INTO posts_by_author
SELECT author_id, id, created_at, _version, _deleted
FROM posts;
