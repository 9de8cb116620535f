import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { create, extract } from 'tar';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ChildServer, startChildServer } from '../../support/child-server.js';
import { CliRunner } from '../../support/cli.js';
import { spawnServer, type ServerProcess } from '../../support/process.js';
import { basicAuth, jobXml, stringParameter, waitFor, waitForBuild } from '../../support/server.js';

/**
 * `steward backup` of a home whose server is busy (20 triggers always in flight, builds writing their
 * logs), `steward restore` into a new home, and a second server on it that must show everything the
 * first had at the snapshot: builds and their logs byte for byte, users, the same API token, trigger
 * tokens, job tokens (keyed by the sealing key), the audit log.
 */
const work = mkdtempSync(join(tmpdir(), 'steward-backup-'));
const homeA = join(work, 'a');
const homeB = join(work, 'b');
const archive = join(work, 'steward.tar.gz');
const cli = new CliRunner();
let serverA: ChildServer;
let serverB: ServerProcess | null = null;

const LOAD_WORKERS = 20;
const LOAD_MAX_TRIGGERS = 800;

interface BuildInfo {
  readonly number: number;
  readonly building: boolean;
  readonly result: string | null;
}

async function buildsOf(fetcher: (path: string) => Promise<Response>, job: string): Promise<BuildInfo[]> {
  const response = await fetcher(`/job/${job}/api/json?tree=allBuilds[number,building,result]`);
  expect(response.status).toBe(200);
  return ((await response.json()) as { allBuilds: BuildInfo[] }).allBuilds;
}

async function consoleOf(fetcher: (path: string) => Promise<Response>, job: string, number: number): Promise<string> {
  const response = await fetcher(`/job/${job}/${number}/consoleText`);
  expect(response.status).toBe(200);
  return response.text();
}

/** Triggers the load job from 20 workers at once until `stop` says so (or the cap), every answer a 201. */
async function load(stop: () => boolean): Promise<number> {
  let sent = 0;
  const worker = async (id: number) => {
    while (!stop() && sent < LOAD_MAX_TRIGGERS) {
      sent += 1;
      const response = await serverA.fetch(`/job/load/buildWithParameters?N=${id}-${sent}`, { method: 'POST' });
      expect(response.status).toBe(201);
    }
  };
  await Promise.all(Array.from({ length: LOAD_WORKERS }, (_, id) => worker(id)));
  return sent;
}

let tokenValue = '';
/** Builds completed before the backup started, with their logs as server A served them. */
const finishedBefore = new Map<string, string>();
let backupMs = 0;
/** The builds the restored database holds (the snapshot's), by job: number and whether it was running. */
const snapshotBuilds = new Map<string, Array<{ number: number; running: boolean }>>();
let triggersDuringBackup = 0;
let backupResult: { code: number | null; stdout: string; stderr: string };
let restoreResult: { code: number | null; stdout: string; stderr: string };

