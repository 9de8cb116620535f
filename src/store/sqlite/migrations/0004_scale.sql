-- Permalinks by result (lastFailedBuild, lastUnstableBuild…) are one index seek per result, however
-- long the history: without this index a result no build has scanned the job's every build.
CREATE INDEX builds_result ON builds (job_id, result, number);

-- Waiting items by due time, with the job: the scheduler's claim walks this index from the front and
-- stops at its limit, without reading rows, and the index never holds the items that left the queue
-- (a busy server's queue_items is mostly those).
DROP INDEX queue_items_waiting;
CREATE INDEX queue_items_due ON queue_items (due_at, id, job_id) WHERE state = 'waiting';
CREATE INDEX queue_items_cancelled ON queue_items (left_at) WHERE state = 'cancelled';
-- A job's waiting items in due order (its page, its api/json), without sorting them all.
CREATE INDEX queue_items_job_due ON queue_items (job_id, due_at, id) WHERE state = 'waiting';

-- A job's counts of builds and of waiting items, kept by triggers as rows come and go, so that the
-- history page and the per-job queue limit never count rows.
ALTER TABLE items ADD COLUMN build_count INTEGER NOT NULL DEFAULT 0;
ALTER TABLE items ADD COLUMN waiting_count INTEGER NOT NULL DEFAULT 0;
UPDATE items SET
  build_count = (SELECT COUNT(*) FROM builds WHERE builds.job_id = items.id),
  waiting_count = (SELECT COUNT(*) FROM queue_items WHERE queue_items.job_id = items.id AND queue_items.state = 'waiting')
  WHERE kind = 'job';

CREATE TRIGGER builds_counted_in AFTER INSERT ON builds
BEGIN UPDATE items SET build_count = build_count + 1 WHERE id = NEW.job_id; END;
CREATE TRIGGER builds_counted_out AFTER DELETE ON builds
BEGIN UPDATE items SET build_count = build_count - 1 WHERE id = OLD.job_id; END;

CREATE TRIGGER queue_items_waiting_in AFTER INSERT ON queue_items WHEN NEW.state = 'waiting'
BEGIN UPDATE items SET waiting_count = waiting_count + 1 WHERE id = NEW.job_id; END;
CREATE TRIGGER queue_items_waiting_out AFTER UPDATE OF state ON queue_items WHEN OLD.state = 'waiting' AND NEW.state <> 'waiting'
BEGIN UPDATE items SET waiting_count = waiting_count - 1 WHERE id = OLD.job_id; END;
CREATE TRIGGER queue_items_waiting_gone AFTER DELETE ON queue_items WHEN OLD.state = 'waiting'
BEGIN UPDATE items SET waiting_count = waiting_count - 1 WHERE id = OLD.job_id; END;
