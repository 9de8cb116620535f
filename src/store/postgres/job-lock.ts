import type { Sql } from './sql.js';

/**
 * The jobs a write will lock, declared with it (`PgWriteBatch.write`): by id, or as the jobs of queue
 * items. Its batch locks the jobs of all its writes first, in one statement and in id order
 * (`lockDeclaredJobs`), so that batches of different nodes sharing jobs wait for each other instead of
 * deadlocking; locking them one by one in the order the writes came would take them in a different
 * order on each node.
 */
export interface JobLocks {
  /** Rows of `items`: jobs, or an item whose settings change. */
  readonly jobIds?: readonly number[];
  readonly queueIds?: readonly number[];
}

/** Rows are locked in the order they are returned: here, by id. The ids of a queue item's job never change. */
export const LOCK_IN_ORDER = `SELECT id FROM items
  WHERE id = ANY ($1::bigint[] || ARRAY(SELECT job_id FROM queue_items WHERE id = ANY ($2::bigint[])))
  ORDER BY id FOR NO KEY UPDATE`;

/**
 * Locks the jobs the writes of a transaction declared, in id order, as its first statement; jobs that do
 * not exist are skipped. Later statements of the transaction see what committed while it waited, and
 * `holdJob` finds each lock held.
 */
export async function lockDeclaredJobs(tx: Sql, declared: readonly JobLocks[]): Promise<void> {
  const jobIds = declared.flatMap((locks) => locks.jobIds ?? []);
  const queueIds = declared.flatMap((locks) => locks.queueIds ?? []);
  if (jobIds.length === 0 && queueIds.length === 0) return;
  for (const { id } of await tx.rows<{ id: number }>(LOCK_IN_ORDER, [jobIds, queueIds])) tx.locks.add(`job:${id}`);
}

/**
 * Locks a job's row for the rest of the transaction and reads its build counter. Every write that changes
 * a job's queue items or takes one of its build numbers locks the job first, then its items: one lock
 * order, so writes of different nodes wait for each other instead of deadlocking, and a later statement
 * of the transaction (which sees what committed meanwhile) finds a twin waiting item or the next build
 * number as they are now. Resolves undefined when the job does not exist.
 */
export async function lockJob(tx: Sql, jobId: number): Promise<{ next_build_number: number } | undefined> {
  const row = await tx.one<{ next_build_number: number }>('SELECT next_build_number FROM items WHERE id = $1 FOR NO KEY UPDATE', [jobId]);
  if (row) tx.locks.add(`job:${jobId}`);
  return row;
}

/**
 * Locks a job unless this transaction already holds its lock (a burst of triggers of one job in one
 * batch locks it once); resolves false when the job does not exist. Not for reading the build
 * counter, which moves within the transaction.
 */
export async function holdJob(tx: Sql, jobId: number): Promise<boolean> {
  if (tx.locks.has(`job:${jobId}`)) return true;
  return (await lockJob(tx, jobId)) !== undefined;
}
