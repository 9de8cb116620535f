import { createHmac, randomUUID } from 'node:crypto';
import { chmodSync, copyFileSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ChildServer, CHILD_ADMIN_PASSWORD, json, ok, startChildServer } from '../../support/child-server.js';
import { CliRunner } from '../../support/cli.js';
import { createTestDatabase } from '../../support/postgres.js';
import { basicAuth, createApiToken, FOLDER_XML, jobXml, queueIdOf, waitFor, waitForBuild } from '../../support/server.js';

/**
 * Moving a SQLite home to PostgreSQL, as docs/operations.md tells an operator to: a real server on
 * SQLite with jobs in a folder, builds and their logs, a waiting queue item, a user with an API token,
 * a trigger token, a webhook, a view, an agent, a policy and an idempotency key; stopped; `steward
 * export`; `steward import` into a new database; `steward serve --database URL --key-file COPY` on it.
 * Everything must work there as it did: the credentials, the sealed secrets, the builds and their
 * consoles, the queue (the waiting item becomes the next build; queue ids never repeat), the audit log.
 */
const work = mkdtempSync(join(tmpdir(), 'steward-move-e2e-'));
const sqliteHome = join(work, 'sqlite-home');
const postgresHome = join(work, 'postgres-home');
const archive = join(work, 'steward-export.tar.gz');
const keyCopy = join(work, 'master.key');
const cli = new CliRunner();
const WEBHOOK_SECRET = 'webhook-secret-0123456789';
const ALICE_PASSWORD = 'alice-password-1';
const APP = '/job/team/job/app';

let sqliteServer: ChildServer;
let postgresServer: ChildServer | null = null;
let database = '';
const before = {
  consoles: new Map<number, string>(),
  waitingQueueId: 0,
  highestQueueId: 0,
  aliceToken: '',
  triggerToken: '',
  nodeSecret: '',
  auditEvents: 0,
  auditMaxId: 0,
};
let exported: { code: number | null; stdout: string; stderr: string };
let imported: { code: number | null; stdout: string; stderr: string };

beforeAll(async () => {
  sqliteServer = await startChildServer(sqliteHome, ['--executors', '2']);
  const server = sqliteServer;
  await server.createJob('team', FOLDER_XML);
  const created = await server.fetch('/job/team/createItem?name=app', { method: 'POST', headers: { 'content-type': 'application/xml' }, body: jobXml({ steps: ['echo "building app #$BUILD_NUMBER"', 'seq 1 300'] }) });
  expect(created.status).toBe(200);
  await server.createJob('other', jobXml({ steps: ['echo other'] }));
  for (const number of [1, 2]) {
    expect((await server.fetch(`${APP}/build`, { method: 'POST' })).status).toBe(201);
    await waitForBuild(server, APP, number, 20_000);
    before.consoles.set(number, await (await server.fetch(`${APP}/${number}/consoleText`)).text());
  }
  // A trigger in its quiet period when the server stops (also the first use of an Idempotency-Key).
  const waiting = await server.fetch(`${APP}/build?delay=20sec`, { method: 'POST', headers: { 'Idempotency-Key': 'move-42' } });
  expect(waiting.status).toBe(201);
  before.waitingQueueId = queueIdOf(waiting);
  // The newest queue item, cancelled and then pruned: its id must not come back either.
  const cancelled = await server.fetch('/job/other/build?delay=1h', { method: 'POST' });
  before.highestQueueId = queueIdOf(cancelled);
  expect((await server.fetch(`/queue/cancelItem?id=${before.highestQueueId}`, { method: 'POST' })).status).toBe(204);

  await ok(server.fetch('/steward/api/v1/users', json('POST', { id: 'alice', fullName: 'Alice Example', password: ALICE_PASSWORD })), 201);
  before.aliceToken = await createApiToken(server.url, 'alice', ALICE_PASSWORD, 'laptop');
  before.triggerToken = (await ok(server.fetch('/steward/api/v1/trigger-tokens', json('POST', { name: 'deploy-bot', items: ['team/app'] })), 201)).value as string;
  await ok(server.fetch('/steward/api/v1/webhooks/github-main', json('PUT', { kind: 'github', secret: WEBHOOK_SECRET, jobs: ['team/app'], events: ['push'] })));
  expect((await server.fetch('/createView?name=Teams', { method: 'POST', headers: { 'content-type': 'application/xml' }, body: '<hudson.model.ListView><jobNames><string>team</string></jobNames></hudson.model.ListView>' })).status).toBe(200);
  before.nodeSecret = (await ok(server.fetch('/steward/api/v1/nodes', json('POST', { name: 'linux-1', labels: ['linux'], executors: 2 })), 201)).secret as string;
  // Offline, so that its claim (authenticated with the sealed secret) answers at once.
  await ok(server.fetch('/steward/api/v1/nodes/linux-1', json('PATCH', { offlineMessage: 'moving to PostgreSQL' })));
  await ok(server.fetch('/steward/api/v1/security', json('PATCH', { allowAnonymousRead: true })));

  expect(await sqliteServer.fetch(`${APP}/api/json`).then((response) => response.status)).toBe(200);
  sqliteServer.child.kill('SIGTERM');
  expect(await sqliteServer.exited).toBe(0);
  const db = new Database(join(sqliteHome, 'steward.db'));
  try {
    // As the server's pruning does a day later: the cancelled item's row goes, SQLite's counter stays.
    db.prepare('DELETE FROM queue_items WHERE id = ?').run(before.highestQueueId);
    expect(db.prepare('SELECT MAX(id) FROM queue_items').pluck().get()).toBeLessThan(before.highestQueueId);
    before.auditEvents = db.prepare('SELECT COUNT(*) FROM audit_events').pluck().get() as number;
    before.auditMaxId = db.prepare('SELECT MAX(id) FROM audit_events').pluck().get() as number;
  } finally {
    db.close();
  }

  exported = await cli.run(['export', '--home', sqliteHome, '--to', archive]);
  copyFileSync(join(sqliteHome, 'secrets', 'master.key'), keyCopy);
  chmodSync(keyCopy, 0o600);
  database = await createTestDatabase('moved');
  imported = await cli.run(['import', '--from', archive, '--database', database, '--key-file', keyCopy]);
  if (imported.code === 0) postgresServer = await startChildServer(postgresHome, ['--database', database, '--key-file', keyCopy, '--executors', '2']);
}, 180_000);

