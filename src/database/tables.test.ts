import Database from 'better-sqlite3';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { createTestSchema } from '../../test/support/postgres.js';
import { migrate as migratePostgres } from '../store/postgres/migrate.js';
import { migrate as migrateSqlite } from '../store/sqlite/migrate.js';
import { postgresColumns, type SchemaColumns, schemaProblems, sqliteColumns } from './schemas.js';
import { TABLES } from './tables.js';
import { fitsArchive, toArchive, toPostgres } from './values.js';

/**
 * Both schemas, as their migrations make them, against what export and import carry (tables.ts): a
 * migration that adds a table or a column to either backend fails here until tables.ts carries it or
 * says why not.
 */
async function postgresSchema(): Promise<SchemaColumns> {
  const pool = new pg.Pool({ connectionString: await createTestSchema(), max: 1 });
  try {
    await migratePostgres(pool);
    const client = await pool.connect();
    try {
      return await postgresColumns(client);
    } finally {
      client.release();
    }
  } finally {
    await pool.end();
  }
}

function sqliteSchema(extra = ''): SchemaColumns {
  const db = new Database(':memory:');
  try {
    migrateSqlite(db);
    if (extra) db.exec(extra);
    return sqliteColumns(db);
  } finally {
    db.close();
  }
}

describe('the tables export and import carry', () => {
  it('are every table and column of SQLite’s schema, or named with the reason they are left out', () => {
    expect(schemaProblems(sqliteSchema(), 'sqlite')).toEqual([]);
  });

  it('are every table and column of PostgreSQL’s schema, or named with the reason they are left out', async () => {
    expect(schemaProblems(await postgresSchema(), 'postgres')).toEqual([]);
  });

  it('would miss nothing a later migration adds: a new table, a new column, a changed type', async () => {
    expect(schemaProblems(sqliteSchema('ALTER TABLE builds ADD COLUMN flavour TEXT; CREATE TABLE artifacts (id INTEGER PRIMARY KEY, path TEXT)'), 'sqlite')).toEqual([
      'SQLite has a table artifacts that export and import do not carry',
      "SQLite's table builds has a column flavour that export and import do not carry",
    ]);
    const postgres = await postgresSchema();
    postgres.get('nodes')?.set('executors', 'text');
    postgres.get('users')?.delete('groups');
    expect(schemaProblems(postgres, 'postgres')).toEqual([
      "PostgreSQL's table users has no column groups, which export and import carry",
      "PostgreSQL's column nodes.executors is text, which a carried integer does not fit",
    ]);
  });

  it('are listed parents first, so that PostgreSQL can check each reference as the row arrives', () => {
    const order = TABLES.map((table) => table.name);
    const before = (parent: string, child: string) => expect(order.indexOf(parent), `${parent} before ${child}`).toBeLessThan(order.indexOf(child));
    before('items', 'queue_items');
    before('queue_items', 'queue_causes');
    before('items', 'builds');
    before('users', 'api_tokens');
    before('users', 'sessions');
    before('items', 'security_grants');
    before('items', 'views');
  });
});

describe('values on the way', () => {
  it('are checked against the column’s type when exported, and converted for PostgreSQL’s column', () => {
    expect(toArchive('integer', 12)).toEqual({ value: 12 });
    expect(toArchive('integer', 1.5)).toBeNull();
    expect(toArchive('integer', 'twelve')).toBeNull();
    expect(toArchive('boolean', 1)).toEqual({ value: true });
    expect(toArchive('boolean', 2)).toBeNull();
    expect(toArchive('json', '{"a":1}')).toEqual({ value: '{"a":1}' });
    expect(toArchive('text', Buffer.from('x'))).toBeNull();
    expect(toArchive('blob', Buffer.from([0, 255]))).toEqual({ value: 'AP8=' });
    expect(toArchive('text', null)).toEqual({ value: null });
    expect(fitsArchive('boolean', 1)).toBe(false);
    expect(fitsArchive('integer', 2 ** 60)).toBe(false);
    expect(toPostgres('boolean', true, 'integer')).toBe(1);
    expect(toPostgres('boolean', false, 'boolean')).toBe(false);
    expect(toPostgres('blob', 'AP8=', 'bytea')).toEqual(Buffer.from([0, 255]));
    expect(toPostgres('json', '{"a": 1}', 'jsonb')).toBe('{"a": 1}');
  });
});
