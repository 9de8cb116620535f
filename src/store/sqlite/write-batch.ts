import { closeSync, fdatasync, openSync } from 'node:fs';
import type { Database, Statement } from 'better-sqlite3';
import { asStorageRefusal } from './storage-errors.js';

interface Pending {
  readonly write: () => unknown;
  readonly resolve: (value: unknown) => void;
  readonly reject: (error: unknown) => void;
}

type Outcome = { ok: true; value: unknown } | { ok: false; error: unknown };

/**
 * Group commit. Writes requested during one turn of the event loop run together in one transaction
 * and share one commit, and each caller's promise settles only once that commit is on disk. Each
 * write runs in its own savepoint, so one that fails is rolled back alone and the rest commit.
 *
 * Durability without blocking: the database runs in WAL mode with `synchronous=NORMAL`, so a COMMIT
 * only writes the transaction's frames to the WAL file; this class then fdatasyncs the WAL file (as
 * SQLite's own FULL mode would) on libuv's thread pool and settles the promises after that. The
 * event loop keeps serving requests while the disk works; writes that arrive during a sync are
 * committed together when it ends. SQLite itself syncs the WAL before every checkpoint and the
 * database after, so nothing acknowledged is lost to a checkpoint. Measured on the 2-core workplace
 * machine, this triples the trigger rate of committing with `synchronous=FULL` on the event loop
 * (docs/benchmarks.md).
 *
 * A full or failing disk rejects the writes it concerns with `disk_full` (see storage-errors.ts) and
 * leaves the batch working: the next writes are tried again, so the server resumes by itself once
 * space is freed.
 */
export class WriteBatch {
  private pending: Pending[] = [];
  private scheduled = false;
  private closed = false;
  private walFd: number | null = null;
  private syncing: Promise<void> | null = null;
  private flushWhenSynced = false;
  private readonly begin: Statement;
  private readonly commit: Statement;
  private readonly savepoint: Statement;
  private readonly release: Statement;
  private readonly rollbackTo: Statement;

  /**
   * `walPath` is the database's `-wal` file; null for an in-memory database, which has nothing to sync.
   * `observeCommit` hears how long each commit took, from BEGIN until it was on disk (the metrics).
   */
  constructor(
    private readonly db: Database,
    private readonly walPath: string | null,
    private readonly observeCommit: (seconds: number) => void = () => {},
  ) {
    this.begin = db.prepare('BEGIN IMMEDIATE');
    this.commit = db.prepare('COMMIT');
    this.savepoint = db.prepare('SAVEPOINT write');
    this.release = db.prepare('RELEASE write');
    this.rollbackTo = db.prepare('ROLLBACK TO write');
  }

  write<T>(write: () => T): Promise<T> {
    if (this.closed) return Promise.reject(new Error('The store is closed.'));
    return new Promise<T>((resolve, reject) => {
      this.pending.push({ write, resolve: resolve as (value: unknown) => void, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => {
          this.scheduled = false;
          this.flush();
        });
      }
    });
  }

  /** Commits and syncs what is pending now; later writes are refused. */
  async close(): Promise<void> {
    this.closed = true;
    while (this.syncing || this.pending.length > 0) {
      if (this.syncing) await this.syncing;
      else this.flush();
    }
    if (this.walFd !== null) closeSync(this.walFd);
    this.walFd = null;
  }

  /**
   * Commits the pending writes, unless the previous commit is still being synced: then they wait
   * and are committed together as soon as that sync ends, so every sync carries as many writes as
   * arrived meanwhile and no commit waits behind two syncs.
   */
  private flush(): void {
    if (this.syncing) {
      this.flushWhenSynced = true;
      return;
    }
    const batch = this.pending;
    this.pending = [];
    if (batch.length === 0) return;
    const began = performance.now();
    let outcomes: Outcome[];
    try {
      outcomes = this.runTransaction(batch);
    } catch (error) {
      for (const entry of batch) entry.reject(asStorageRefusal(error));
      return;
    }
    const settle = () => {
      this.observeCommit((performance.now() - began) / 1000);
      batch.forEach((entry, index) => {
        const outcome = outcomes[index] as Outcome;
        if (outcome.ok) entry.resolve(outcome.value);
        else entry.reject(outcome.error);
      });
    };
    if (this.walPath === null) {
      settle();
      return;
    }
    this.syncing = this.fsyncWal()
      .then(settle, (error: unknown) => {
        for (const entry of batch) entry.reject(asStorageRefusal(error));
      })
      .finally(() => {
        this.syncing = null;
        if (this.flushWhenSynced) {
          this.flushWhenSynced = false;
          this.flush();
        }
      });
  }

  private runTransaction(batch: readonly Pending[]): Outcome[] {
    const outcomes: Outcome[] = [];
    try {
      this.begin.run();
      for (const entry of batch) {
        this.savepoint.run();
        try {
          outcomes.push({ ok: true, value: entry.write() });
          this.release.run();
        } catch (error) {
          this.rollbackTo.run();
          this.release.run();
          outcomes.push({ ok: false, error: asStorageRefusal(error) });
        }
      }
      this.commit.run();
      return outcomes;
    } catch (error) {
      if (this.db.inTransaction) this.db.exec('ROLLBACK');
      throw error;
    }
  }

  /**
   * fdatasync on any descriptor of a file flushes all of its written data, so our own read-only
   * descriptor of the WAL serves. SQLite keeps the same WAL file while the database is open (it
   * rewinds it after checkpoints rather than replacing it), so the descriptor is opened once.
   */
  private fsyncWal(): Promise<void> {
    this.walFd ??= openSync(this.walPath as string, 'r');
    const fd = this.walFd;
    return new Promise((resolve, reject) => fdatasync(fd, (error) => (error ? reject(error) : resolve())));
  }
}
