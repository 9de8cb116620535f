-- Console logs, when the server runs on PostgreSQL: every node reads them (store/postgres/log-chunks.ts).
-- A build's log is a series of chunks, each the bytes from byte_offset on, stored in order while the
-- build runs (at most 128 KiB each: whole chunks as a step prints them, or what ~100 ms of output
-- made); the small ones of a finished log are merged into chunks of up to 128 KiB. The primary key is
-- the index every read uses: a log's size is its last chunk, a byte range the chunks that overlap it.
-- No foreign key: a log goes with its build (retention, deletion) or its job, deleted in bounded
-- statements, never in the transaction that deletes the build or the job. bytea keeps PostgreSQL's
-- default storage (compressed with pglz, out of line); docs/operations.md says how to choose lz4.
CREATE TABLE log_chunks (
  job_id      bigint  NOT NULL,
  number      bigint  NOT NULL,
  byte_offset bigint  NOT NULL,
  bytes       bytea   NOT NULL,
  PRIMARY KEY (job_id, number, byte_offset)
);
