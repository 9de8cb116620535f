import type { Database, Statement } from 'better-sqlite3';
import type { WriteBatch } from './write-batch.js';

/** Rows one write of a periodic deletion removes at most; other writes and requests run between. */
const ROWS_PER_WRITE = 1_000;

/**
 * A periodic deletion (old audit events, idle sessions, cancelled queue items…) that runs as a series
 * of bounded writes rather than one transaction as large as the backlog. `rows` is the SQL selecting
 * the rowids to delete, with one `?` for the cut-off time; it must be ordered by an index.
 */
export class BoundedDelete {
  private readonly statement: Statement<[number, number]>;

  constructor(
    db: Database,
    private readonly batch: WriteBatch,
    table: string,
    rows: string,
  ) {
    this.statement = db.prepare(`DELETE FROM ${table} WHERE rowid IN (${rows} LIMIT ?)`);
  }

  /** Deletes every row selected for `before`; resolves with how many. */
  async run(before: number): Promise<number> {
    let total = 0;
    for (;;) {
      const deleted = await this.batch.write(() => this.statement.run(before, ROWS_PER_WRITE).changes);
      total += deleted;
      if (deleted < ROWS_PER_WRITE) return total;
    }
  }
}
