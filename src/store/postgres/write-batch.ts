import type pg from 'pg';
import { type JobLocks, lockDeclaredJobs } from './job-lock.js';
import { asStorageRefusal, isDatabaseUnavailable, isRetryable } from './storage-errors.js';
import { Sql } from './sql.js';

/** A write: statements run on the transaction's connection; resolves with the caller's answer. */
export type Write<T> = (tx: Sql) => Promise<T>;

interface Pending {
  readonly write: Write<unknown>;
  readonly locks: JobLocks;
  readonly resolve: (value: unknown) => void;
  readonly reject: (error: unknown) => void;
}

type Outcome = { ok: true; value: unknown } | { ok: false; error: unknown };

/** How often a write that lost a deadlock or a serialization check is run again before it fails. */
const ATTEMPTS = 4;

/**
 * Group commit for PostgreSQL, like SQLite's WriteBatch: the writes requested while the previous
 * commit was running (or during one turn of the event loop) run together in one transaction on one
 * connection and share one commit, and each caller's promise settles only once that COMMIT returned,
 * so with `synchronous_commit` on (PostgreSQL's default) an answered write is on the database's disk.
 *
 * In PostgreSQL a failed statement aborts its transaction, so when one write of a batch fails the
 * batch is rolled back and each of its writes is run again alone, in its own transaction: the failing
 * one fails alone and the others commit. Writes therefore keep no state outside the database that a
 * second run would repeat. A write that locks jobs declares them (`JobLocks`): each transaction first
 * locks the jobs of all its writes, in id order (job-lock.ts), so that two nodes' batches sharing jobs
 * do not deadlock. A write that loses a deadlock or a serialization check to another node all the same
 * is run again, a few times. Losing the database rejects the writes concerned with `storage_unavailable`
 * and leaves the batch working: the next writes get a fresh connection from the pool.
 */
export class PgWriteBatch {
  private pending: Pending[] = [];
  private scheduled = false;
  private running: Promise<void> | null = null;
  private closed = false;

  constructor(
    private readonly pool: pg.Pool,
    private readonly observeCommit: (seconds: number) => void = () => {},
    private readonly observeConflict: () => void = () => {},
  ) {}

  /** Runs `write` in the next batch, after locking the jobs it declares in `locks`; resolves after COMMIT. */
  write<T>(write: Write<T>, locks: JobLocks = {}): Promise<T> {
    if (this.closed) return Promise.reject(new Error('The store is closed.'));
    return new Promise<T>((resolve, reject) => {
      this.pending.push({ write: write as Write<unknown>, locks, resolve: resolve as (value: unknown) => void, reject });
      this.schedule();
    });
  }

  /** Commits what is pending now; later writes are refused. */
  async close(): Promise<void> {
    this.closed = true;
    while (this.running || this.pending.length > 0) {
      if (this.running) await this.running;
      else this.flush();
    }
  }

  private schedule(): void {
    if (this.scheduled || this.running) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.flush();
    });
  }

  private flush(): void {
    if (this.running || this.pending.length === 0) return;
    const batch = this.pending;
    this.pending = [];
    this.running = this.commit(batch).finally(() => {
      this.running = null;
      if (this.pending.length > 0) this.schedule();
    });
  }

  private async commit(batch: readonly Pending[]): Promise<void> {
    const began = performance.now();
    let client: pg.PoolClient;
    try {
      client = await this.pool.connect();
    } catch (error) {
      for (const entry of batch) entry.reject(asStorageRefusal(error));
      return;
    }
    let broken: unknown = undefined;
    // A connection lost while this batch holds it fails the statement running on it; the event itself
    // needs a listener, or it would be an uncaught error.
    const lost = (error: Error) => {
      broken = error;
    };
    client.on('error', lost);
    try {
      const together = await this.together(client, batch);
      const outcomes = together ?? [];
      if (together === null) {
        for (const entry of batch) {
          const outcome = await this.alone(client, entry);
          outcomes.push(outcome);
          if (!outcome.ok && isDatabaseUnavailable(outcome.error)) broken = outcome.error;
        }
      }
      this.observeCommit((performance.now() - began) / 1000);
      batch.forEach((entry, index) => {
        const outcome = outcomes[index] as Outcome;
        if (outcome.ok) entry.resolve(outcome.value);
        else entry.reject(asStorageRefusal(outcome.error));
      });
    } catch (error) {
      broken = error;
      for (const entry of batch) entry.reject(asStorageRefusal(error));
    } finally {
      client.off('error', lost);
      // A connection that failed is closed rather than handed to the next write.
      client.release(broken === undefined ? undefined : broken instanceof Error ? broken : true);
    }
  }

  /** Runs the batch in one transaction; null when a write failed (the transaction was rolled back). */
  private async together(client: pg.PoolClient, batch: readonly Pending[]): Promise<Outcome[] | null> {
    const tx = new Sql(client);
    await client.query('BEGIN');
    const outcomes: Outcome[] = [];
    try {
      await lockDeclaredJobs(tx, batch.map((entry) => entry.locks));
      for (const entry of batch) outcomes.push({ ok: true, value: await entry.write(tx) });
      await client.query('COMMIT');
      return outcomes;
    } catch (error) {
      if (isDatabaseUnavailable(error)) throw error;
      await client.query('ROLLBACK');
      if (isRetryable(error)) this.observeConflict();
      return null;
    }
  }

  /** Runs one write in its own transaction, again after a deadlock or serialization failure. */
  private async alone(client: pg.PoolClient, entry: Pending): Promise<Outcome> {
    for (let attempt = 1; ; attempt += 1) {
      const tx = new Sql(client);
      try {
        await client.query('BEGIN');
        await lockDeclaredJobs(tx, [entry.locks]);
        const value = await entry.write(tx);
        await client.query('COMMIT');
        return { ok: true, value };
      } catch (error) {
        if (isDatabaseUnavailable(error)) return { ok: false, error };
        try {
          await client.query('ROLLBACK');
        } catch (rollback) {
          return { ok: false, error: rollback };
        }
        if (!isRetryable(error)) return { ok: false, error };
        this.observeConflict();
        if (attempt >= ATTEMPTS) return { ok: false, error };
      }
    }
  }
}
