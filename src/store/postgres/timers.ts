import type { DueTimer, TimerPurpose, TimerStore } from '../types.js';
import { TIMER_COLUMNS } from '../sql/timer-columns.js';
import type { Sql } from './sql.js';
import type { PgWriteBatch } from './write-batch.js';

/** The due timers of one purpose, earliest first: a range of its partial index (items_timer_due, items_poll_due). */
export function dueTimers(purpose: TimerPurpose): string {
  const column = TIMER_COLUMNS[purpose];
  return `SELECT id, ${column} AS due_at FROM items WHERE ${column} IS NOT NULL AND ${column} <= $1 ORDER BY ${column} LIMIT $2`;
}

/**
 * See TimerStore: the timers are the items' `timer_next_at` and `poll_next_at`, found through partial
 * indexes. A timer moves forward only from the time it was read at, so of several servers that read it due, one moves it.
 */
export class PgTimerStore implements TimerStore {
  constructor(
    private readonly db: Sql,
    private readonly batch: PgWriteBatch,
  ) {}

  async due(purpose: TimerPurpose, now: number, limit: number): Promise<DueTimer[]> {
    const rows = await this.db.rows<{ id: number; due_at: number }>(dueTimers(purpose), [now, limit]);
    return rows.map((row) => ({ jobId: Number(row.id), dueAt: Number(row.due_at) }));
  }

  advance(purpose: TimerPurpose, jobId: number, from: number, to: number | null): Promise<boolean> {
    const column = TIMER_COLUMNS[purpose];
    // The job's row, locked with the other jobs of the batch in id order (PgWriteBatch).
    return this.batch.write(async (tx) => (await tx.run(`UPDATE items SET ${column} = $3 WHERE id = $1 AND ${column} = $2`, [jobId, from, to])) > 0, { jobIds: [jobId] });
  }
}
