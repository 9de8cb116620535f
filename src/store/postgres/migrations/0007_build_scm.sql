-- What each build checked out (its revision: commit, branch, remote URL) and its change set (the
-- commits since the previous build's, a JSON array), recorded when the checkout ends; deleted with
-- the build. The primary key is the build's, so reading a build's source is one seek.
CREATE TABLE build_scm (
  job_id            bigint  NOT NULL,
  number            bigint  NOT NULL,
  sha               text    NOT NULL,
  branch            text,
  remote_url        text    NOT NULL,
  changes           text    NOT NULL,
  changes_truncated boolean NOT NULL DEFAULT false,
  PRIMARY KEY (job_id, number),
  FOREIGN KEY (job_id, number) REFERENCES builds (job_id, number) ON DELETE CASCADE
);
