import type { Database } from 'better-sqlite3';

interface Pending {
  readonly write: () => unknown;
  readonly resolve: (value: unknown) => void;
  readonly reject: (error: unknown) => void;
}

/**
 * Group commit. Writes requested during one turn of the event loop run together in one transaction
 * and share one commit (one fsync), and each caller's promise settles only after that commit. Each
 * write runs inside its own savepoint, so one that fails is rolled back alone and the rest commit.
 *
 * Measured on the 2-core workplace machine, fsync costs ~0.14 ms; grouping lets a burst of
 * concurrent triggers cost one of them instead of one each.
 */
export class WriteBatch {
  private pending: Pending[] = [];
  private scheduled = false;
  private closed = false;

  constructor(private readonly db: Database) {}

  write<T>(write: () => T): Promise<T> {
    if (this.closed) return Promise.reject(new Error('The store is closed.'));
    return new Promise<T>((resolve, reject) => {
      this.pending.push({ write, resolve: resolve as (value: unknown) => void, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  /** Commits what is pending now; later writes are refused. */
  close(): void {
    this.flush();
    this.closed = true;
  }

  private flush(): void {
    this.scheduled = false;
    const batch = this.pending;
    this.pending = [];
    if (batch.length === 0) return;
    const outcomes: Array<{ ok: true; value: unknown } | { ok: false; error: unknown }> = [];
    try {
      this.db.exec('BEGIN IMMEDIATE');
      for (const entry of batch) {
        this.db.exec('SAVEPOINT write');
        try {
          outcomes.push({ ok: true, value: entry.write() });
          this.db.exec('RELEASE write');
        } catch (error) {
          this.db.exec('ROLLBACK TO write');
          this.db.exec('RELEASE write');
          outcomes.push({ ok: false, error });
        }
      }
      this.db.exec('COMMIT');
    } catch (error) {
      if (this.db.inTransaction) this.db.exec('ROLLBACK');
      for (const entry of batch) entry.reject(error);
      return;
    }
    batch.forEach((entry, index) => {
      const outcome = outcomes[index];
      if (outcome?.ok) entry.resolve(outcome.value);
      else entry.reject(outcome?.error);
    });
  }
}
