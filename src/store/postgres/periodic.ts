import type { PeriodicStore } from '../types.js';
import type { PgWriteBatch } from './write-batch.js';

/** See PeriodicStore: the row's next_run_at moves forward for one server per period. */
export class PgPeriodicStore implements PeriodicStore {
  constructor(private readonly batch: PgWriteBatch) {}

  claim(task: string, now: number, everyMs: number): Promise<boolean> {
    return this.batch.write(
      async (tx) =>
        (await tx.one(
          `INSERT INTO periodic_tasks (name, next_run_at) VALUES ($1, $2::bigint + $3::bigint)
           ON CONFLICT (name) DO UPDATE SET next_run_at = EXCLUDED.next_run_at WHERE periodic_tasks.next_run_at <= $2
           RETURNING name`,
          [task, now, everyMs],
        )) !== undefined,
    );
  }
}
