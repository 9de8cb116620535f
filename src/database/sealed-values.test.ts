import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { createTestDatabase } from '../../test/support/postgres.js';
import { newMasterKey, SecretBox } from '../auth/secret-box.js';
import { migrate as migratePostgres } from '../store/postgres/migrate.js';
import { migrate as migrateSqlite } from '../store/sqlite/migrate.js';
import { rotateKey } from './rotate-key.js';
import { RotationRefused } from './rotation-refused.js';
import { SEALED_COLUMNS } from './sealed-values.js';
import { TABLES } from './tables.js';

/**
 * The one place that names sealed columns (sealed-values.ts), held to the schema: every column it names
 * is a column export and import carry, and a sealed value anywhere it does not name (a column a later
 * migration adds, or a new place inside a named document) makes `steward key rotate` refuse before it
 * changes anything, on either database, so that no value is left sealed with a key that is gone.
 */
const work = mkdtempSync(join(tmpdir(), 'steward-sealed-values-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const oldKey = newMasterKey();
const old = new SecretBox(oldKey);

/** A home whose database has the schema, a job whose settings hold `settings`, and `extra` run on it. */
function sqliteHome(name: string, settings: unknown, extra: (db: Database.Database) => void): string {
  const home = join(work, name);
  mkdirSync(join(home, 'secrets'), { recursive: true });
  writeFileSync(join(home, 'secrets', 'master.key'), oldKey.toString('base64'), { mode: 0o600 });
  const db = new Database(join(home, 'steward.db'));
  try {
    migrateSqlite(db);
    db.prepare("INSERT INTO items (id, kind, name, full_name, full_name_key, settings, created_at, updated_at) VALUES (1, 'job', 'app', 'app', 'app', ?, 0, 0)").run(JSON.stringify(settings));
    extra(db);
  } finally {
    db.close();
  }
  return home;
}

async function postgresDatabase(settings: unknown, extra: readonly string[]): Promise<string> {
  const url = await createTestDatabase('sealed');
  const pool = new pg.Pool({ connectionString: url, max: 1 });
  try {
    await migratePostgres(pool);
    await pool.query("INSERT INTO items (id, kind, name, full_name, full_name_key, settings, created_at, updated_at) VALUES (1, 'job', 'app', 'app', 'app', $1, 0, 0)", [JSON.stringify(settings)]);
    for (const statement of extra) await pool.query(statement);
  } finally {
    await pool.end();
  }
  return url;
}

async function refusal(home: string, database: string | null = null): Promise<string> {
  const keyFile = join(home, 'secrets', 'master.key');
  const error = await rotateKey({ database, home, keyFile, oldKey, newKey: null }).catch((caught: unknown) => caught);
  expect(error).toBeInstanceOf(RotationRefused);
  // Nothing was put in place: the key file is the old one, and no new or backup key file was left.
  expect(readFileSync(keyFile, 'utf8')).toBe(oldKey.toString('base64'));
  expect(readdirSync(join(home, 'secrets'))).toEqual(['master.key']);
  return (error as Error).message;
}

const passwordSettings = (sealed: string, command = 'make') => ({ parameters: [{ type: 'password', name: 'PASS', description: '', sealedDefault: sealed }], steps: [{ command, unstableReturn: null }] });

describe('the sealed columns', () => {
  it('are columns that export and import carry, each read by its table’s key', () => {
    for (const sealed of SEALED_COLUMNS) {
      const table = TABLES.find((transfer) => transfer.name === sealed.table);
      expect(table?.columns[sealed.column], `${sealed.table}.${sealed.column}`).toMatch(/^(text|json)$/);
      for (const key of sealed.key) expect(table?.columns[key], `${sealed.table}.${key}`).toBeDefined();
      // One key per table: the rotation reads a table's sealed columns together, row by row.
      expect(SEALED_COLUMNS.filter((other) => other.table === sealed.table).every((other) => other.key.join() === sealed.key.join())).toBe(true);
    }
  });

  it('are the only place a sealed value may be: one in a column a later migration adds is refused, nothing changed (SQLite)', async () => {
    const home = sqliteHome('new-column', passwordSettings(old.seal('pw')), (db) => {
      db.exec('CREATE TABLE artifacts (id INTEGER PRIMARY KEY, secret TEXT)');
      db.prepare('INSERT INTO artifacts (id, secret) VALUES (1, ?)').run(old.seal('artifact secret'));
    });
    const before = new Database(join(home, 'steward.db'), { readonly: true });
    const settings = before.prepare('SELECT settings FROM items').pluck().get();
    before.close();
    expect(await refusal(home)).toBe(
      'artifacts.secret holds a value sealed with the old key where key rotation does not look, so it would be left unreadable: nothing was changed; this is a bug of this Steward (src/database/sealed-values.ts must name where that value is).',
    );
    const after = new Database(join(home, 'steward.db'), { readonly: true });
    expect(after.prepare('SELECT settings FROM items').pluck().get()).toBe(settings);
    expect(after.prepare("SELECT COUNT(*) FROM security_settings WHERE key = 'digest key'").pluck().get()).toBe(0);
    after.close();
  });

  it('are read where their writers put the values: one elsewhere in a named document is refused too (SQLite)', async () => {
    const home = sqliteHome('new-place', passwordSettings(old.seal('pw'), `echo ${old.seal('a sealed value in a step')}`), () => {});
    expect(await refusal(home)).toContain('items.settings (id 1) holds a value sealed with the old key where key rotation does not look');
  });

  it('are the only place a sealed value may be on PostgreSQL too', async () => {
    const home = join(work, 'postgres-admin');
    mkdirSync(join(home, 'secrets'), { recursive: true });
    writeFileSync(join(home, 'secrets', 'master.key'), oldKey.toString('base64'), { mode: 0o600 });
    const database = await postgresDatabase(passwordSettings(old.seal('pw')), ['ALTER TABLE builds ADD COLUMN flavour text', `INSERT INTO builds (job_id, number, queue_id, state, started_at, executor, flavour) VALUES (1, 1, 1, 'completed', 0, 0, '${old.seal('flavour')}')`]);
    expect(await refusal(home, database)).toContain('builds.flavour holds a value sealed with the old key where key rotation does not look');
  });

  it('refuses a value the old key does not open, naming its row and not its value', async () => {
    const other = new SecretBox(newMasterKey());
    const sealed = other.seal('sealed by another key');
    const home = sqliteHome('unopenable', passwordSettings(sealed), () => {});
    const message = await refusal(home);
    expect(message).toBe(
      'The old key does not open one of the password parameter defaults in items (id 1), so it cannot be sealed again: set that value again (or delete it) through a server, then rotate again; nothing was changed.',
    );
    expect(existsSync(join(home, 'secrets', 'master.key.new'))).toBe(false);
  });
});
