import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { basicAuth, createApiToken, jobXml, stringParameter, waitFor } from '../support/server.js';
import { runSteward, type ServerProcess, spawnServer } from '../support/process.js';

const homes: string[] = [];
const running: ServerProcess[] = [];
function home(): string {
  const dir = mkdtempSync(join(tmpdir(), 'steward-cli-'));
  homes.push(dir);
  return dir;
}
afterAll(() => {
  for (const server of running) server.child.kill('SIGKILL');
  for (const dir of homes) rmSync(dir, { recursive: true, force: true });
});

async function start(args: string[], env: NodeJS.ProcessEnv = {}): Promise<ServerProcess> {
  const server = await spawnServer(args, env);
  running.push(server);
  return server;
}

describe('steward serve', () => {
  it('creates admin with a random password in a 0600 file on first start, and prints where', async () => {
    const dir = home();
    const server = await start(['serve', '--port', '0', '--home', dir], { STEWARD_ADMIN_PASSWORD: '' });
    const file = join(dir, 'secrets', 'initialAdminPassword');
    expect(server.output()).toContain(`Created the user admin. Its password is in ${file}`);
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const password = readFileSync(file, 'utf8').trim();
    expect(password.length).toBeGreaterThanOrEqual(20);
    expect(server.output()).not.toContain(password);
    const whoami = await fetch(new URL('whoAmI/api/json', server.url), { headers: { authorization: basicAuth('admin', password) } });
    expect(await whoami.json()).toMatchObject({ name: 'admin', anonymous: false });
    expect((await fetch(new URL('api/json', server.url), { headers: { authorization: basicAuth('admin', 'wrong') } })).status).toBe(401);
    server.child.kill('SIGTERM');
    expect(await server.exited).toBe(0);
  });

  it('takes settings from the environment, and on SIGTERM aborts running builds with a cause, keeps the queue, exits 0', async () => {
    const dir = home();
    const env = { STEWARD_ADMIN_PASSWORD: 'steward-pw', STEWARD_HOME: dir, STEWARD_PORT: '0', STEWARD_EXECUTORS: '1' };
    const first = await start(['serve'], env);
    const auth = { authorization: basicAuth('admin', await createApiToken(first.url, 'admin', 'steward-pw', 'cli-test')) };
    const post = (path: string, init: RequestInit = {}) => fetch(new URL(path, first.url), { method: 'POST', ...init, headers: { ...auth, ...(init.headers as object) }, redirect: 'manual' });
    expect((await post('/createItem?name=long', { headers: { 'content-type': 'application/xml' }, body: jobXml({ parameters: stringParameter('N'), steps: ['echo running; sleep 30'] }) })).status).toBe(200);
    expect((await post('/job/long/buildWithParameters?N=1')).status).toBe(201);
    const queued = await post('/job/long/buildWithParameters?N=2');
    const queuedId = /\/queue\/item\/(\d+)\/$/.exec(queued.headers.get('location') ?? '')?.[1];
    await waitFor(async () => ((await (await fetch(new URL('/job/long/1/consoleText', first.url), { headers: auth })).text()).includes('running\n') ? true : undefined));
    const computer = (await (await fetch(new URL('/computer/api/json', first.url), { headers: auth })).json()) as { totalExecutors: number };
    expect(computer.totalExecutors).toBe(1);
    first.child.kill('SIGTERM');
    expect(await first.exited).toBe(0);
    expect(first.output()).toContain('Received SIGTERM: stopping');

    const second = await start(['serve'], env);
    const get = async (path: string) => (await (await fetch(new URL(path, second.url), { headers: auth })).json()) as Record<string, unknown>;
    expect(await get('/job/long/1/api/json')).toMatchObject({ result: 'ABORTED', actions: expect.arrayContaining([expect.objectContaining({ _class: 'jenkins.model.InterruptedBuildAction' })]) });
    expect(await (await fetch(new URL('/job/long/1/consoleText', second.url), { headers: auth })).text()).toContain('Steward shut down while this build was running, so the build was aborted.\nFinished: ABORTED\n');
    const item = await get(`/queue/item/${queuedId}/api/json`);
    expect(item.cancelled ?? false).toBe(false);
    await waitFor(async () => ((await get(`/queue/item/${queuedId}/api/json`)).executable ? true : undefined));
    second.child.kill('SIGINT');
    expect(await second.exited).toBe(0);
  });

  it('refuses a port in use with a clear message', async () => {
    const dir = home();
    const server = await start(['serve', '--port', '0', '--home', dir], { STEWARD_ADMIN_PASSWORD: 'steward-pw' });
    const port = new URL(server.url).port;
    const clash = await runSteward(['serve', '--port', port, '--home', home()], { STEWARD_ADMIN_PASSWORD: 'steward-pw' });
    expect(clash.code).toBe(2);
    expect(clash.output).toContain(`steward: port ${port} on 127.0.0.1 is already in use. Stop what uses it, or choose another with --port.`);
    server.child.kill('SIGTERM');
    await server.exited;
  });

  it('stops on a malformed configuration file, naming the line and the problem', async () => {
    const dir = home();
    const config = join(dir, 'steward.yaml');
    writeFileSync(config, 'settings:\n  executors: 2\njobs:\n  - name: ok\n    stesp: []\n');
    const result = await runSteward(['serve', '--port', '0', '--home', dir, '--config', config], { STEWARD_ADMIN_PASSWORD: 'steward-pw' });
    expect(result.code).toBe(2);
    expect(result.output).toContain(`steward: ${config}:4: jobs[0]: Unrecognized key: "stesp"`);
    expect(result.output).not.toContain('Steward listening on');
  });

  it('refuses a bad option value and prints help and the version', async () => {
    const bad = await runSteward(['serve', '--port', 'eighty', '--home', home()]);
    expect(bad.code).toBe(2);
    expect(bad.output).toContain('The port must be a whole number from 0 to 65535 (got "eighty").');
    const help = await runSteward(['serve', '--help']);
    expect(help.code).toBe(0);
    expect(help.output).toContain('--executors <n>');
    const version = await runSteward(['version']);
    expect(version.output).toMatch(/^steward \d+\.\d+\.\d+\n$/);
  });
});
