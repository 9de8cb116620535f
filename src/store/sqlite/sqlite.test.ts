import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { defaultJobSettings } from '../../core/item.js';
import { describeStoreContract } from '../contract.suite.js';
import { openSqliteStore } from './open.js';

const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

describeStoreContract('sqlite in memory', async () => openSqliteStore({ path: ':memory:' }));
describeStoreContract('sqlite file', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'steward-store-'));
  dirs.push(dir);
  return openSqliteStore({ path: join(dir, 'steward.db') });
});

describe('sqlite file store', () => {
  it('keeps committed data across reopening', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'steward-store-'));
    dirs.push(dir);
    const path = join(dir, 'steward.db');
    const first = openSqliteStore({ path });
    const job = await first.items.create({ parentId: null, name: 'demo', fullName: 'demo', settings: defaultJobSettings(), sourceConfig: null });
    await first.close();
    const second = openSqliteStore({ path });
    expect((await second.items.findByFullName('DEMO'))?.id).toBe(job.id);
    await second.close();
  });
});

describe('sqlite migrations', () => {
  it('gives items made before 0002 the ids of their enclosing folders', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'steward-store-'));
    dirs.push(dir);
    const path = join(dir, 'steward.db');
    const old = new Database(path);
    old.exec(readFileSync(new URL('./migrations/0001_init.sql', import.meta.url), 'utf8'));
    old.exec('CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL); INSERT INTO schema_migrations VALUES (1, 0);');
    const insert = old.prepare("INSERT INTO items (id, parent_id, kind, name, full_name, full_name_key, settings, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, '{}', 0, 0)");
    insert.run(1, null, 'folder', 'a', 'a', 'a');
    insert.run(2, 1, 'folder', 'b', 'a/b', 'a/b');
    insert.run(3, 2, 'job', 'c', 'a/b/c', 'a/b/c');
    insert.run(4, null, 'job', 'd', 'd', 'd');
    old.close();
    const store = openSqliteStore({ path });
    expect((await store.items.get(3))?.ancestorIds).toEqual([1, 2]);
    expect((await store.items.get(2))?.ancestorIds).toEqual([1]);
    expect((await store.items.get(4))?.ancestorIds).toEqual([]);
    await store.close();
  });
});
