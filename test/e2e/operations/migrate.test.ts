import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { CliRunner } from '../../support/cli.js';
import { createTestDatabase } from '../../support/postgres.js';
import { spawnServer } from '../../support/process.js';

/** `steward migrate`: a database's schema created or brought up to date, alone or beside others doing it. */
const work = mkdtempSync(join(tmpdir(), 'steward-migrate-'));
const cli = new CliRunner();
afterAll(() => {
  cli.dispose();
  rmSync(work, { recursive: true, force: true });
});

// The versions are the files' numbers: a branch not yet merged may have taken one in between.
const POSTGRES_VERSIONS = readdirSync('src/store/postgres/migrations')
  .filter((file) => /^\d{4}_.*\.sql$/.test(file))
  .map((file) => Number(file.slice(0, 4)))
  .sort((a, b) => a - b);
const POSTGRES_MIGRATIONS = POSTGRES_VERSIONS.at(-1) as number;
const APPLIED_ALL = `(applied ${POSTGRES_VERSIONS.length === 1 ? 'migration' : 'migrations'} ${POSTGRES_VERSIONS.join(', ')})`;
const SQLITE_MIGRATIONS = readdirSync('src/store/sqlite/migrations')
  .filter((file) => /^\d{4}_.*\.sql$/.test(file))
  .sort();

async function versions(url: string): Promise<number[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<{ version: number }>('SELECT version FROM schema_migrations ORDER BY version')).rows.map((row) => row.version);
  } finally {
    await client.end();
  }
}

/** The address with a password in it, which no output may show (the test cluster trusts any). */
function withPassword(url: string): string {
  const address = new URL(url);
  address.password = 'hunter2-secret';
  return address.toString();
}

