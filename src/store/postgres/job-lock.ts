import type { Sql } from './sql.js';

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

/** Locks the job of a queue item (see lockJob); undefined when the item does not exist. */
export async function lockJobOfItem(tx: Sql, queueId: number): Promise<number | undefined> {
  const item = await tx.one<{ job_id: number }>('SELECT job_id FROM queue_items WHERE id = $1', [queueId]);
  if (!item) return undefined;
  await lockJob(tx, item.job_id);
  return item.job_id;
}