beforeAll(async () => {
  serverA = await startChildServer(homeA, ['--executors', '4']);
  await serverA.createJob('quick', jobXml({ steps: ['echo "quick build $BUILD_NUMBER"', 'seq 1 200'], extra: '<authToken>job-token-quick</authToken>' }));
  await serverA.createJob('load', jobXml({ steps: ['echo "load $N"', 'seq 1 50'], parameters: stringParameter('N', '0'), extra: '<concurrentBuild>true</concurrentBuild>' }));
  await serverA.createJob('slow', jobXml({ steps: ['for i in $(seq 1 100); do echo "tick $i"; sleep 0.1; done'] }));
  const user = await serverA.fetch('/steward/api/v1/users', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ id: 'alice', fullName: 'Alice Example', password: 'alice-password-1' }) });
  expect(user.status).toBe(201);
  const token = await serverA.fetch('/steward/api/v1/trigger-tokens', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'deploy-bot', items: ['quick'] }) });
  expect(token.status).toBe(201);
  tokenValue = ((await token.json()) as { value: string }).value;
  for (let i = 0; i < 3; i += 1) {
    expect((await serverA.fetch('/job/quick/build', { method: 'POST' })).status).toBe(201);
    await waitForBuild(serverA, '/job/quick', i + 1);
  }
  for (const build of await buildsOf((path) => serverA.fetch(path), 'quick')) finishedBefore.set(`quick#${build.number}`, await consoleOf((path) => serverA.fetch(path), 'quick', build.number));

  // A build that runs through the backup (started first: the load would keep it waiting for an executor).
  expect((await serverA.fetch('/job/slow/build', { method: 'POST' })).status).toBe(201);
  await waitFor(async () => ((await buildsOf((path) => serverA.fetch(path), 'slow')).some((build) => build.building) ? true : undefined), 20_000, 'slow to start');
  // The load: triggers in flight and builds writing logs for as long as the backup runs.
  let backupDone = false;
  const loading = load(() => backupDone);
  await waitFor(async () => ((await buildsOf((path) => serverA.fetch(path), 'load')).some((build) => !build.building) ? true : undefined), 20_000, 'load builds to finish');
  for (const build of await buildsOf((path) => serverA.fetch(path), 'load')) {
    if (!build.building) finishedBefore.set(`load#${build.number}`, await consoleOf((path) => serverA.fetch(path), 'load', build.number));
  }
  const started = performance.now();
  backupResult = await cli.run(['backup', '--home', homeA, '--to', archive]);
  backupMs = performance.now() - started;
  backupDone = true;
  triggersDuringBackup = await loading;
  restoreResult = await cli.run(['restore', '--from', archive, '--home', homeB]);
}, 180_000);

afterAll(async () => {
  serverB?.child.kill('SIGKILL');
  await serverB?.exited;
  await serverA?.kill();
  cli.dispose();
  rmSync(work, { recursive: true, force: true });
});

