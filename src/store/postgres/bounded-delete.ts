import type { PgWriteBatch } from './write-batch.js';

/** Rows one write of a periodic deletion removes at most; other writes and requests run between. */
const ROWS_PER_WRITE = 1_000;

/**
 * A periodic deletion (old audit events, idle sessions, cancelled queue items…) as a series of bounded
 * writes rather than one transaction as large as the backlog. `where` selects the rows to delete with
 * `$1` for the cut-off time; it must be served by an index.
 */
export class BoundedDelete {
  private readonly statement: string;

  constructor(
    private readonly batch: PgWriteBatch,
    table: string,
    where: string,
  ) {
    this.statement = `DELETE FROM ${table} WHERE ctid = ANY (ARRAY (SELECT ctid FROM ${table} WHERE ${where} LIMIT $2))`;
  }

  /** Deletes every row selected for `before`; resolves with how many. */
  async run(before: number): Promise<number> {
    let total = 0;
    for (;;) {
      const deleted = await this.batch.write((tx) => tx.run(this.statement, [before, ROWS_PER_WRITE]));
      total += deleted;
      if (deleted < ROWS_PER_WRITE) return total;
    }
  }
}