afterAll(async () => {
  await postgresServer?.kill();
  if (sqliteServer.child.exitCode === null) await sqliteServer.kill();
  cli.dispose();
  rmSync(work, { recursive: true, force: true });
});

function pg(): ChildServer {
  if (!postgresServer) throw new Error(`the PostgreSQL server did not start: export ${exported.code} ${exported.stderr}; import ${imported.code} ${imported.stderr}`);
  return postgresServer;
}

describe('steward export, import into PostgreSQL, and serve on it', () => {
  it('exports and imports, saying what it carried', () => {
    expect(exported.code, exported.stderr).toBe(0);
    expect(exported.stdout).toMatch(/^Exported 2 builds of 2 jobs \([\d,]+ rows\) and [\d.,]+ (bytes|kB) of logs to .*steward-export\.tar\.gz in \d+\.\d s\n$/);
    expect(exported.stderr).toContain('steward: exported builds: 2 rows');
    expect(exported.stderr).toContain('the key that opens them is not in it');
    expect(imported.code, imported.stderr).toBe(0);
    expect(imported.stdout).toMatch(/^Imported 2 builds of 2 jobs .* into postgres:\/\/.* in \d+\.\d s/);
    expect(imported.stderr).toContain('steward: imported queue_items: 3 rows');
    expect(imported.stderr).toContain(`start it with: steward serve --database`);
  });

  it('authenticates the old API tokens and passwords, and keeps the policy', async () => {
    const whoami = async (authorization: string | null) => {
      const response = await fetch(new URL('steward/api/v1/whoami', pg().url), { headers: authorization ? { authorization } : {} });
      expect(response.status).toBe(200);
      return ((await response.json()) as { id: string | null }).id;
    };
    expect(await whoami(basicAuth('admin', sqliteServer.adminToken))).toBe('admin');
    expect(await whoami(basicAuth('alice', before.aliceToken))).toBe('alice');
    expect(await whoami(basicAuth('alice', ALICE_PASSWORD))).toBe('alice');
    // Anonymous read, as the policy said.
    expect((await fetch(new URL('job/team/job/app/api/json', pg().url))).status).toBe(200);
  });

  it('serves the builds and their console logs, from the database', async () => {
    for (const [number, log] of before.consoles) {
      expect(await (await pg().fetch(`${APP}/${number}/api/json`)).json()).toMatchObject({ number, result: 'SUCCESS' });
      expect(await (await pg().fetch(`${APP}/${number}/consoleText`)).text()).toBe(log);
    }
    expect(existsSync(join(postgresHome, 'steward.db'))).toBe(false);
  });

  it('starts the waiting item as the next build, and gives new triggers queue ids above every old one', async () => {
    const build = await waitForBuild(pg(), APP, 3, 60_000);
    expect(build).toMatchObject({ number: 3, result: 'SUCCESS', queueId: before.waitingQueueId });
    expect(await (await pg().fetch(`${APP}/3/consoleText`)).text()).toContain('building app #3');
    // The Idempotency-Key of the first trigger still answers with its queue item.
    const repeated = await pg().fetch(`${APP}/build?delay=20sec`, { method: 'POST', headers: { 'Idempotency-Key': 'move-42' } });
    expect(repeated.status).toBe(201);
    expect(queueIdOf(repeated)).toBe(before.waitingQueueId);
    const fresh = await pg().fetch(`${APP}/build`, { method: 'POST' });
    expect(fresh.status).toBe(201);
    expect(queueIdOf(fresh)).toBeGreaterThan(before.highestQueueId);
    expect(await waitForBuild(pg(), APP, 4, 60_000)).toMatchObject({ number: 4, queueId: queueIdOf(fresh) });
  });

  it('reads the sealed secrets with the copied key: the agent’s secret, the webhook’s, and the trigger token', async () => {
    expect(await (await pg().fetch('/steward/api/v1/nodes/linux-1/secret')).json()).toEqual({ name: 'linux-1', secret: before.nodeSecret });
    const claim = (secret: string) => fetch(new URL('steward/agent/v1/claim', pg().url), { method: 'POST', headers: { 'x-steward-agent': 'linux-1', authorization: `Bearer ${secret}`, 'content-type': 'application/json' }, body: JSON.stringify({ slots: [0] }) });
    expect((await claim(before.nodeSecret)).status).toBe(204);
    expect((await claim(`${before.nodeSecret}x`)).status).toBe(401);

    const ping = (secret: string) => {
      const body = JSON.stringify({ zen: 'Moved.' });
      return fetch(new URL('steward/hooks/github-main', pg().url), {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-github-event': 'ping', 'x-github-delivery': randomUUID(), 'x-hub-signature-256': `sha256=${createHmac('sha256', secret).update(body).digest('hex')}` },
        body,
      });
    };
    expect(await (await ping(WEBHOOK_SECRET)).json()).toMatchObject({ status: 'pong', webhook: 'github-main' });
    expect((await ping('another-secret-0123456789')).status).toBe(403);

    const byToken = await fetch(new URL(`buildByToken/build?job=team/app&token=${before.triggerToken}`, pg().url), { method: 'POST' });
    expect(byToken.status).toBe(201);
  });

  it('keeps the view, the folder’s jobs and the audit log', async () => {
    const view = (await (await pg().fetch('/view/Teams/api/json')).json()) as { jobs: Array<{ name: string }> };
    expect(view.jobs.map((job) => job.name)).toEqual(['team']);
    const audit = (await (await pg().fetch('/steward/api/v1/audit?limit=1000')).json()) as { events: Array<{ id: number; action: string; item: string | null; queueId: number | null }> };
    const old = audit.events.filter((event) => event.id <= before.auditMaxId);
    expect(old.length).toBe(before.auditEvents);
    expect(old.some((event) => event.action === 'trigger' && event.queueId === before.waitingQueueId)).toBe(true);
    expect(old.some((event) => event.action === 'webhook.create')).toBe(true);
  });

  it('starts with the old admin password too (the password hash moved with the user)', async () => {
    const response = await fetch(new URL('steward/api/v1/whoami', pg().url), { headers: { authorization: basicAuth('admin', CHILD_ADMIN_PASSWORD) } });
    expect(((await response.json()) as { id: string }).id).toBe('admin');
    await waitFor(async () => ((await (await pg().fetch('/queue/api/json')).json()) as { items: unknown[] }).items.length === 0 || undefined, 30_000, 'the queue to drain');
  });
});
