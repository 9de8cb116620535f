import { createHash, createHmac, randomBytes, randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { type ChildServer, CHILD_ADMIN_PASSWORD, json, ok, startChildServer } from '../../support/child-server.js';
import { CliRunner } from '../../support/cli.js';
import { createTestDatabase } from '../../support/postgres.js';
import { runSteward } from '../../support/process.js';
import { basicAuth, jobXml, waitFor, waitForBuild } from '../../support/server.js';

/**
 * `steward key rotate` on a stopped deployment, as docs/operations.md tells an operator to run it: a
 * real server on a SQLite home and on PostgreSQL, with every kind of sealed value made through the
 * product (an agent's secret and its previous one, GitHub and GitLab webhooks, a password parameter's
 * default in the settings and in the config.xml, password values of a build and of a waiting queue
 * item), a job token and a session; refusals that change nothing; then the server on the new key, where
 * every one of them works, and the old key, which PostgreSQL refuses.
 */
const work = mkdtempSync(join(tmpdir(), 'steward-key-rotation-'));
const cli = new CliRunner();
const servers: ChildServer[] = [];
afterAll(async () => {
  await Promise.all(servers.map((server) => (server.child.exitCode === null ? server.kill() : undefined)));
  cli.dispose();
  rmSync(work, { recursive: true, force: true });
});

const DEFAULT_PASSWORD = 'default-pw-0123456789';
const GIVEN_PASSWORD = 'given-pw-9876543210';
const GITHUB_SECRET = 'github-secret-0123456789';
const GITLAB_SECRET = 'gitlab-secret-0123456789';
const JOB_TOKEN = 'job-token-0123456789';
const CREDENTIAL_SECRET = 'credential-secret-0123456789';
/** A job binding a stored credential, saying whether it got the right value without printing it. */
const BOUND_JOB = jobXml({
  steps: [`if [ "$CRED" = "${CREDENTIAL_SECRET}" ]; then echo "CRED is right"; else echo "CRED is wrong"; fi`],
  extra: '<buildWrappers><org.jenkinsci.plugins.credentialsbinding.impl.SecretBuildWrapper><bindings><org.jenkinsci.plugins.credentialsbinding.impl.StringBinding><credentialsId>rotated</credentialsId><variable>CRED</variable></org.jenkinsci.plugins.credentialsbinding.impl.StringBinding></bindings></org.jenkinsci.plugins.credentialsbinding.impl.SecretBuildWrapper></buildWrappers>',
});
const PASSWORD_PARAMETER = `<hudson.model.PasswordParameterDefinition><name>PASS</name><defaultValue>${DEFAULT_PASSWORD}</defaultValue></hudson.model.PasswordParameterDefinition>`;
/** Says which value the build got without printing it. */
const WHICH_PASSWORD = `if [ "$PASS" = "${DEFAULT_PASSWORD}" ]; then echo "PASS is the default"; elif [ "$PASS" = "${GIVEN_PASSWORD}" ]; then echo "PASS is the given one"; else echo "PASS is something else"; fi`;

async function start(home: string, args: readonly string[] = []): Promise<ChildServer> {
  const server = await startChildServer(home, ['--executors', '2', ...args]);
  servers.push(server);
  return server;
}

async function stop(server: ChildServer): Promise<void> {
  server.child.kill('SIGTERM');
  expect(await server.exited).toBe(0);
}

function writeKey(path: string): string {
  const text = randomBytes(32).toString('base64');
  writeFileSync(path, text, { mode: 0o600 });
  return text;
}

interface Made {
  nodeSecret: string;
  previousSecret: string;
  sessionCookie: string;
}

/** Every kind of sealed value, a job token and a session, made through the server; build #1 of app ran with the given password. */
async function populate(server: ChildServer): Promise<Made> {
  await server.createJob('app', jobXml({ parameters: PASSWORD_PARAMETER, steps: [WHICH_PASSWORD], extra: `<authToken>${JOB_TOKEN}</authToken>` }));
  await ok(server.fetch('/job/app/buildWithParameters', { method: 'POST', body: new URLSearchParams({ PASS: GIVEN_PASSWORD }) }), 201);
  await waitForBuild(server, '/job/app', 1, 20_000);
  expect(await (await server.fetch('/job/app/1/consoleText')).text()).toContain('PASS is the given one');
  const previousSecret = (await ok(server.fetch('/steward/api/v1/nodes', json('POST', { name: 'linux-1', labels: ['linux'] })), 201)).secret as string;
  const nodeSecret = (await ok(server.fetch('/steward/api/v1/nodes/linux-1/secret/rotate?overlapHours=24', { method: 'POST' }))).secret as string;
  // Offline, so that a claim (authenticated with the sealed secret) answers at once.
  await ok(server.fetch('/steward/api/v1/nodes/linux-1', json('PATCH', { offlineMessage: 'rotating the key' })));
  await ok(server.fetch('/steward/api/v1/webhooks/github-main', json('PUT', { kind: 'github', secret: GITHUB_SECRET, jobs: ['app'], events: ['push'] })));
  await ok(server.fetch('/steward/api/v1/webhooks/gitlab-main', json('PUT', { kind: 'gitlab', secret: GITLAB_SECRET, jobs: ['app'], events: ['Push Hook'] })));
  await ok(
    server.fetch('/credentials/store/system/domain/_/createCredentials', {
      method: 'POST',
      headers: { 'content-type': 'application/xml' },
      body: `<org.jenkinsci.plugins.plaincredentials.impl.StringCredentialsImpl><scope>GLOBAL</scope><id>rotated</id><description/><secret>${CREDENTIAL_SECRET}</secret></org.jenkinsci.plugins.plaincredentials.impl.StringCredentialsImpl>`,
    }),
  );
  await server.createJob('bound', BOUND_JOB);
  // A crumb fetched with a password starts a session, whose cookie the browser would keep.
  const crumb = await fetch(new URL('crumbIssuer/api/json', server.url), { headers: { authorization: basicAuth('admin', CHILD_ADMIN_PASSWORD) } });
  expect(crumb.status).toBe(200);
  const sessionCookie = /^(JSESSIONID\.[0-9a-f]+=[^;]+)/.exec(crumb.headers.get('set-cookie') ?? '')?.[1] ?? '';
  expect(sessionCookie).not.toBe('');
  return { nodeSecret, previousSecret, sessionCookie };
}

/** What a server on the rotated database does with each sealed value, the job token and the old session. */
async function expectEverythingWorks(server: ChildServer, made: Made, builds: { next: number }): Promise<void> {
  const claim = (secret: string) =>
    fetch(new URL('steward/agent/v1/claim', server.url), { method: 'POST', headers: { 'x-steward-agent': 'linux-1', authorization: `Bearer ${secret}`, 'content-type': 'application/json' }, body: JSON.stringify({ slots: [0] }) });
  expect((await claim(made.nodeSecret)).status).toBe(204);
  expect((await claim(made.previousSecret)).status).toBe(204);
  expect((await claim(`${made.nodeSecret}x`)).status).toBe(401);
  expect(await ok(server.fetch('/steward/api/v1/nodes/linux-1/secret'))).toEqual({ name: 'linux-1', secret: made.nodeSecret });

  const ping = (secret: string) => {
    const body = JSON.stringify({ zen: 'Rotated.' });
    return fetch(new URL('steward/hooks/github-main', server.url), {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-github-event': 'ping', 'x-github-delivery': randomUUID(), 'x-hub-signature-256': `sha256=${createHmac('sha256', secret).update(body).digest('hex')}` },
      body,
    });
  };
  expect(await (await ping(GITHUB_SECRET)).json()).toMatchObject({ status: 'pong', webhook: 'github-main' });
  expect((await ping('another-secret-0123456789')).status).toBe(403);

  // A stored credential, sealed again, reaches a build that binds it.
  const next = ((await ok(server.fetch('/job/bound/api/json?tree=nextBuildNumber'))) as { nextBuildNumber: number }).nextBuildNumber;
  await ok(server.fetch('/job/bound/build', { method: 'POST' }), 201);
  await waitForBuild(server, '/job/bound', next, 30_000);
  expect(await (await server.fetch(`/job/bound/${next}/consoleText`)).text()).toContain('CRED is right');

  // The old session ended: its cookie makes nobody of the caller.
  const whoami = await fetch(new URL('steward/api/v1/whoami', server.url), { headers: { cookie: made.sessionCookie } });
  expect(((await whoami.json()) as { id: string | null }).id).toBeNull();

  // Build with the default (sealed again in the settings), and a rebuild of #1 (its value sealed again in the build).
  await ok(server.fetch('/job/app/buildWithParameters', { method: 'POST' }), 201);
  await ok(server.fetch('/job/app/1/rebuild', { method: 'POST' }), 302);
  const byDefault = builds.next++;
  const rebuilt = builds.next++;
  await waitForBuild(server, '/job/app', rebuilt, 30_000);
  const logs = [await (await server.fetch(`/job/app/${byDefault}/consoleText`)).text(), await (await server.fetch(`/job/app/${rebuilt}/consoleText`)).text()];
  expect(logs.some((log) => log.includes('PASS is the default'))).toBe(true);
  expect(logs.some((log) => log.includes('PASS is the given one'))).toBe(true);
  for (const log of logs) expect(log).not.toContain('something else');
  // The config.xml shows the default sealed, and sent back as shown keeps it (it opens with the new key).
  const xml = await (await server.fetch('/job/app/config.xml')).text();
  expect(xml).toMatch(/<defaultValue>\{steward:v1:[\w-]+\}<\/defaultValue>/);
  await ok(server.fetch('/job/app/config.xml', { method: 'POST', headers: { 'content-type': 'application/xml' }, body: xml }));

  // The job token's and GitLab's digests were made with the digest key the rotation carried (and the default kept by the config.xml still works).
  const byToken = await fetch(new URL(`buildByToken/buildWithParameters?job=app&token=${JOB_TOKEN}`, server.url), { method: 'POST' });
  expect(byToken.status).toBe(201);
  // Its build first: an identical trigger waiting behind it would fold into it.
  builds.next += 1;
  await waitForBuild(server, '/job/app', builds.next - 1, 30_000);
  const gitlab = (token: string) =>
    fetch(new URL('steward/hooks/gitlab-main', server.url), { method: 'POST', headers: { 'content-type': 'application/json', 'x-gitlab-token': token, 'x-gitlab-event': 'Push Hook', 'x-gitlab-event-uuid': randomUUID() }, body: JSON.stringify({ ref: 'refs/heads/main' }) });
  expect((await gitlab(GITLAB_SECRET)).status).toBe(201);
  expect((await gitlab('another-secret-0123456789')).status).toBe(403);
  builds.next += 1;
  await waitForBuild(server, '/job/app', builds.next - 1, 30_000);
  expect(await (await server.fetch(`/job/app/${builds.next - 1}/consoleText`)).text()).toContain('PASS is the default');
}

/** The rows that hold sealed values or depend on the key, to show that a refused rotation changed none. */
type Snapshot = Record<string, unknown[]>;
const WATCHED = ['SELECT name_key, secret, previous_secret FROM nodes', 'SELECT name_key, stored_secret FROM webhooks', 'SELECT id, settings, source_config FROM items', 'SELECT id, parameters FROM queue_items', "SELECT job_id || '#' || number, parameters FROM builds", 'SELECT key, value FROM security_settings', 'SELECT hash FROM sessions'];

function sqliteSnapshot(home: string): Snapshot {
  const db = new Database(join(home, 'steward.db'), { readonly: true });
  try {
    return Object.fromEntries(WATCHED.map((sql) => [sql, db.prepare(`${sql} ORDER BY 1`).all()]));
  } finally {
    db.close();
  }
}

async function postgresSnapshot(url: string): Promise<Snapshot> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const snapshot: Snapshot = {};
    for (const sql of WATCHED) snapshot[sql] = (await client.query(`${sql} ORDER BY 1`)).rows;
    return snapshot;
  } finally {
    await client.end();
  }
}

