-- The publication carries TRUNCATE (the ingest applies it to ClickHouse: docs/ingest.md,
-- "TRUNCATE"). PostgreSQL's default publish list already includes it, so this changes
-- nothing on a publication made by 0002; it repairs one made by hand without it (which
-- would leave ClickHouse with every truncated row), and says the contract where it is kept.
-- {{publication}} comes from cdc.publication. Idempotent.
ALTER PUBLICATION {{publication}} SET (publish = 'insert, update, delete, truncate');
