import { readFileSync } from 'node:fs';
import type { Database } from 'better-sqlite3';
import { latestVersion, type MigrationOutcome, pendingMigrations, SchemaTooNewError } from '../sql/schema.js';

export { SchemaTooNewError };
export type { MigrationOutcome };

const MIGRATIONS = new URL('./migrations/', import.meta.url);

/**
 * Applies the numbered SQL files in `migrations/` that this database has not seen, each in its own
 * transaction, in order. Forward only: a file, once released, is never edited, and a database that
 * has seen a migration this build does not have is refused (`SchemaTooNewError`), before any change.
 * Each step takes the write lock first (BEGIN IMMEDIATE) and only then reads which migrations the
 * database has seen, so that processes migrating one database at the same moment (`steward migrate`,
 * a server starting) apply each migration once: the later one waits (busy_timeout) and finds it done.
 * Returns the schema version before and after, as this process saw them, and the migrations it applied.
 */
export function migrate(db: Database): MigrationOutcome {
  db.exec('CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL)');
  const appliedVersions = () => new Set((db.prepare('SELECT version FROM schema_migrations').all() as Array<{ version: number }>).map((row) => row.version));
  const step = db.transaction((): { before: number; version: number | null } => {
    const seen = appliedVersions();
    const before = Math.max(0, ...seen);
    const next = pendingMigrations(MIGRATIONS, seen)[0];
    if (!next) return { before, version: null };
    db.exec(readFileSync(new URL(next.file, MIGRATIONS), 'utf8'));
    db.prepare('INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)').run(next.version, Date.now());
    return { before, version: next.version };
  });
  const applied: number[] = [];
  let from: number | null = null;
  for (;;) {
    const { before, version } = step.immediate();
    from ??= before;
    if (version === null) return { from, to: before, applied };
    applied.push(version);
  }
}

/** The schema version this code brings a database to: the number of its last migration. */
export function latestSchemaVersion(): number {
  return latestVersion(MIGRATIONS);
}
