import type { PollRecord, PollStore } from '../types.js';
import type { Sql } from './sql.js';
import type { PgWriteBatch } from './write-batch.js';

/** See PollStore: one row per job that polled, replaced only over the row the poll started from. */
export class PgPollStore implements PollStore {
  constructor(
    private readonly db: Sql,
    private readonly batch: PgWriteBatch,
  ) {}

  async last(jobId: number): Promise<PollRecord | null> {
    const row = await this.db.one<{ heads: string; log: string; polled_at: string }>('SELECT heads, log, polled_at FROM scm_polls WHERE job_id = $1', [jobId]);
    return row ? { heads: JSON.parse(row.heads) as Record<string, string>, log: row.log, polledAt: Number(row.polled_at) } : null;
  }

  record(jobId: number, from: PollRecord | null, next: PollRecord): Promise<boolean> {
    const heads = JSON.stringify(next.heads);
    return this.batch.write(async (tx) =>
      from === null
        ? (await tx.run('INSERT INTO scm_polls (job_id, heads, log, polled_at) VALUES ($1, $2, $3, $4) ON CONFLICT (job_id) DO NOTHING', [jobId, heads, next.log, next.polledAt])) > 0
        : (await tx.run('UPDATE scm_polls SET heads = $2, log = $3, polled_at = $4 WHERE job_id = $1 AND polled_at = $5', [jobId, heads, next.log, next.polledAt, from.polledAt])) > 0,
    );
  }
}
