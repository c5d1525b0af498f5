-- Shaped like schema/postgres/0002_cdc_publication.sql.
CREATE TABLE IF NOT EXISTS {{heartbeat_table}} (id int PRIMARY KEY, ts timestamptz NOT NULL DEFAULT now());
DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_publication WHERE pubname = '{{publication}}') THEN
    CREATE PUBLICATION {{publication}} FOR TABLE posts, {{heartbeat_table}};
  END IF;
END
$$;
