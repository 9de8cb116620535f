import type { Database, Statement } from 'better-sqlite3';
import type { PeriodicStore } from '../types.js';
import type { WriteBatch } from './write-batch.js';

/** See PeriodicStore: the row's next_run_at moves forward for one caller per period. */
export class SqlitePeriodicStore implements PeriodicStore {
  private readonly book: Statement<{ task: string; now: number; next: number }, { name: string }>;

  constructor(
    db: Database,
    private readonly batch: WriteBatch,
  ) {
    this.book = db.prepare(
      `INSERT INTO periodic_tasks (name, next_run_at) VALUES (@task, @next)
       ON CONFLICT (name) DO UPDATE SET next_run_at = excluded.next_run_at WHERE periodic_tasks.next_run_at <= @now
       RETURNING name`,
    );
  }

  claim(task: string, now: number, everyMs: number): Promise<boolean> {
    return this.batch.write(() => this.book.get({ task, now, next: now + everyMs }) !== undefined);
  }
}
