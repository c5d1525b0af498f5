-- `ingest cdc`: the LSN of the latest TRUNCATE of each captured table (Debezium's op "t").
-- A truncate is applied as a tombstone (_version = its LSN, _deleted = 1) for every row of
-- the table whose latest version is older; the change events of the table's other Kafka
-- partitions that predate the truncate but are consumed after it (a truncate has no key, so
-- Kafka orders it with nothing) are then dropped, or tombstoned again, by this LSN. The
-- highest LSN per table wins; every ingest process of the group reads it (docs/ingest.md).
CREATE TABLE IF NOT EXISTS cdc_truncates (
  table_name String,
  lsn        UInt64,
  applied_at DateTime DEFAULT now()
) ENGINE = ReplacingMergeTree(lsn)
ORDER BY table_name;
