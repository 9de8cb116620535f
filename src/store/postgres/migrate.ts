import { readFileSync } from 'node:fs';
import type pg from 'pg';
import { latestVersion, type MigrationOutcome, pendingMigrations } from '../sql/schema.js';
import { asStorageRefusal } from './storage-errors.js';

const MIGRATIONS = new URL('./migrations/', import.meta.url);

/** The advisory lock that makes nodes starting at once migrate one after the other. */
const MIGRATION_LOCK = "hashtext('steward: schema migrations')";

/**
 * Brings the database's schema up to date: the numbered SQL files in `migrations/` it has not seen are
 * applied in order, all in one transaction that first takes a transaction-scoped advisory lock, so
 * that nodes starting at the same moment wait for each other and the later ones find the work done.
 * Forward only, like SQLite's: a database that has seen a migration this build does not have is
 * refused (`SchemaTooNewError`) before any change. Resolves with the schema version before and after,
 * as seen under the lock, and the versions applied (none when another node or `steward migrate` was first).
 */
export async function migrate(pool: pg.Pool): Promise<MigrationOutcome> {
  let client: pg.PoolClient;
  try {
    client = await pool.connect();
  } catch (error) {
    throw asStorageRefusal(error);
  }
  // A connection lost meanwhile fails the statement running on it; the event needs a listener too.
  const lost = () => {};
  client.on('error', lost);
  try {
    await client.query('BEGIN');
    await holdMigrationLock(client);
    await client.query('CREATE TABLE IF NOT EXISTS schema_migrations (version integer PRIMARY KEY, applied_at bigint NOT NULL)');
    const applied = new Set((await client.query<{ version: number }>('SELECT version FROM schema_migrations')).rows.map((row) => row.version));
    const from = Math.max(0, ...applied);
    const done: number[] = [];
    for (const { version, file } of pendingMigrations(MIGRATIONS, applied)) {
      await client.query(readFileSync(new URL(file, MIGRATIONS), 'utf8'));
      await client.query('INSERT INTO schema_migrations (version, applied_at) VALUES ($1, $2)', [version, Date.now()]);
      done.push(version);
    }
    await client.query('COMMIT');
    return { from, to: Math.max(from, ...done), applied: done };
  } catch (error) {
    await client.query('ROLLBACK').catch(() => {});
    throw asStorageRefusal(error);
  } finally {
    client.off('error', lost);
    client.release();
  }
}

/**
 * Takes the advisory lock that migrations hold, until the end of the client's transaction: a node
 * starting meanwhile waits in `migrate` until that transaction ends (`steward import` holds it while it
 * fills the tables, so that no node starts on a half-imported database).
 */
export async function holdMigrationLock(client: pg.ClientBase): Promise<void> {
  await client.query(`SELECT pg_advisory_xact_lock(${MIGRATION_LOCK})`);
}

/** The schema version this code brings a PostgreSQL database to: the number of its last migration. */
export function latestPostgresSchemaVersion(): number {
  return latestVersion(MIGRATIONS);
}
