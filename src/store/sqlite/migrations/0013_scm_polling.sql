-- "Poll SCM": when each job next asks its repository whether it moved (ms since the epoch; NULL
-- without a polling schedule), beside the "Build periodically" timer and found the same way.
ALTER TABLE items ADD COLUMN poll_next_at INTEGER;
CREATE INDEX items_poll_due ON items (poll_next_at) WHERE poll_next_at IS NOT NULL;

-- What the last poll of each job saw: the heads of the branches it builds (JSON: ref → commit), when,
-- and its log (the text of /job/X/scmPollLog/). A poll builds when the heads differ from the last ones.
CREATE TABLE scm_polls (
  job_id INTEGER PRIMARY KEY REFERENCES items (id) ON DELETE CASCADE,
  heads TEXT NOT NULL,
  log TEXT NOT NULL,
  polled_at INTEGER NOT NULL
);

-- The repositories each job's git source uses, by key (host/path, as GitStatus.looselyMatches
-- compares URLs), written with the job's settings: a push notification finds the jobs using its
-- repository through the key, without reading every job.
CREATE TABLE job_repositories (
  repository_key TEXT NOT NULL,
  job_id INTEGER NOT NULL REFERENCES items (id) ON DELETE CASCADE,
  PRIMARY KEY (repository_key, job_id)
);
CREATE INDEX job_repositories_job ON job_repositories (job_id);
