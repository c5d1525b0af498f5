-- What Debezium reads: the heartbeat table its heartbeat.action.query writes (so the
-- replication slot advances even while the captured tables are quiet) and the
-- publication over the five tables plus the heartbeat (publication.autocreate.mode stays
-- disabled, so the connector never needs to own the tables).
-- {{heartbeat_table}} and {{publication}} come from cdc.heartbeat_table and cdc.publication.

CREATE TABLE IF NOT EXISTS {{heartbeat_table}} (
  id int         PRIMARY KEY,
  ts timestamptz NOT NULL DEFAULT now()
);
INSERT INTO {{heartbeat_table}} (id, ts) VALUES (1, now()) ON CONFLICT (id) DO NOTHING;

-- Idempotent: a publication left by an earlier attempt (or made by hand) is set to
-- exactly these tables.
DO $$
BEGIN
  IF EXISTS (SELECT 1 FROM pg_publication WHERE pubname = '{{publication}}') THEN
    ALTER PUBLICATION {{publication}} SET TABLE users, posts, follows, likes, comments, {{heartbeat_table}};
  ELSE
    CREATE PUBLICATION {{publication}} FOR TABLE users, posts, follows, likes, comments, {{heartbeat_table}};
  END IF;
END
$$;
