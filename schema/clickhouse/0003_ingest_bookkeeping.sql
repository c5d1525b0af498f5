-- Bookkeeping of the pipeline's own progress, kept beside the data it describes.

-- `ingest`: the next Kafka offset to read per consumer group, topic and partition,
-- written after the batch it follows; the highest offset wins.
CREATE TABLE IF NOT EXISTS ingest_offsets (
  consumer_group String,
  topic          String,
  partition      UInt32,
  next_offset    UInt64,
  updated_at     DateTime DEFAULT now()
) ENGINE = ReplacingMergeTree(next_offset)
ORDER BY (consumer_group, topic, partition);

-- `backfill --resume`: one row per finished id range of a table; the last write wins.
CREATE TABLE IF NOT EXISTS backfill_checkpoints (
  table_name   String,
  range_start  UInt64,
  range_end    UInt64,
  snapshot_lsn UInt64,
  rows         UInt64,
  done_at      DateTime DEFAULT now()
) ENGINE = ReplacingMergeTree
ORDER BY (table_name, range_start);
