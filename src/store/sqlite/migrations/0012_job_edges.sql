-- Upstream and downstream jobs: one row per edge a job's settings declare (owner_id is the job whose
-- "Build after other projects are built" or "Build other projects" names the other), written with
-- the job's settings in the same transaction. A finished build reads its downstream jobs through
-- job_edges_upstream, a job's page its upstream jobs through job_edges_downstream: never every job.
CREATE TABLE job_edges (
  owner_id      INTEGER NOT NULL REFERENCES items(id) ON DELETE CASCADE,
  upstream_id   INTEGER NOT NULL REFERENCES items(id) ON DELETE CASCADE,
  downstream_id INTEGER NOT NULL REFERENCES items(id) ON DELETE CASCADE,
  threshold     TEXT    NOT NULL,
  PRIMARY KEY (owner_id, upstream_id, downstream_id)
);
CREATE INDEX job_edges_upstream ON job_edges (upstream_id);
CREATE INDEX job_edges_downstream ON job_edges (downstream_id);
