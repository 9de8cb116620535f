-- "Build periodically": when each job's timer next fires (ms since the epoch; NULL without a
-- schedule), written with the job's settings in the same statement. Timers that are due are found
-- through items_timer_due, an index of the jobs that have a timer only; a timer moves forward for one
-- server only (UPDATE … WHERE timer_next_at = the time it was due).
ALTER TABLE items ADD COLUMN timer_next_at bigint;
CREATE INDEX items_timer_due ON items (timer_next_at) WHERE timer_next_at IS NOT NULL;
