-- What each build checked out (its revision: commit, branch, remote URL) and its change set (the
-- commits since the previous build's, a JSON array), recorded when the checkout ends; deleted with
-- the build. The primary key is the build's, so reading a build's source is one seek.
CREATE TABLE build_scm (
  job_id            INTEGER NOT NULL,
  number            INTEGER NOT NULL,
  sha               TEXT    NOT NULL,
  branch            TEXT,
  remote_url        TEXT    NOT NULL,
  changes           TEXT    NOT NULL,
  changes_truncated INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (job_id, number),
  FOREIGN KEY (job_id, number) REFERENCES builds (job_id, number) ON DELETE CASCADE
);
