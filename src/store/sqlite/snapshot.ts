import Database from 'better-sqlite3';

/** A build as a snapshot holds it: enough to find its console log and to know whether that log was complete. */
export interface SnapshotBuild {
  readonly jobId: number;
  readonly number: number;
  readonly running: boolean;
}

/** Copy every remaining page in one step: see `takeSnapshot`. */
const ALL_PAGES = 0x7fffffff;

/**
 * Copies the database at `source` to `destination` (a new file) with SQLite's online backup API,
 * while a server may be writing to it. The copy is made in one step, inside one read transaction, so
 * it is the database as of one commit: in WAL mode readers never block the writer, and a backup made
 * in several steps would start over whenever another process commits, which under a steady load is
 * for ever. The copy is then switched to a rollback journal, so that it is one self-contained file
 * (the server turns WAL on again when it opens it).
 */
export async function takeSnapshot(source: string, destination: string): Promise<void> {
  const db = new Database(source, { fileMustExist: true });
  try {
    db.pragma('busy_timeout = 5000');
    await db.backup(destination, { progress: () => ALL_PAGES });
  } finally {
    db.close();
  }
  const copy = new Database(destination, { fileMustExist: true });
  try {
    copy.pragma('journal_mode = DELETE');
  } finally {
    copy.close();
  }
}

/**
 * A database file nobody else writes (a snapshot, or a restored copy), read for what a backup and a
 * restore report and check.
 */
export class SnapshotFile {
  private readonly db: Database.Database;

  constructor(path: string) {
    this.db = new Database(path, { fileMustExist: true, readonly: true });
  }

  /** The highest migration applied to it (0 for a database that has none). */
  schemaVersion(): number {
    const hasTable = this.db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'").get();
    if (!hasTable) return 0;
    return (this.db.prepare('SELECT COALESCE(MAX(version), 0) AS version FROM schema_migrations').get() as { version: number }).version;
  }

  /** SQLite's own check of the file's structure: an empty list when it is sound. */
  problems(): string[] {
    const rows = this.db.pragma('quick_check') as Array<{ quick_check: string }>;
    return rows.map((row) => row.quick_check).filter((text) => text !== 'ok');
  }

  jobCount(): number {
    return (this.db.prepare("SELECT COUNT(*) AS count FROM items WHERE kind = 'job'").get() as { count: number }).count;
  }

  /** Every build, one row at a time (a home may hold millions). */
  *builds(): Generator<SnapshotBuild> {
    const rows = this.db.prepare('SELECT job_id AS jobId, number, state FROM builds').iterate() as IterableIterator<{ jobId: number; number: number; state: string }>;
    for (const row of rows) yield { jobId: row.jobId, number: row.number, running: row.state === 'running' };
  }

  close(): void {
    this.db.close();
  }
}

/**
 * Whether another process has the database open, as a running server does for as long as it runs:
 * asking for an exclusive lock, without waiting, is refused while any other connection is open on a
 * database in WAL mode (each holds a shared lock on its shared-memory index).
 */
export function databaseInUse(path: string): boolean {
  const db = new Database(path, { fileMustExist: true, timeout: 0 });
  try {
    db.pragma('locking_mode = EXCLUSIVE');
    db.exec('BEGIN EXCLUSIVE');
    db.exec('COMMIT');
    return false;
  } catch (error) {
    if ((error as { code?: string }).code === 'SQLITE_BUSY') return true;
    throw error;
  } finally {
    db.close();
  }
}