function keyFilesIn(dir: string): string[] {
  return readdirSync(dir).filter((name) => name.includes('.key')).sort();
}

function sha(path: string): string {
  return createHash('sha256').update(readFileSync(path)).digest('hex');
}

describe('steward key rotate on a SQLite home', () => {
  const home = join(work, 'sqlite-home');
  const keyFile = join(home, 'secrets', 'master.key');
  const rotate = (args: readonly string[] = []) => cli.run(['key', 'rotate', '--home', home, ...args]);

  it('refuses while the server runs, while a build is recorded as running, and with a wrong key, changing nothing; then rotates, and the server works on the new key', async () => {
    const first = await start(home);
    const made = await populate(first);
    await first.createJob('slow', jobXml({ steps: ['sleep 60'] }));

    const whileRunning = await rotate();
    expect(whileRunning.code).toBe(2);
    expect(whileRunning.stderr).toContain(`A Steward server is running on ${home} (its database is open), and it would go on sealing with the old key: stop it, then rotate again.`);

    // The server dies while a build runs: the build stays recorded as running.
    await ok(first.fetch('/job/slow/build', { method: 'POST' }), 201);
    await waitFor(async () => {
      const build = await first.fetch('/job/slow/1/api/json');
      return build.status === 200 && ((await build.json()) as { building: boolean }).building ? true : undefined;
    }, 20_000, 'slow #1 to run');
    await first.kill();
    const oldKeyText = readFileSync(keyFile, 'utf8');
    const before = sqliteSnapshot(home);
    const withBuild = await rotate();
    expect(withBuild.code).toBe(2);
    expect(withBuild.stderr).toContain('1 build(s) are recorded as running (slow #1 on built-in), and their leases and secrets come from the old key: start the servers, let those builds finish or stop them, stop every server, then rotate again.');

    const wrongKey = join(work, 'wrong.key');
    writeKey(wrongKey);
    const wrong = await rotate(['--key-file', wrongKey]);
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toContain(`The key in ${wrongKey} is not the key ${join(home, 'steward.db')} is sealed with (its key check names another): give --key-file the key the servers run with; nothing was changed.`);
    expect(sqliteSnapshot(home)).toEqual(before);
    expect(readFileSync(keyFile, 'utf8')).toBe(oldKeyText);
    expect(keyFilesIn(join(home, 'secrets'))).toEqual(['master.key']);

    // The next start aborts the interrupted build; a trigger waits in its quiet period while the server stops.
    const second = await start(home);
    await waitForBuild(second, '/job/slow', 1, 20_000);
    await ok(second.fetch('/job/app/buildWithParameters?delay=12sec', { method: 'POST', body: new URLSearchParams({ PASS: GIVEN_PASSWORD }) }), 201);
    await stop(second);

    // A rotation that crashed before its commit left a key behind: it was never used, and is dropped.
    writeKey(`${keyFile}.new`);
    const rotated = await rotate();
    expect(rotated.code, rotated.stderr).toBe(0);
    expect(rotated.stdout).toMatch(
      /^Rotated the master key of .*steward\.db in \d+\.\d s: sealed 10 values again \(agent secrets 2, webhook secrets 1, credential secrets 1, password parameter defaults 1, password parameter defaults in config\.xml 1, password values of queue items 2, password values of builds 1, digest key 1\) and ended \d+ sessions?\.\n$/,
    );
    expect(rotated.stderr).toContain('sealed again with the new key: builds, 1 row');
    expect(rotated.stderr).toContain('users sign in again (sessions and crumbs come from the key); agents, webhooks, and API, trigger and job tokens keep working.');
    const backups = keyFilesIn(join(home, 'secrets')).filter((name) => name.startsWith('master.key.old-'));
    expect(backups).toHaveLength(1);
    expect(keyFilesIn(join(home, 'secrets'))).toEqual(['master.key', backups[0]]);
    expect(readFileSync(join(home, 'secrets', backups[0] as string), 'utf8')).toBe(oldKeyText);
    const newKeyText = readFileSync(keyFile, 'utf8');
    expect(newKeyText).not.toBe(oldKeyText);
    expect(statSync(keyFile).mode & 0o777).toBe(0o600);
    expect(rotated.stdout + rotated.stderr).not.toContain(newKeyText.trim());
    expect(rotated.stdout + rotated.stderr).not.toContain(oldKeyText.trim());
    expect(sqliteSnapshot(home)['SELECT hash FROM sessions']).toEqual([]);

    // A rotation that crashed after its commit, before the new key was put in place: running it again puts it there.
    writeFileSync(`${keyFile}.new`, newKeyText, { mode: 0o600 });
    writeFileSync(keyFile, oldKeyText, { mode: 0o600 });
    const old = await runSteward(['serve', '--port', '0', '--home', home], { STEWARD_ADMIN_PASSWORD: CHILD_ADMIN_PASSWORD, STEWARD_CONFIG: '' });
    expect(old.code).toBe(2);
    expect(old.output).toContain("This database's secrets are sealed with another key than the key in");
    const finished = await rotate();
    expect(finished.code, finished.stderr).toBe(0);
    expect(finished.stdout).toContain(`was already sealed with the key a rotation left in ${keyFile}.new`);
    expect(readFileSync(keyFile, 'utf8')).toBe(newKeyText);
    expect(existsSync(`${keyFile}.new`)).toBe(false);

    const third = await start(home);
    // The trigger that waited: its password value was sealed again in the queue item.
    await waitForBuild(third, '/job/app', 2, 30_000);
    expect(await (await third.fetch('/job/app/2/consoleText')).text()).toContain('PASS is the given one');
    await expectEverythingWorks(third, made, { next: 3 });
    await stop(third);
  }, 180_000);
});

