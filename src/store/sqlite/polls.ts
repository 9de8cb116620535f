import type { Database, Statement } from 'better-sqlite3';
import type { PollRecord, PollStore } from '../types.js';
import type { WriteBatch } from './write-batch.js';

interface PollRow {
  heads: string;
  log: string;
  polled_at: number;
}

/** See PollStore: one row per job that polled, replaced only over the row the poll started from. */
export class SqlitePollStore implements PollStore {
  private readonly read: Statement<[number], PollRow>;
  private readonly insert: Statement;
  private readonly replace: Statement;

  constructor(
    db: Database,
    private readonly batch: WriteBatch,
  ) {
    this.read = db.prepare('SELECT heads, log, polled_at FROM scm_polls WHERE job_id = ?');
    this.insert = db.prepare('INSERT INTO scm_polls (job_id, heads, log, polled_at) VALUES (@jobId, @heads, @log, @polledAt) ON CONFLICT (job_id) DO NOTHING');
    this.replace = db.prepare('UPDATE scm_polls SET heads = @heads, log = @log, polled_at = @polledAt WHERE job_id = @jobId AND polled_at = @from');
  }

  async last(jobId: number): Promise<PollRecord | null> {
    const row = this.read.get(jobId);
    return row ? { heads: JSON.parse(row.heads) as Record<string, string>, log: row.log, polledAt: row.polled_at } : null;
  }

  record(jobId: number, from: PollRecord | null, next: PollRecord): Promise<boolean> {
    const values = { jobId, heads: JSON.stringify(next.heads), log: next.log, polledAt: next.polledAt, from: from?.polledAt ?? null };
    return this.batch.write(() => (from === null ? this.insert.run(values) : this.replace.run(values)).changes > 0);
  }
}