describe('steward backup under load, and steward restore', () => {
  it('writes one archive, mode 0600, warns that it holds the sealing key, and sums up', () => {
    expect(backupResult.code, backupResult.stderr).toBe(0);
    expect(backupResult.stdout).toMatch(/^Backed up \d+ builds, [\d.,]+ (bytes|kB|MB) of logs to .*steward\.tar\.gz in \d+\.\d s\n$/);
    expect(backupResult.stderr).toContain('contains the sealing key');
    expect(backupResult.stderr).toContain('were running');
    expect(statSync(archive).mode & 0o777).toBe(0o600);
    expect(existsSync(`${archive}.partial`)).toBe(false);
    // Nothing of the staging is left in the home.
    expect(readdirSync(join(homeA, 'tmp')).filter((name) => name.startsWith('backup-'))).toEqual([]);
    expect(triggersDuringBackup).toBeGreaterThan(LOAD_WORKERS);
    process.stdout.write(`backup of a busy home took ${Math.round(backupMs)} ms (${triggersDuringBackup} triggers sent meanwhile): ${backupResult.stdout}`);
  });

  it('restores into a new home with private modes, and the snapshot is consistent', () => {
    expect(restoreResult.code, restoreResult.stderr).toBe(0);
    expect(restoreResult.stdout).toMatch(/^Restored \d+ builds of 3 jobs, .* of logs, into .* in \d+\.\d s/);
    expect(statSync(homeB).mode & 0o777).toBe(0o700);
    expect(statSync(join(homeB, 'secrets')).mode & 0o777).toBe(0o700);
    expect(statSync(join(homeB, 'secrets', 'master.key')).mode & 0o777).toBe(0o600);
    expect(statSync(join(homeB, 'steward.db')).mode & 0o777).toBe(0o600);
    expect(readFileSync(join(homeB, 'secrets', 'master.key'))).toEqual(readFileSync(join(homeA, 'secrets', 'master.key')));
    expect(existsSync(join(homeB, 'workspace'))).toBe(false);

    const db = new Database(join(homeB, 'steward.db'), { readonly: true });
    try {
      expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
      expect(db.pragma('foreign_key_check')).toEqual([]);
      // No torn rows: every build's job exists, every build came from one queue item, numbers are dense.
      expect(db.prepare('SELECT COUNT(*) AS n FROM builds b LEFT JOIN items i ON i.id = b.job_id WHERE i.id IS NULL').get()).toEqual({ n: 0 });
      expect(db.prepare('SELECT COUNT(*) - COUNT(DISTINCT queue_id) AS n FROM builds').get()).toEqual({ n: 0 });
      const jobs = db.prepare("SELECT i.full_name AS name, i.next_build_number AS next, COUNT(b.number) AS count, COALESCE(MAX(b.number), 0) AS max FROM items i LEFT JOIN builds b ON b.job_id = i.id WHERE i.kind = 'job' GROUP BY i.id").all() as Array<{ name: string; next: number; count: number; max: number }>;
      for (const job of jobs) expect(job, job.name).toMatchObject({ count: job.max, next: job.max + 1 });
      expect(jobs.find((job) => job.name === 'load')?.count).toBeGreaterThan(0);
      const rows = db.prepare('SELECT i.full_name AS job, b.number, b.state FROM builds b JOIN items i ON i.id = b.job_id').all() as Array<{ job: string; number: number; state: string }>;
      for (const row of rows) snapshotBuilds.set(row.job, [...(snapshotBuilds.get(row.job) ?? []), { number: row.number, running: row.state === 'running' }]);
    } finally {
      db.close();
    }
  });

  it('refuses a home that is not empty, and a corrupted archive, writing nothing', async () => {
    const again = await cli.run(['restore', '--from', archive, '--home', homeB]);
    expect(again.code).toBe(4);
    expect(again.stderr).toContain(`${homeB} is not empty`);
    expect(again.stderr).toContain('--force');

    const damaged = join(work, 'damaged.tar.gz');
    const bytes = readFileSync(archive);
    for (let at = Math.floor(bytes.length / 2); at < Math.floor(bytes.length / 2) + 16; at += 1) bytes.writeUInt8(bytes.readUInt8(at) ^ 0xff, at);
    writeFileSync(damaged, bytes);
    const target = join(work, 'from-damaged');
    const refused = await cli.run(['restore', '--from', damaged, '--home', target]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('The archive is damaged');
    expect(refused.stderr).toContain('Nothing was restored');
    expect(existsSync(target)).toBe(false);

    // An empty home that exists stays empty.
    const empty = join(work, 'empty-home');
    mkdirSync(empty);
    const cut = join(work, 'cut.tar.gz');
    writeFileSync(cut, readFileSync(archive).subarray(0, Math.floor(statSync(archive).size * 0.8)));
    const truncated = await cli.run(['restore', '--from', cut, '--home', empty]);
    expect(truncated.code).toBe(1);
    expect(truncated.stderr).toContain('The archive is damaged');
    expect(readdirSync(empty)).toEqual([]);

    const missing = await cli.run(['restore', '--from', join(work, 'nope.tar.gz'), '--home', join(work, 'x')]);
    expect(missing.code).toBe(3);
    const noDatabase = await cli.run(['backup', '--to', join(work, 'none.tar.gz')], { env: { STEWARD_HOME: empty } });
    expect(noDatabase.code).toBe(3);
    expect(noDatabase.stderr).toContain(`${empty} holds no Steward database`);
    const noDirectory = await cli.run(['backup', '--home', homeA, '--to', join(work, 'no-such-dir', 'a.tar.gz')]);
    expect(noDirectory.code).toBe(3);
    expect(noDirectory.stderr).toContain('There is no directory');
  });

  it('refuses an archive written by a newer schema, saying why', async () => {
    const unpacked = join(work, 'unpacked');
    mkdirSync(unpacked);
    await extract({ file: archive, cwd: unpacked });
    const header = JSON.parse(readFileSync(join(unpacked, 'steward-backup.json'), 'utf8')) as { schemaVersion: number };
    writeFileSync(join(unpacked, 'steward-backup.json'), JSON.stringify({ ...header, schemaVersion: header.schemaVersion + 100, stewardVersion: '9.0.0' }));
    const newer = join(work, 'newer.tar.gz');
    await create({ gzip: true, file: newer, cwd: unpacked }, ['steward-backup.json', 'home', 'manifest.json']);
    const target = join(work, 'from-newer');
    const refused = await cli.run(['restore', '--from', newer, '--home', target]);
    expect(refused.code).toBe(4);
    expect(refused.stderr).toContain(`schema version ${header.schemaVersion + 100}, newer than this Steward's (${header.schemaVersion})`);
    expect(refused.stderr).toContain('Restore it with Steward 9.0.0 or later');
    expect(existsSync(target)).toBe(false);
  });

  it('starts a server on the restored home that shows everything, with the same tokens', async () => {
    serverB = await spawnServer(['serve', '--port', '0', '--home', homeB, '--executors', '4'], { STEWARD_CONFIG: '' });
    const b = serverB;
    const asAdmin = (path: string, init: RequestInit = {}) => fetch(new URL(path.replace(/^\//, ''), b.url), { ...init, headers: { authorization: basicAuth('admin', serverA.adminToken), ...init.headers }, redirect: 'manual' });

    // The same API token authenticates.
    const whoAmI = (await (await asAdmin('/whoAmI/api/json')).json()) as { name: string; anonymous: boolean };
    expect(whoAmI).toMatchObject({ name: 'admin', anonymous: false });

    // Every build finished before the backup is there, its log byte for byte.
    expect(finishedBefore.size).toBeGreaterThan(3);
    for (const [key, log] of finishedBefore) {
      const [job, number] = key.split('#') as [string, string];
      expect(await consoleOf(asAdmin, job, Number(number)), key).toBe(log);
    }
    // Every build of the snapshot that had completed has the log it had; one that was running ends
    // ABORTED by the restart, with its log as far as it was written and the reason.
    expect(snapshotBuilds.get('slow')).toEqual([{ number: 1, running: true }]);
    let compared = 0;
    for (const [job, builds] of snapshotBuilds) {
      for (const build of builds) {
        const restored = await consoleOf(asAdmin, job, build.number);
        const original = await consoleOf((path) => serverA.fetch(path), job, build.number);
        if (!build.running) expect(restored, `${job} #${build.number}`).toBe(original);
        else {
          const cut = restored.lastIndexOf('\nBuild was aborted\n');
          expect(cut, restored).toBeGreaterThan(0);
          expect(restored).toContain('Steward restarted while this build was running');
          expect(original.startsWith(restored.slice(0, cut)), `${job} #${build.number}`).toBe(true);
        }
        compared += 1;
      }
    }
    expect(compared).toBeGreaterThan(finishedBefore.size);
    const slow = await buildsOf(asAdmin, 'slow');
    expect(slow).toEqual([expect.objectContaining({ number: 1, building: false, result: 'ABORTED' })]);

    // Numbering stays dense: the next build takes the next number.
    const before = await buildsOf(asAdmin, 'quick');
    expect((await asAdmin('/job/quick/build', { method: 'POST' })).status).toBe(201);
    const next = before.length + 1;
    // It starts after the restored queue of `load` builds drains, a few hundred items whose number
    // grows with how loaded the machine was while the backup ran: minutes, not seconds, on a busy one.
    await waitFor(async () => ((await asAdmin(`/job/quick/${next}/api/json`)).status === 200 ? true : undefined), 90_000, `quick #${next}`);
    expect((await buildsOf(asAdmin, 'quick')).map((build) => build.number)).toEqual(Array.from({ length: next }, (_, i) => next - i));

    // The trigger token, the job token (its digest is keyed by the sealing key), users and the audit log.
    expect((await fetch(new URL('job/quick/build', b.url), { method: 'POST', headers: { authorization: `Bearer ${tokenValue}` } })).status).toBe(201);
    // (303: folded into the item the trigger token just queued, which waits while the restored queue is built)
    const byJobToken = await fetch(new URL('buildByToken/build?job=quick&token=job-token-quick', b.url), { redirect: 'manual' });
    expect([201, 303], `${byJobToken.status} ${byJobToken.headers.get('x-steward-reason')}`).toContain(byJobToken.status);
    expect((await fetch(new URL('buildByToken/build?job=quick&token=wrong-token', b.url), { redirect: 'manual' })).status).toBe(403);
    const users = (await (await asAdmin('/steward/api/v1/users')).json()) as Array<{ id: string }>;
    expect(users.map((user) => user.id).sort()).toEqual(['admin', 'alice']);
    const audit = await (await asAdmin('/steward/api/v1/audit?action=user.create')).text();
    expect(audit).toContain('user.create');

    // A restore is refused while a server runs on the home, even with --force.
    const running = await cli.run(['restore', '--from', archive, '--home', homeB, '--force']);
    expect(running.code).toBe(4);
    expect(running.stderr).toContain('A Steward server is running on');
  }, 120_000);
});