describe('steward key rotate on PostgreSQL', () => {
  it('refuses while a server is connected and with a wrong key, changing nothing; rotates; the old key is refused and the new one works; and again with a key given', async () => {
    const database = await createTestDatabase('rotate');
    const keys = join(work, 'pg-keys');
    const keyFile = join(keys, 'master.key');
    mkdirSync(keys, { mode: 0o700 });
    const oldKeyText = writeKey(keyFile);
    const serve = (home: string, key: string) => start(join(work, home), ['--database', database, '--key-file', key]);
    const rotate = (args: readonly string[] = []) => cli.run(['key', 'rotate', '--database', database, '--home', join(work, 'pg-admin'), ...args]);

    const first = await serve('pg-1', keyFile);
    const made = await populate(first);
    const whileRunning = await rotate(['--key-file', keyFile]);
    expect(whileRunning.code).toBe(2);
    expect(whileRunning.stderr).toMatch(/connection\(s\) of running Steward servers are open on postgres:\/\/.* \(from 127\.0\.0\.1\), and those servers would go on sealing with the old key: stop every server, then rotate again\./);
    await stop(first);

    const before = await postgresSnapshot(database);
    const wrongKey = join(work, 'pg-wrong.key');
    writeKey(wrongKey);
    const wrong = await rotate(['--key-file', wrongKey]);
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toContain(`The key in ${wrongKey} is not the key`);
    expect(await postgresSnapshot(database)).toEqual(before);
    expect(keyFilesIn(keys)).toEqual(['master.key']);

    const rotated = await rotate(['--key-file', keyFile]);
    expect(rotated.code, rotated.stderr).toBe(0);
    expect(rotated.stdout).toMatch(/sealed 9 values again \(agent secrets 2, webhook secrets 1, credential secrets 1, password parameter defaults 1, password parameter defaults in config\.xml 1, password values of queue items 1, password values of builds 1, digest key 1\) and ended \d+ sessions?\./);
    expect(rotated.stderr).toContain(`copy ${keyFile} to every other server (its --key-file) before starting it: a server with the old key refuses to start.`);
    const backup = join(keys, keyFilesIn(keys).find((name) => name.startsWith('master.key.old-')) ?? 'none');
    expect(readFileSync(backup, 'utf8')).toBe(oldKeyText);
    expect(statSync(keyFile).mode & 0o777).toBe(0o600);

    const withOldKey = await runSteward(['serve', '--port', '0', '--home', join(work, 'pg-old'), '--database', database, '--key-file', backup], { STEWARD_ADMIN_PASSWORD: CHILD_ADMIN_PASSWORD, STEWARD_CONFIG: '' });
    expect(withOldKey.code).toBe(2);
    expect(withOldKey.output).toContain("This database's secrets are sealed with another key than the key in");

    const second = await serve('pg-2', keyFile);
    await expectEverythingWorks(second, made, { next: 2 });
    await stop(second);

    // Again, with a key made beforehand (as for a key kept in a secret store): it is put in place of the current one.
    const given = join(work, 'given.key');
    const givenText = writeKey(given);
    const again = await rotate(['--key-file', keyFile, '--new-key-file', given]);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stderr).toContain(`${keyFile} holds the new key (mode 0600)`);
    expect(readFileSync(keyFile, 'utf8').trim()).toBe(givenText);
    const repeated = await rotate(['--key-file', backup, '--new-key-file', given]);
    expect(repeated.code).toBe(2);
    expect(repeated.stderr).toContain('is already sealed with the new key: start the servers with it (nothing was changed).');
    const third = await serve('pg-3', keyFile);
    expect(await ok(third.fetch('/steward/api/v1/nodes/linux-1/secret'))).toEqual({ name: 'linux-1', secret: made.nodeSecret });
    await stop(third);
  }, 180_000);
});