describe('steward migrate on PostgreSQL', () => {
  it('creates the schema of an empty database, then finds it up to date, printing the version before and after', async () => {
    const url = await createTestDatabase('migrate');
    const first = await cli.run(['migrate', '--database', withPassword(url)]);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toMatch(/^postgres:\/\/steward@127\.0\.0\.1:\d+\/migrate_\w+: schema version 0 → /);
    expect(first.stdout.endsWith(`: schema version 0 → ${POSTGRES_MIGRATIONS} ${APPLIED_ALL}\n`)).toBe(true);
    expect(first.stdout + first.stderr).not.toContain('hunter2');
    expect(await versions(url)).toEqual(POSTGRES_VERSIONS);
    const again = await cli.run(['migrate', '--json'], { env: { STEWARD_DATABASE_URL: url } });
    expect(again.code, again.stderr).toBe(0);
    expect(JSON.parse(again.stdout)).toMatchObject({ from: POSTGRES_MIGRATIONS, to: POSTGRES_MIGRATIONS, applied: [], latest: POSTGRES_MIGRATIONS });
  });

  it('migrates once when several run at once and a server starts meanwhile', async () => {
    const url = await createTestDatabase('concurrent');
    const home = join(work, 'concurrent-home');
    const runs = Array.from({ length: 3 }, () => cli.run(['migrate', '--database', url]));
    const server = spawnServer(['serve', '--port', '0', '--home', home, '--database', url], { STEWARD_ADMIN_PASSWORD: 'migrate-admin-pw', STEWARD_CONFIG: '' });
    const results = await Promise.all(runs);
    const started = await server;
    try {
      for (const result of results) expect(result.code, result.stderr).toBe(0);
      const applied = results.filter((result) => result.stdout.includes(APPLIED_ALL));
      const upToDate = results.filter((result) => result.stdout.includes(`schema version ${POSTGRES_MIGRATIONS} → ${POSTGRES_MIGRATIONS} (already up to date)`));
      // The server may have been first; never two of them.
      expect(applied.length).toBeLessThanOrEqual(1);
      expect(applied.length + upToDate.length).toBe(3);
      expect(await versions(url)).toEqual(POSTGRES_VERSIONS);
      expect((await fetch(new URL('steward/ready', started.url))).status).toBe(200);
    } finally {
      started.child.kill('SIGKILL');
      await started.exited;
    }
  });

  it('refuses a database a newer Steward migrated, exit 2, changing nothing', async () => {
    const url = await createTestDatabase('newer');
    expect((await cli.run(['migrate', '--database', url])).code).toBe(0);
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    await client.query('INSERT INTO schema_migrations (version, applied_at) VALUES ($1, 0)', [POSTGRES_MIGRATIONS + 1]);
    await client.end();
    const refused = await cli.run(['migrate', '--database', url]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toBe(
      `steward: This database was written by a newer Steward (schema ${POSTGRES_MIGRATIONS + 1}, this version knows up to ${POSTGRES_MIGRATIONS}); a downgrade is not supported: restore a backup taken before the upgrade or run the newer version.\n`,
    );
    expect(await versions(url)).toEqual([...POSTGRES_VERSIONS, POSTGRES_MIGRATIONS + 1]);
  });

  it('says why when the database cannot be reached, exit 2', async () => {
    const refused = await cli.run(['migrate', '--database', 'postgres://steward@127.0.0.1:1/none']);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('Steward could not reach its database');
    expect(refused.stderr).toContain('Check that PostgreSQL runs');
  });
});

describe('steward migrate on a SQLite home', () => {
  /** A home whose database has only the first three migrations, as an older Steward left it. */
  function olderHome(name: string): string {
    const home = join(work, name);
    mkdirSync(home);
    const db = new Database(join(home, 'steward.db'));
    db.exec('CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL)');
    for (const file of SQLITE_MIGRATIONS.slice(0, 3)) {
      db.exec(readFileSync(join('src/store/sqlite/migrations', file), 'utf8'));
      db.prepare('INSERT INTO schema_migrations (version, applied_at) VALUES (?, 0)').run(Number(file.slice(0, 4)));
    }
    db.close();
    return home;
  }

  function sqliteVersions(home: string): number[] {
    const db = new Database(join(home, 'steward.db'), { readonly: true });
    try {
      return db.prepare('SELECT version FROM schema_migrations ORDER BY version').pluck().all() as number[];
    } finally {
      db.close();
    }
  }

  const all = SQLITE_MIGRATIONS.map((file) => Number(file.slice(0, 4)));

  it('upgrades an older home, and applies each migration once when two run at once', async () => {
    const home = olderHome('older');
    const upgraded = await cli.run(['migrate', '--home', home]);
    expect(upgraded.code, upgraded.stderr).toBe(0);
    expect(upgraded.stdout).toBe(`${join(home, 'steward.db')}: schema version 3 → ${all.at(-1)} (applied migrations ${all.slice(3).join(', ')})\n`);
    expect(sqliteVersions(home)).toEqual(all);

    const shared = olderHome('shared');
    const both = await Promise.all([cli.run(['migrate', '--home', shared, '--json']), cli.run(['migrate', '--json'], { env: { STEWARD_HOME: shared } })]);
    for (const result of both) expect(result.code, result.stderr).toBe(0);
    const applied = both.flatMap((result) => (JSON.parse(result.stdout) as { applied: number[] }).applied).sort((a, b) => a - b);
    expect(applied).toEqual(all.slice(3));
    expect(sqliteVersions(shared)).toEqual(all);
  });

  it('waits for another migration that holds the write lock, then finds its work done', async () => {
    const home = olderHome('locked');
    const other = new Database(join(home, 'steward.db'));
    try {
      other.pragma('journal_mode = WAL');
      other.exec('BEGIN IMMEDIATE');
      const waiting = cli.start(['migrate', '--home', home, '--json']);
      // Long enough for the command to reach the lock, well within its 5 s busy timeout.
      await new Promise((resolve) => setTimeout(resolve, 2_500));
      for (const file of SQLITE_MIGRATIONS.slice(3)) {
        other.exec(readFileSync(join('src/store/sqlite/migrations', file), 'utf8'));
        other.prepare('INSERT INTO schema_migrations (version, applied_at) VALUES (?, 0)').run(Number(file.slice(0, 4)));
      }
      other.exec('COMMIT');
      const result = await waiting.done;
      expect(result.code, result.stderr).toBe(0);
      expect(JSON.parse(result.stdout)).toMatchObject({ from: all.at(-1), to: all.at(-1), applied: [] });
    } finally {
      other.close();
    }
    expect(sqliteVersions(home)).toEqual(all);
  });

  it('refuses a home without a database, exit 3', async () => {
    const empty = join(work, 'empty');
    mkdirSync(empty);
    const refused = await cli.run(['migrate', '--home', empty]);
    expect(refused.code).toBe(3);
    expect(refused.stderr).toContain(`${empty} holds no Steward database (steward.db).`);
    expect(readdirSync(empty)).toEqual([]);
  });
});
