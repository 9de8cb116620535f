import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestSchema } from '../../test/support/postgres.js';
import { BackupError } from '../backup/backup-error.js';
import { LOG_CHUNK_BYTES } from '../store/postgres/log-chunks.js';
import { migrate } from '../store/sqlite/migrate.js';
import { exportHome } from './export.js';
import { importArchive } from './import.js';
import { columnsOf, TABLES, type TableTransfer } from './tables.js';
import { toArchive } from './values.js';

/**
 * A SQLite home with a row in every table and a value in every column (and nulls where allowed), with
 * ids SQLite will not hand out again, logs of every kind (empty, binary, several megabytes, missing),
 * exported and imported into PostgreSQL: every row comes back the same, column by column, as tables.ts
 * lists them, so a column added there is compared here too.
 */
const work = mkdtempSync(join(tmpdir(), 'steward-move-'));
const home = join(work, 'sqlite-home');
const archive = join(work, 'export.tar.gz');
const KEY = randomBytes(32).toString('base64');
const BIG_LOG = randomBytes(3 * 1024 * 1024);
const AUDIT_ROWS = 6000;

const logs: Record<string, Buffer> = {
  '2/1': Buffer.from('Started by user alice\n\x1b[1;32mgreen\x1b[0m ✓ naïve\nFinished: SUCCESS\n'),
  '2/2': Buffer.concat([Buffer.from('binary: '), Buffer.from([0, 0xff, 0xfe, 0xc3, 0x28, 0x0a])]),
  '2/3': Buffer.alloc(0),
  '3/1': BIG_LOG,
  // 3/2 has no log at all.
};

