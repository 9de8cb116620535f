import type { Database, Statement } from 'better-sqlite3';
import type { DueTimer, TimerPurpose, TimerStore } from '../types.js';
import { TIMER_COLUMNS } from '../sql/timer-columns.js';
import type { WriteBatch } from './write-batch.js';

/** See TimerStore: the timers are the items' `timer_next_at` and `poll_next_at`, found through partial indexes. */
export class SqliteTimerStore implements TimerStore {
  private readonly dueRows: Record<TimerPurpose, Statement<[number, number], { id: number; due_at: number }>>;
  private readonly move: Record<TimerPurpose, Statement<[number | null, number, number]>>;

  constructor(
    db: Database,
    private readonly batch: WriteBatch,
  ) {
    const statements = (column: string) => ({
      due: db.prepare<[number, number], { id: number; due_at: number }>(`SELECT id, ${column} AS due_at FROM items WHERE ${column} IS NOT NULL AND ${column} <= ? ORDER BY ${column} LIMIT ?`),
      move: db.prepare<[number | null, number, number]>(`UPDATE items SET ${column} = ? WHERE id = ? AND ${column} = ?`),
    });
    const build = statements(TIMER_COLUMNS.build);
    const poll = statements(TIMER_COLUMNS.poll);
    this.dueRows = { build: build.due, poll: poll.due };
    this.move = { build: build.move, poll: poll.move };
  }

  async due(purpose: TimerPurpose, now: number, limit: number): Promise<DueTimer[]> {
    return this.dueRows[purpose].all(now, limit).map((row) => ({ jobId: row.id, dueAt: row.due_at }));
  }

  advance(purpose: TimerPurpose, jobId: number, from: number, to: number | null): Promise<boolean> {
    return this.batch.write(() => this.move[purpose].run(to, jobId, from).changes > 0);
  }
}
