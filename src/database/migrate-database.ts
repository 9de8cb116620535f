import { existsSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { BackupError } from '../backup/backup-error.js';
import { latestPostgresSchemaVersion, migrate as migratePostgres } from '../store/postgres/migrate.js';
import type { MigrationOutcome } from '../store/sql/schema.js';
import { latestSchemaVersion, migrate as migrateSqlite } from '../store/sqlite/migrate.js';
import { describeDatabase } from './database-name.js';

export interface MigrateTarget {
  /** A PostgreSQL database; null for the SQLite database of `home`. */
  readonly database: string | null;
  readonly home: string;
}

export interface MigrateSummary extends MigrationOutcome {
  /** The database as messages name it (no password). */
  readonly name: string;
  /** The schema version this Steward brings a database of that kind to. */
  readonly latest: number;
}

/**
 * `steward migrate`: brings a database's schema up to date with the same code `steward serve` runs at
 * start, and says from which version to which. Safe while other nodes start or migrate: on PostgreSQL
 * the migrations run in one transaction under an advisory lock, on SQLite each under the write lock,
 * so each is applied once and the others find it done. A database of a newer Steward is refused
 * (`SchemaTooNewError`) before any change.
 */
export async function migrateDatabase(target: MigrateTarget): Promise<MigrateSummary> {
  if (target.database !== null) {
    const pool = new pg.Pool({ connectionString: target.database, max: 1, connectionTimeoutMillis: 10_000 });
    pool.on('error', () => {});
    try {
      return { ...(await migratePostgres(pool)), name: describeDatabase(target.database), latest: latestPostgresSchemaVersion() };
    } finally {
      await pool.end();
    }
  }
  const path = join(target.home, 'steward.db');
  if (!existsSync(path)) {
    throw new BackupError('not_found', `${target.home} holds no Steward database (steward.db).`, 'Give the home the server runs with (--home DIR, or STEWARD_HOME), or a PostgreSQL database with --database URL. steward serve makes a new home\'s database itself.');
  }
  const db = new Database(path, { fileMustExist: true });
  try {
    // As the server opens it: a running server's writes go on meanwhile, and a migration waits for its turn.
    db.pragma('busy_timeout = 5000');
    db.pragma('journal_mode = WAL');
    db.pragma('foreign_keys = ON');
    return { ...migrateSqlite(db), name: path, latest: latestSchemaVersion() };
  } finally {
    db.close();
  }
}
