-- Permalinks by result (lastFailedBuild, lastUnstableBuild…) are one index seek per result, however
-- long the history: without this index a result no build has scanned the job's every build.
CREATE INDEX builds_result ON builds (job_id, result, number);

-- A job's build count, kept as builds are started and deleted, so the history page need not count.
ALTER TABLE items ADD COLUMN build_count INTEGER NOT NULL DEFAULT 0;
UPDATE items SET build_count = (SELECT COUNT(*) FROM builds WHERE builds.job_id = items.id) WHERE kind = 'job';

-- Waiting items by due time, with the job: the scheduler's claim walks this index from the front and
-- stops at its limit, without reading rows, and the index never holds the items that left the queue
-- (a busy server's queue_items is mostly those).
DROP INDEX queue_items_waiting;
CREATE INDEX queue_items_due ON queue_items (due_at, id, job_id) WHERE state = 'waiting';
CREATE INDEX queue_items_cancelled ON queue_items (left_at) WHERE state = 'cancelled';
-- A job's waiting items in due order (its page, its api/json), without sorting them all.
CREATE INDEX queue_items_job_due ON queue_items (job_id, due_at, id) WHERE state = 'waiting';
