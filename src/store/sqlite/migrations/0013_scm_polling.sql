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
