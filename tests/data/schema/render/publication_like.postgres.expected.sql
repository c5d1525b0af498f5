-- Shaped like schema/postgres/0002_cdc_publication.sql.
CREATE TABLE IF NOT EXISTS test_heartbeat (id int PRIMARY KEY, ts timestamptz NOT NULL DEFAULT now());
DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_publication WHERE pubname = 'test_pub') THEN
    CREATE PUBLICATION test_pub FOR TABLE posts, test_heartbeat;
  END IF;
END
$$;
