import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { runSteward } from '../../support/process.js';
import { startChildServer } from '../../support/child-server.js';

const KNOWN = Math.max(...readdirSync('src/store/sqlite/migrations').map((file) => Number(file.slice(0, 4))));

describe('starting on the database of a newer Steward', () => {
  const home = mkdtempSync(join(tmpdir(), 'steward-downgrade-'));
  afterAll(() => rmSync(home, { recursive: true, force: true }));

  it('refuses to start, saying why and what to do, and changes nothing', async () => {
    // A real home, made by this version; then a newer version's migration appears in it.
    const server = await startChildServer(home);
    server.child.kill('SIGTERM');
    expect(await server.exited).toBe(0);
    const db = new Database(join(home, 'steward.db'));
    db.prepare('INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)').run(KNOWN + 1, Date.now());
    const tables = db.prepare(`SELECT name FROM sqlite_master ORDER BY name`).all();
    db.close();

    const { code, output } = await runSteward(['serve', '--port', '0', '--home', home], { STEWARD_CONFIG: '' });
    expect(code).toBe(2);
    expect(output).toContain(
      `steward: This database was written by a newer Steward (schema ${KNOWN + 1}, this version knows up to ${KNOWN}); a downgrade is not supported: restore a backup taken before the upgrade or run the newer version.`,
    );
    expect(output).not.toContain('Steward listening on');
    const after = new Database(join(home, 'steward.db'), { readonly: true });
    expect(after.prepare(`SELECT name FROM sqlite_master ORDER BY name`).all()).toEqual(tables);
    expect(after.prepare('SELECT MAX(version) AS version FROM schema_migrations').get()).toEqual({ version: KNOWN + 1 });
    after.close();
  });
});
