import { existsSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { holdMigrationLock, migrate as migratePostgres } from '../store/postgres/migrate.js';
import { SERVER_APPLICATION_NAME } from '../store/postgres/open.js';
import { asStorageRefusal } from '../store/postgres/storage-errors.js';
import { migrate as migrateSqlite } from '../store/sqlite/migrate.js';
import { describeDatabase } from './database-name.js';
import { RotationRefused } from './rotation-refused.js';
import { postgresColumns, type SchemaColumns, sqliteColumns } from './schemas.js';

/**
 * A database as `steward key rotate` changes it: inside one transaction, opened only when no server
 * uses the database, and holding everyone else out until it ends. Statements are written with `?`
 * placeholders for either backend.
 */
export interface RotationDatabase {
  /** The database as messages name it (no password). */
  readonly name: string;
  all<T>(sql: string, params?: readonly unknown[]): Promise<T[]>;
  /** Runs a statement; answers how many rows it changed. */
  run(sql: string, params?: readonly unknown[]): Promise<number>;
  /** Every table's columns that hold text (documents included), as the schema has them. */
  textColumns(): Promise<Map<string, string[]>>;
  commit(): Promise<void>;
  /** Ends the transaction (rolled back unless committed) and the connection. */
  close(): Promise<void>;
}

const SQLITE_TEXT = new Set(['TEXT']);
const POSTGRES_TEXT = new Set(['text', 'character varying', 'json', 'jsonb']);

/** The database of a deployment: PostgreSQL at `database`, else the SQLite database of `home`. */
export function openRotationDatabase(target: { readonly database: string | null; readonly home: string }): Promise<RotationDatabase> {
  return target.database === null ? Promise.resolve(openSqlite(target.home)) : openPostgres(target.database);
}

/**
 * A SQLite home's database, locked for this connection alone (SQLite's exclusive locking mode, kept
 * until it closes): refused when a server has it open, and no server can open it meanwhile.
 */
function openSqlite(home: string): RotationDatabase {
  const path = join(home, 'steward.db');
  if (!existsSync(path)) throw new RotationRefused(`${home} holds no Steward database (steward.db): give the home the server runs with, --home DIR (or STEWARD_HOME), or its PostgreSQL database with --database URL.`);
  const db = new Database(path, { fileMustExist: true, timeout: 0 });
  try {
    db.pragma('locking_mode = EXCLUSIVE');
    db.exec('BEGIN EXCLUSIVE');
    db.exec('COMMIT');
  } catch (error) {
    db.close();
    if ((error as { code?: string }).code === 'SQLITE_BUSY') {
      throw new RotationRefused(`A Steward server is running on ${home} (its database is open), and it would go on sealing with the old key: stop it, then rotate again.`);
    }
    throw error;
  }
  try {
    db.pragma('foreign_keys = ON');
    migrateSqlite(db);
    db.exec('BEGIN IMMEDIATE');
  } catch (error) {
    db.close();
    throw error;
  }
  return {
    name: path,
    all: async <T>(sql: string, params: readonly unknown[] = []) => db.prepare(sql).all(...params) as T[],
    run: async (sql, params = []) => db.prepare(sql).run(...params).changes,
    textColumns: async () => textColumnsOf(sqliteColumns(db), SQLITE_TEXT),
    commit: async () => void db.exec('COMMIT'),
    close: async () => {
      if (db.inTransaction) db.exec('ROLLBACK');
      db.close();
    },
  };
}

/**
 * A PostgreSQL database, its schema brought up to date first, in a transaction holding the
 * migrations' advisory lock (servers starting meanwhile wait for it in their migration), refused while
 * a server's connection (named `steward serve`) is open on it.
 */
async function openPostgres(url: string): Promise<RotationDatabase> {
  const name = describeDatabase(url);
  const pool = new pg.Pool({ connectionString: url, max: 1, connectionTimeoutMillis: 10_000 });
  pool.on('error', () => {});
  let client: pg.PoolClient;
  try {
    await migratePostgres(pool);
    client = await pool.connect();
  } catch (error) {
    await pool.end();
    throw asStorageRefusal(error);
  }
  client.on('error', () => {});
  const close = async () => {
    await client.query('ROLLBACK').catch(() => {});
    client.release();
    await pool.end();
  };
  const numbered = (sql: string) => {
    let n = 0;
    return sql.replace(/\?/g, () => `$${++n}`);
  };
  try {
    await client.query('BEGIN');
    await holdMigrationLock(client);
    const { rows } = await client.query<{ address: string | null }>(
      'SELECT host(client_addr) AS address FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() AND application_name = $1',
      [SERVER_APPLICATION_NAME],
    );
    if (rows.length > 0) {
      const addresses = [...new Set(rows.map((row) => row.address ?? 'a local socket'))].join(', ');
      throw new RotationRefused(`${rows.length} connection(s) of running Steward servers are open on ${name} (from ${addresses}), and those servers would go on sealing with the old key: stop every server, then rotate again.`);
    }
  } catch (error) {
    await close();
    throw error;
  }
  return {
    name,
    all: async <T>(sql: string, params: readonly unknown[] = []) => (await client.query(numbered(sql), [...params])).rows as T[],
    run: async (sql, params = []) => (await client.query(numbered(sql), [...params])).rowCount ?? 0,
    textColumns: async () => textColumnsOf(await postgresColumns(client), POSTGRES_TEXT),
    commit: async () => void (await client.query('COMMIT')),
    close,
  };
}

function textColumnsOf(schema: SchemaColumns, textTypes: ReadonlySet<string>): Map<string, string[]> {
  const tables = new Map<string, string[]>();
  for (const [table, columns] of schema) {
    const text = [...columns].filter(([, type]) => textTypes.has(type)).map(([column]) => column);
    if (text.length > 0) tables.set(table, text);
  }
  return tables;
}