function makeHome(): void {
  mkdirSync(join(home, 'secrets'), { recursive: true });
  writeFileSync(join(home, 'secrets', 'master.key'), KEY, { mode: 0o600 });
  const db = new Database(join(home, 'steward.db'));
  db.pragma('journal_mode = WAL');
  migrate(db);
  const run = (sql: string, ...values: unknown[]) => db.prepare(sql).run(...values);
  db.transaction(() => {
    const item = 'INSERT INTO items (id, parent_id, kind, name, full_name, full_name_key, settings, source_config, next_build_number, ancestor_ids, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)';
    run(item, 1, null, 'folder', 'Team', 'Team', 'team', '{"description":"a folder"}', null, 1, '[]', 1000, 1001);
    run(item, 2, 1, 'job', 'app', 'Team/app', 'team/app', '{"steps":["echo \\"hi\\""],"quietPeriod":5}', '<project><description>émoji 🚀</description></project>', 4, '[1]', 1002, 1003);
    run(item, 3, null, 'job', 'Sölo', 'Sölo', 'sölo', '{}', null, 3, '[]', 1004, 1005);
    // An item made and deleted: SQLite never hands out its id again, and neither may PostgreSQL.
    run(item, 7, null, 'job', 'gone', 'gone', 'gone', '{}', null, 1, '[]', 1006, 1006);
    run('DELETE FROM items WHERE id = 7');
    // Sölo builds after Team/app (Sölo declares the edge).
    run('INSERT INTO job_edges (owner_id, upstream_id, downstream_id, threshold) VALUES (?, ?, ?, ?)', 3, 2, 3, 'UNSTABLE');
    const queued = 'INSERT INTO queue_items (id, job_id, state, queued_at, due_at, parameters, parameters_key, build_number, left_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)';
    run(queued, 1, 2, 'left', 2000, 2000, null, '', 1, 2001);
    run(queued, 2, 2, 'left', 2002, 2002, '[{"name":"BRANCH","value":"main"}]', 'BRANCH=main', 2, 2003);
    run(queued, 3, 2, 'left', 2004, 2004, null, '', 3, 2005);
    run(queued, 4, 3, 'left', 2006, 2006, null, '', 1, 2007);
    run(queued, 5, 3, 'left', 2008, 2008, null, '', 2, 2009);
    run(queued, 6, 2, 'waiting', 2010, 9_000_000_000_000, '[{"name":"PASSWORD","sealed":"v1:abc"}]', 'PASSWORD=…', null, null);
    run(queued, 8, 3, 'cancelled', 2012, 2012, null, '', null, 2013);
    run(queued, 12, 3, 'waiting', 2014, 2014, null, '', null, null);
    run('DELETE FROM queue_items WHERE id = 12');
    const cause = 'INSERT INTO queue_causes (queue_id, position, cause, count) VALUES (?, ?, ?, ?)';
    for (const id of [1, 2, 3, 4, 5, 8]) run(cause, id, 0, '{"kind":"user","userId":"alice","userName":"Alice"}', 1);
    run(cause, 6, 0, '{"kind":"remote","address":"10.0.0.1"}', 3);
    run(cause, 6, 1, '{"kind":"token","tokenName":"deploy"}', 1);
    const build = 'INSERT INTO builds (job_id, number, queue_id, state, result, started_at, duration_ms, parameters, executor, interruption, process_group, node) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)';
    run(build, 2, 1, 1, 'completed', 'SUCCESS', 3000, 120, null, 0, null, null, 'built-in');
    run(build, 2, 2, 2, 'completed', 'ABORTED', 3001, 5000, '[{"name":"BRANCH","value":"main"}]', 1, '{"kind":"user","userId":"bob"}', null, 'agent-1');
    run(build, 2, 3, 3, 'running', null, 3002, 0, null, 0, null, 4242, 'built-in');
    run(build, 3, 1, 4, 'completed', 'FAILURE', 3003, 7, null, 1, null, null, 'built-in');
    run(build, 3, 2, 5, 'completed', 'UNSTABLE', 3004, 8, null, 0, null, null, 'built-in');
    const source = 'INSERT INTO build_scm (job_id, number, sha, branch, remote_url, changes, changes_truncated) VALUES (?, ?, ?, ?, ?, ?, ?)';
    run(source, 2, 1, 'a'.repeat(40), 'origin/main', 'https://git.example.com/app.git', '[{"sha":"' + 'a'.repeat(40) + '","message":"Fix\\nbody","authorName":"Älice","authorEmail":"a@example.com","timestamp":1,"paths":[{"editType":"edit","file":"a.txt"}]}]', 1);
    run(source, 2, 2, 'b'.repeat(40), null, 'file:///srv/app.git', '[]', 0);
    const user = 'INSERT INTO users (id, id_key, full_name, password_hash, groups, created_at) VALUES (?, ?, ?, ?, ?, ?)';
    run(user, 'Alice', 'alice', 'Alice Example', 'scrypt$abc', '["developers","ops"]', 4000);
    run(user, 'bob', 'bob', 'Bob', 'scrypt$def', '[]', 4001);
    const token = 'INSERT INTO api_tokens (uuid, user_key, name, hash, created_at, expires_at, revoked_at, last_used_at, last_used_address, use_count) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)';
    run(token, 'uuid-1', 'alice', 'ci', 'hash-1', 5000, 9_000_000_000_000, null, 5005, '192.0.2.1', 17);
    run(token, 'uuid-2', 'bob', 'old', 'hash-2', 5001, null, 5002, null, null, 0);
    run('INSERT INTO sessions (hash, user_key, created_at, last_seen_at, address) VALUES (?, ?, ?, ?, ?)', 'session-hash', 'alice', 6000, 6001, '::1');
    run('INSERT INTO security_settings (key, value) VALUES (?, ?)', 'policy', '{"authorization":"matrix","allowAnonymousRead":false,"crumbs":true}');
    const grant = 'INSERT INTO security_grants (item_id, sid, permission) VALUES (?, ?, ?)';
    run(grant, null, 'user:alice', 'hudson.model.Hudson.Administer');
    run(grant, 1, 'group:developers', 'hudson.model.Item.Build');
    const audit = 'INSERT INTO audit_events (at, request_id, action, outcome, reason, actor, credential, address, item, queue_id, detail, count) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)';
    // Enough rows for several parts of the archive and several batches of the import.
    for (let i = 0; i < AUDIT_ROWS; i += 1) run(audit, 7000 + i, `req-${i}`, 'trigger', i % 3 === 0 ? 'refused' : 'accepted', i % 3 === 0 ? 'permission_missing' : null, 'user:alice', 'api_token', '127.0.0.1', 'Team/app', i % 2 === 0 ? 6 : null, JSON.stringify({ note: `event ${i} ${'x'.repeat(200)}`, quote: '"\\' }), 1 + (i % 4));
    run('DELETE FROM audit_events WHERE id = ?', AUDIT_ROWS);
    const triggerToken = 'INSERT INTO trigger_tokens (uuid, name, hash, item_ids, created_by, created_at, expires_at, revoked_at, allowed_networks, can_cancel, last_used_at, last_used_address, use_count) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)';
    run(triggerToken, 'tt-1', 'deploy', 'thash-1', '[2]', 'alice', 8000, null, null, '["10.0.0.0/8"]', 1, 8001, '10.0.0.1', 3);
    run(triggerToken, 'tt-2', 'old', 'thash-2', '[1,3]', 'bob', 8002, 8003, 8004, '[]', 0, null, null, 0);
    const key = 'INSERT INTO idempotency_keys (credential, key, fingerprint, queue_id, created, at) VALUES (?, ?, ?, ?, ?, ?)';
    run(key, 'token:uuid-1', 'deploy-42', 'fp-1', 6, 1, 9000);
    run(key, 'token:uuid-1', 'deploy-43', 'fp-1', 6, 0, 9001);
    run('INSERT INTO webhooks (name, name_key, kind, stored_secret, definition, created_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)', 'GitHub', 'github', 'github', 'v1:sealed', '{"jobs":["Team/app"],"events":["push"]}', 'alice', 10000);
    run('INSERT INTO scm_polls (job_id, heads, log, polled_at) VALUES (?, ?, ?, ?)', 3, '{"refs/heads/main":"0123456789abcdef0123456789abcdef01234567"}', 'Polling log\nNo changes\n', 10500);
    run('INSERT INTO job_repositories (repository_key, job_id) VALUES (?, ?)', 'git.example.com/team/app', 2);
    const credential = 'INSERT INTO credentials (store_key, folder_id, id, kind, description, username, file_name, sealed_secret, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)';
    run(credential, 0, null, 'registry', 'secretText', 'pushes images', null, null, 'v1:sealed-credential', 10500, 10501);
    run(credential, 1, 1, 'deploy-key', 'sshPrivateKey', '', 'git', null, 'v1:sealed-key', 10502, 10502);
    const view = 'INSERT INTO views (id, parent_id, name, name_key, settings, source_config, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)';
    run(view, 1, null, 'Mine', 'mine', '{"jobNames":["Sölo"]}', null, 11000, 11001);
    run(view, 2, 1, 'Apps', 'apps', '{"includeRegex":"a.*"}', '<hudson.model.ListView/>', 11002, 11003);
    run('INSERT INTO nodes (name, name_key, description, labels, executors, offline_message, secret, previous_secret, previous_until, created_at, last_seen_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)', 'Linux-1', 'linux-1', 'the first', '["linux","docker"]', 4, 'maintenance', 'v1:secret', 'v1:previous', 12000, 12001, 12002);
  })();
  db.close();
  for (const [path, bytes] of Object.entries(logs)) {
    mkdirSync(join(home, 'jobs', path), { recursive: true });
    writeFileSync(join(home, 'jobs', path, 'log'), bytes);
  }
}

