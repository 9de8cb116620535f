import type { Database, Statement } from 'better-sqlite3';
import type { DueTimer, TimerStore } from '../types.js';
import type { WriteBatch } from './write-batch.js';

/** See TimerStore: the timers are the items' `timer_next_at`, found through a partial index. */
export class SqliteTimerStore implements TimerStore {
  private readonly dueRows: Statement<[number, number], { id: number; timer_next_at: number }>;
  private readonly move: Statement<[number | null, number, number]>;

  constructor(
    db: Database,
    private readonly batch: WriteBatch,
  ) {
    this.dueRows = db.prepare('SELECT id, timer_next_at FROM items WHERE timer_next_at IS NOT NULL AND timer_next_at <= ? ORDER BY timer_next_at LIMIT ?');
    this.move = db.prepare('UPDATE items SET timer_next_at = ? WHERE id = ? AND timer_next_at = ?');
  }

  async due(now: number, limit: number): Promise<DueTimer[]> {
    return this.dueRows.all(now, limit).map((row) => ({ jobId: row.id, dueAt: row.timer_next_at }));
  }

  advance(jobId: number, from: number, to: number | null): Promise<boolean> {
    return this.batch.write(() => this.move.run(to, jobId, from).changes > 0);
  }
}
