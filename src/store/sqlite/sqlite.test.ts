import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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
