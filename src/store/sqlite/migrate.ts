import { readdirSync, readFileSync } from 'node:fs';
import type { Database } from 'better-sqlite3';

const MIGRATIONS = new URL('./migrations/', import.meta.url);

/**
 * Applies the numbered SQL files in `migrations/` that this database has not seen, each in its own
 * transaction, in order. Forward only: a file, once released, is never edited.
 */
export function migrate(db: Database): number[] {
  db.exec('CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL)');
  const applied = new Set((db.prepare('SELECT version FROM schema_migrations').all() as Array<{ version: number }>).map((row) => row.version));
  const files = migrationFiles();
  const done: number[] = [];
  for (const file of files) {
    const version = Number(file.slice(0, 4));
    if (applied.has(version)) continue;
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
  return Math.max(0, ...migrationFiles().map((file) => Number(file.slice(0, 4))));
}

function migrationFiles(): string[] {
  return readdirSync(MIGRATIONS)
    .filter((file) => /^\d{4}_[a-z0-9_]+\.sql$/.test(file))
    .sort();
}
