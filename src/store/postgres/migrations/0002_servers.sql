-- Several Steward servers on one database (SQLite's migration 0008 is the same).
-- server: the Steward server that runs the build (its built-in executors) or hands it to its agent;
--   NULL for builds started before this migration.
-- lease_until: the build's lease, renewed by its server; once past, another server aborts it.
-- exclusive: the build's job did not allow concurrent builds when it started: no other build of the
--   job starts while it runs, whichever server asks.
-- stop_request: a stop asked through another server, {interruption, mode}, applied by the build's own.
ALTER TABLE builds ADD COLUMN server text;
ALTER TABLE builds ADD COLUMN lease_until bigint;
ALTER TABLE builds ADD COLUMN exclusive boolean NOT NULL DEFAULT false;
ALTER TABLE builds ADD COLUMN stop_request text;
CREATE INDEX builds_running_jobs ON builds (job_id) WHERE state = 'running';

-- Work done once per deployment, not once per server: a server runs a task only when it moves
-- next_run_at forward, which one server at a time can do.
CREATE TABLE periodic_tasks (
  name        text    PRIMARY KEY,
  next_run_at bigint NOT NULL
);
