import type { DueTimer, TimerStore } from '../types.js';
import type { Sql } from './sql.js';
import type { PgWriteBatch } from './write-batch.js';

/** The due timers, earliest first: a range of the partial index items_timer_due. */
export const DUE_TIMERS = 'SELECT id, timer_next_at FROM items WHERE timer_next_at IS NOT NULL AND timer_next_at <= $1 ORDER BY timer_next_at LIMIT $2';

/**
 * See TimerStore: the timers are the items' `timer_next_at`, found through a partial index. A timer
 * moves forward only from the time it was read at, so of several servers that read it due, one moves it.
 */
export class PgTimerStore implements TimerStore {
  constructor(
    private readonly db: Sql,
    private readonly batch: PgWriteBatch,
  ) {}

  async due(now: number, limit: number): Promise<DueTimer[]> {
    const rows = await this.db.rows<{ id: number; timer_next_at: number }>(DUE_TIMERS, [now, limit]);
    return rows.map((row) => ({ jobId: Number(row.id), dueAt: Number(row.timer_next_at) }));
  }

  advance(jobId: number, from: number, to: number | null): Promise<boolean> {
    // The job's row, locked with the other jobs of the batch in id order (PgWriteBatch).
    return this.batch.write(async (tx) => (await tx.run('UPDATE items SET timer_next_at = $3 WHERE id = $1 AND timer_next_at = $2', [jobId, from, to])) > 0, { jobIds: [jobId] });
  }
}