/** A table's rows, each value as the archive holds it, sorted: the same for both databases when nothing was lost or changed. */
function sqliteRows(db: Database.Database, table: TableTransfer): string[] {
  const rows = db.prepare(`SELECT ${columnsOf(table).join(', ')} FROM ${table.name}`).raw(true).all() as unknown[][];
  return rows.map((row) => JSON.stringify(row.map((value, index) => toArchive(table.columns[columnsOf(table)[index] as string] as 'text', value)?.value))).sort();
}

async function postgresRows(client: pg.Client, table: TableTransfer): Promise<string[]> {
  const names = columnsOf(table);
  const { rows } = await client.query({ text: `SELECT ${names.join(', ')} FROM ${table.name}`, rowMode: 'array' });
  return (rows as unknown[][])
    .map((row) =>
      JSON.stringify(
        row.map((value, index) => {
          if (value === null) return null;
          const type = table.columns[names[index] as string];
          if (type === 'integer') return Number(value);
          if (type === 'boolean') return typeof value === 'boolean' ? value : Number(value) === 1;
          if (type === 'blob') return (value as Buffer).toString('base64');
          return value;
        }),
      ),
    )
    .sort();
}

async function withClient<T>(url: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

function importInto(database: string, from = archive, keyFile: string | null = null) {
  return importArchive({ from, database, keyFile, check: false });
}

/** A build's console log as the servers read it: its chunks, in order. */
async function storedLog(database: string, jobId: number, number: number): Promise<Buffer | null> {
  return withClient(database, async (client) => {
    const { rows } = await client.query<{ byte_offset: string; bytes: Buffer }>('SELECT byte_offset, bytes FROM log_chunks WHERE job_id = $1 AND number = $2 ORDER BY byte_offset', [jobId, number]);
    if (rows.length === 0) return null;
    let at = 0;
    for (const row of rows) {
      expect(Number(row.byte_offset)).toBe(at);
      expect(row.bytes.length).toBeLessThanOrEqual(LOG_CHUNK_BYTES);
      at += row.bytes.length;
    }
    return Buffer.concat(rows.map((row) => row.bytes));
  });
}

async function refusal(promise: Promise<unknown>): Promise<BackupError> {
  const error = await promise.then(
    () => null,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(BackupError);
  return error as BackupError;
}

async function rowCount(database: string): Promise<number> {
  return withClient(database, async (client) => {
    let total = 0;
    for (const table of TABLES) total += Number((await client.query(`SELECT COUNT(*) AS n FROM ${table.name}`)).rows[0].n);
    return total;
  });
}

let database = '';
let tablesDone: string[] = [];

beforeAll(async () => {
  makeHome();
  const exported = await exportHome({ home, to: archive, live: false });
  expect(exported.manifest.logs).toEqual({ count: 4, bytes: Object.values(logs).reduce((sum, log) => sum + log.length, 0), missing: 1 });
  database = await createTestSchema();
  tablesDone = [];
  await importArchive({ from: archive, database, keyFile: null, check: false, tableDone: (table) => tablesDone.push(table) });
}, 60_000);

afterAll(() => {
  rmSync(work, { recursive: true, force: true });
});

describe('export, then import into PostgreSQL', () => {
  it('carries every row of every table, every column the same', async () => {
    const db = new Database(join(home, 'steward.db'), { readonly: true });
    try {
      await withClient(database, async (client) => {
        for (const table of TABLES) {
          const expected = sqliteRows(db, table);
          expect(expected.length, `${table.name} has rows to carry`).toBeGreaterThan(0);
          expect(await postgresRows(client, table), table.name).toEqual(expected);
        }
        // The counts kept by triggers, worked out again.
        const counts = await client.query('SELECT id, build_count FROM items ORDER BY id');
        expect(counts.rows.map((row) => [Number(row.id), Number(row.build_count)])).toEqual([
          [1, 0],
          [2, 3],
          [3, 2],
        ]);
      });
    } finally {
      db.close();
    }
    expect(tablesDone).toEqual(TABLES.map((table) => table.name));
  });

  it('continues every id sequence after the highest id SQLite ever handed out, deleted ones too', async () => {
    await withClient(database, async (client) => {
      const next = async (table: string) => Number((await client.query(`SELECT nextval(pg_get_serial_sequence('${table}', 'id')) AS id`)).rows[0].id);
      expect(await next('items')).toBe(8);
      expect(await next('queue_items')).toBe(13);
      expect(await next('audit_events')).toBe(AUDIT_ROWS + 1);
      expect(await next('views')).toBe(3);
      // The build count trigger is on again.
      await client.query("INSERT INTO builds (job_id, number, queue_id, state, started_at, executor) VALUES (3, 3, 13, 'running', 1, 0)");
      expect(Number((await client.query('SELECT build_count FROM items WHERE id = 3')).rows[0].build_count)).toBe(3);
      await client.query('DELETE FROM builds WHERE job_id = 3 AND number = 3');
    });
  });

  it('stores every console log in the database as chunks, byte for byte, and none for a build that had none', async () => {
    for (const [path, bytes] of Object.entries(logs)) {
      const [jobId, number] = path.split('/').map(Number) as [number, number];
      // An empty log has no chunk: it reads as empty, as a build that printed nothing.
      expect(((await storedLog(database, jobId, number)) ?? Buffer.alloc(0)).equals(bytes), path).toBe(true);
    }
    expect(await storedLog(database, 3, 2)).toBeNull();
  });

  it('refuses a database that holds anything, changing nothing', async () => {
    const before = await rowCount(database);
    const notEmpty = await refusal(importInto(database));
    expect(notEmpty.kind).toBe('refused');
    expect(notEmpty.message).toMatch(/^The database postgres:\/\/.* is not empty: it holds items, queue_items, queue_causes, builds, …\.$/);
    expect(await rowCount(database)).toBe(before);
  });

  it('checks an archive without a database, and refuses a damaged or truncated one, leaving the database empty', async () => {
    const checked = await importArchive({ from: archive, database: null, keyFile: null, check: true });
    expect(checked.manifest.rows.audit_events).toBe(AUDIT_ROWS - 1);

    const bytes = readFileSync(archive);
    const damaged = join(work, 'damaged.tar.gz');
    const flipped = Buffer.from(bytes);
    for (let at = Math.floor(bytes.length * 0.6); at < Math.floor(bytes.length * 0.6) + 8; at += 1) flipped.writeUInt8(flipped.readUInt8(at) ^ 0x55, at);
    writeFileSync(damaged, flipped);
    const truncated = join(work, 'truncated.tar.gz');
    writeFileSync(truncated, bytes.subarray(0, Math.floor(bytes.length * 0.9)));
    for (const file of [damaged, truncated]) {
      const check = await refusal(importArchive({ from: file, database: null, keyFile: null, check: true }));
      expect(check.kind).toBe('corrupt');
      const target = await createTestSchema();
      const refused = await refusal(importInto(target, file));
      expect(refused.kind).toBe('corrupt');
      expect(refused.message).toMatch(/^The archive is damaged/);
      expect(await rowCount(target)).toBe(0);
      expect(await withClient(target, async (client) => Number((await client.query('SELECT COUNT(*) AS n FROM log_chunks')).rows[0].n))).toBe(0);
    }
  });

  it('checks the key file against the exported home’s key before anything changes', async () => {
    const wrongKey = join(work, 'wrong.key');
    writeFileSync(wrongKey, randomBytes(32).toString('base64'));
    const target = await createTestSchema();
    const refused = await refusal(importInto(target, archive, wrongKey));
    expect(refused.message).toContain('holds another key than the exported home');
    expect(await rowCount(target)).toBe(0);
    const rightKey = join(work, 'right.key');
    writeFileSync(rightKey, `${KEY}\n`);
    await importInto(target, archive, rightKey);
    expect(await rowCount(target)).toBeGreaterThan(AUDIT_ROWS);
  });

  it('refuses to export a home whose server runs (unless --live), or a value that does not fit its column', async () => {
    const open = new Database(join(home, 'steward.db'));
    try {
      open.pragma('journal_mode = WAL');
      const running = await refusal(exportHome({ home, to: join(work, 'live.tar.gz'), live: false }));
      expect(running.message).toBe(`A Steward server is running on ${home} (its database is open).`);
      expect(existsSync(join(work, 'live.tar.gz'))).toBe(false);
      const live = await exportHome({ home, to: join(work, 'live.tar.gz'), live: true });
      expect(live.header.live).toBe(true);
      // A value SQLite took that PostgreSQL would not: the export names the row instead of failing the import halfway.
      open.prepare("UPDATE builds SET duration_ms = 'slow' WHERE job_id = 3 AND number = 1").run();
    } finally {
      open.close();
    }
    const bad = await refusal(exportHome({ home, to: join(work, 'bad.tar.gz'), live: false }));
    expect(bad.kind).toBe('corrupt');
    expect(bad.message).toBe('The database holds a value Steward cannot carry: row 4 of builds has the text "slow" in duration_ms, where integer belongs.');
    expect(existsSync(join(work, 'bad.tar.gz'))).toBe(false);
    expect(existsSync(join(work, 'bad.tar.gz.partial'))).toBe(false);
  });
});
