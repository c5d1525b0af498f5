-- One row per run of a periodic job (`novafeed jobs run`, `serve --with-jobs`), written by
-- whichever novafeed instance holds the job's lock (a session advisory lock: only one run
-- of a job at a time, anywhere). `jobs status`, `doctor` and the schedulers read it: a job
-- is due when its latest run started one interval ago, by the database's clock, so every
-- instance agrees. Not captured by CDC (the publication lists its tables).
--   result    running (until it ends), ok, failed, or abandoned (its process died: the
--             next run of the job, holding the lock, marks it so)
--   rows      what the run wrote (keys, partitions, ...), detail a one-line summary,
--             error what failed

CREATE TABLE job_runs (
  id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  job         text        NOT NULL,
  host        text        NOT NULL,
  pid         integer     NOT NULL,
  started_at  timestamptz NOT NULL DEFAULT now(),
  finished_at timestamptz,
  result      text        NOT NULL DEFAULT 'running'
              CHECK (result IN ('running', 'ok', 'failed', 'abandoned')),
  rows        bigint      NOT NULL DEFAULT 0,
  detail      text        NOT NULL DEFAULT '',
  error       text        NOT NULL DEFAULT ''
);
CREATE INDEX job_runs_job_started ON job_runs (job, started_at DESC);
