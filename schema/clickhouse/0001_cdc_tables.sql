-- One table per captured PostgreSQL table, fed by `ingest cdc` and `backfill`.
-- Columns mirror PostgreSQL (timestamps to the second), plus:
--   _version      source LSN of the change (backfill: the snapshot LSN); the row with the
--                 highest _version per primary key wins (ReplacingMergeTree)
--   _deleted      1 for a delete or a soft-deleted row (deleted_at set)
--   _ingested_at  when the row reached ClickHouse (CDC lag)
-- Read the current state with FINAL (or argMax by _version) and `_deleted = 0`.
-- Every statement is IF NOT EXISTS: ClickHouse DDL is not transactional, so a migration
-- interrupted halfway is simply run again.

CREATE TABLE IF NOT EXISTS users (
  id           UInt64,
  username     String,
  display_name String,
  created_at   DateTime,
  updated_at   DateTime,
  _version     UInt64,
  _deleted     UInt8,
  _ingested_at DateTime DEFAULT now()
) ENGINE = ReplacingMergeTree(_version)
ORDER BY id;

CREATE TABLE IF NOT EXISTS posts (
  id           UInt64,
  author_id    UInt64,
  caption      String,
  created_at   DateTime,
  updated_at   DateTime,
  deleted_at   Nullable(DateTime),
  _version     UInt64,
  _deleted     UInt8,
  _ingested_at DateTime DEFAULT now()
) ENGINE = ReplacingMergeTree(_version)
ORDER BY id;

CREATE TABLE IF NOT EXISTS follows (
  follower_id  UInt64,
  followee_id  UInt64,
  created_at   DateTime,
  updated_at   DateTime,
  _version     UInt64,
  _deleted     UInt8,
  _ingested_at DateTime DEFAULT now()
) ENGINE = ReplacingMergeTree(_version)
ORDER BY (follower_id, followee_id);

CREATE TABLE IF NOT EXISTS likes (
  user_id      UInt64,
  post_id      UInt64,
  created_at   DateTime,
  updated_at   DateTime,
  _version     UInt64,
  _deleted     UInt8,
  _ingested_at DateTime DEFAULT now()
) ENGINE = ReplacingMergeTree(_version)
ORDER BY (user_id, post_id);

CREATE TABLE IF NOT EXISTS comments (
  id           UInt64,
  post_id      UInt64,
  user_id      UInt64,
  body         String,
  created_at   DateTime,
  updated_at   DateTime,
  deleted_at   Nullable(DateTime),
  _version     UInt64,
  _deleted     UInt8,
  _ingested_at DateTime DEFAULT now()
) ENGINE = ReplacingMergeTree(_version)
ORDER BY id;
