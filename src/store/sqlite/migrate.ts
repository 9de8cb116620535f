import { readFileSync } from 'node:fs';
import type { Database } from 'better-sqlite3';
import { latestVersion, pendingMigrations, SchemaTooNewError } from '../sql/schema.js';

export { SchemaTooNewError };

const MIGRATIONS = new URL('./migrations/', import.meta.url);

/**
 * Applies the numbered SQL files in `migrations/` that this database has not seen, each in its own
 * transaction, in order. Forward only: a file, once released, is never edited, and a database that
 * has seen a migration this build does not have is refused (`SchemaTooNewError`), before any change.
 */
export function migrate(db: Database): number[] {
  db.exec('CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL)');
  const applied = new Set((db.prepare('SELECT version FROM schema_migrations').all() as Array<{ version: number }>).map((row) => row.version));
  const done: number[] = [];
  for (const { version, file } of pendingMigrations(MIGRATIONS, applied)) {
    const sql = readFileSync(new URL(file, MIGRATIONS), 'utf8');
    db.transaction(() => {
      db.exec(sql);
      db.prepare('INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)').run(version, Date.now());
    })();
    done.push(version);
  }
  return done;
}

/** The schema version this code brings a database to: the number of its last migration. */
export function latestSchemaVersion(): number {
  return latestVersion(MIGRATIONS);
}
