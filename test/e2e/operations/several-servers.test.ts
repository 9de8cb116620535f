import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Jenkins from 'jenkins';
import { afterAll, describe, expect, it } from 'vitest';
import { type AgentProcess, startAgent } from '../../support/agent.js';
import { type ChildServer, CHILD_ADMIN_PASSWORD, startChildServer } from '../../support/child-server.js';
import { createTestDatabase } from '../../support/postgres.js';
import { runSteward } from '../../support/process.js';
import { jobXml, stringParameter, waitFor, waitForBuild } from '../../support/server.js';

/**
 * Several `steward serve` processes on one PostgreSQL database, as behind a load balancer: each has its
 * own home, the first one's key (--key-file) and a name; builds of a server that dies are aborted by
 * another once their lease (3 s here) runs out.
 */
const homes: string[] = [];
const servers: ChildServer[] = [];
const proxies: Server[] = [];
const agents: AgentProcess[] = [];
afterAll(async () => {
  await Promise.all(agents.map((agent) => agent.stop('SIGKILL')));
  for (const proxy of proxies) proxy.close();
  await Promise.all(servers.map((server) => server.kill()));
  for (const home of homes) rmSync(home, { recursive: true, force: true });
});

const LEASE = { STEWARD_SERVER_LEASE_SECONDS: '3' };

/** Starts `count` servers on a new database, named a, b, c…, with the executors given for each. */
async function startGroup(executors: readonly number[]): Promise<ChildServer[]> {
  const url = await createTestDatabase('servers');
  const group: ChildServer[] = [];
  let firstHome = '';
  for (const [index, count] of executors.entries()) {
    const home = mkdtempSync(join(tmpdir(), 'steward-servers-'));
    homes.push(home);
    firstHome ||= home;
    const key = index === 0 ? [] : ['--key-file', join(firstHome, 'secrets', 'master.key')];
    const server = await startChildServer(home, ['--database', url, '--executors', String(count), '--server-name', String.fromCharCode(97 + index), ...key], LEASE);
    servers.push(server);
    group.push(server);
  }
  return group;
}

/** A load balancer in miniature: each request goes to the next server in turn. */
async function roundRobin(group: readonly ChildServer[]): Promise<string> {
  let next = 0;
  const proxy = createServer((incoming, answer) => {
    const target = new URL(group[next++ % group.length]?.url ?? '');
    const forwarded = request(
      { host: target.hostname, port: target.port, method: incoming.method, path: incoming.url, headers: { ...incoming.headers, host: target.host } },
      (response) => {
        answer.writeHead(response.statusCode ?? 502, response.headers);
        response.pipe(answer);
      },
    );
    forwarded.on('error', () => answer.writeHead(502).end());
    incoming.pipe(forwarded);
  });
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  proxies.push(proxy);
  return `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** A GET of /api/json with a wrong password (the nth guess) from another loopback address. */
function guessFrom(localAddress: string, server: ChildServer, n: number): Promise<{ status: number; headers: Record<string, string | string[] | undefined> }> {
  const url = new URL('api/json', server.url);
  const authorization = `Basic ${Buffer.from(`admin:guess-${n}`).toString('base64')}`;
  return new Promise((resolve, reject) => {
    const outgoing = request({ host: url.hostname, port: url.port, path: url.pathname, localAddress, headers: { authorization } }, (response) => {
      response.resume();
      response.on('end', () => resolve({ status: response.statusCode ?? 0, headers: response.headers }));
    });
    outgoing.on('error', reject);
    outgoing.end();
  });
}

interface BuildJson {
  number: number;
  result: string | null;
  building: boolean;
  queueId: number;
  actions: Array<{ parameters?: Array<{ name: string; value: string }>; causes?: Array<{ shortDescription: string }> }>;
}

describe('several servers on one PostgreSQL database', () => {
  it('keeps every acknowledged trigger of a burst spread over three servers while one is killed: each item becomes one build, numbers dense', async () => {
    const group = await startGroup([2, 2, 2]);
    const [a, , c] = group as [ChildServer, ChildServer, ChildServer];
    await a.createJob('burst', jobXml({ parameters: stringParameter('N'), steps: ['sleep 1'], extra: '<concurrentBuild>true</concurrentBuild>' }));
    const acknowledged: Array<{ n: number; queueId: number }> = [];
    let refused = 0;
    const TRIGGERS = 90;
    let sent = 0;
    const trigger = async (n: number) => {
      const server = group[n % group.length] as ChildServer;
      try {
        const response = await server.fetch('/job/burst/buildWithParameters', { method: 'POST', body: new URLSearchParams({ N: String(n) }) });
        if (response.status === 201) acknowledged.push({ n, queueId: Number(/\/queue\/item\/(\d+)\//.exec(response.headers.get('location') ?? '')?.[1]) });
        else refused += 1;
      } catch {
        refused += 1; // the killed server's connection broke: not acknowledged
      }
    };
    const clients = Array.from({ length: 6 }, async () => {
      while (sent < TRIGGERS) {
        const n = sent++;
        if (n === TRIGGERS / 3) void c.kill();
        await trigger(n);
      }
    });
    await Promise.all(clients);
    expect(acknowledged.length).toBeGreaterThanOrEqual(TRIGGERS / 3);
    expect(refused).toBeGreaterThan(0);

    // Every acknowledged item becomes a build, on the servers still alive (c's running builds end ABORTED once their lease runs out).
    const builds = await waitFor(
      async () => {
        const body = (await (await a.fetch('/job/burst/api/json?tree=builds[number,result,building,queueId,actions[parameters[name,value],causes[shortDescription]]]{0,500}')).json()) as { builds: BuildJson[] };
        const done = body.builds.filter((build) => !build.building);
        return done.length >= acknowledged.length && body.builds.every((build) => !build.building) ? body.builds : undefined;
      },
      120_000,
      'every acknowledged trigger to become a finished build',
      500,
    );
    const numbers = builds.map((build) => build.number).sort((x, y) => x - y);
    expect(numbers).toEqual(Array.from({ length: numbers.length }, (_, index) => index + 1));
    const queueIds = builds.map((build) => build.queueId);
    expect(new Set(queueIds).size).toBe(queueIds.length);
    for (const { queueId } of acknowledged) expect(queueIds).toContain(queueId);
    // No parameter value ran twice: each item started once.
    const values = builds.map((build) => build.actions.flatMap((action) => action.parameters ?? []).find((parameter) => parameter.name === 'N')?.value);
    expect(new Set(values).size).toBe(values.length);
    // c ran builds when it was killed: another server aborted them, naming it.
    const lost = builds.filter((build) => build.result === 'ABORTED');
    expect(lost.length).toBeGreaterThan(0);
    for (const build of lost) {
      const log = await (await a.fetch(`/job/burst/${build.number}/api/json?tree=actions[causes[shortDescription]]`)).text();
      expect(log).toContain('Steward server c');
    }
    expect(builds.filter((build) => build.result !== 'SUCCESS' && build.result !== 'ABORTED')).toEqual([]);
  }, 240_000);

  it('refuses to start a server whose key is not the one the database\'s secrets are sealed with, changing nothing', async () => {
    const url = await createTestDatabase('wrong_key');
    const first = mkdtempSync(join(tmpdir(), 'steward-servers-'));
    const second = mkdtempSync(join(tmpdir(), 'steward-servers-'));
    homes.push(first, second);
    const server = await startChildServer(first, ['--database', url, '--server-name', 'a']);
    servers.push(server);
    // The second server forgot --key-file: it would make a key of its own.
    const refused = await runSteward(['serve', '--port', '0', '--home', second, '--database', url, '--server-name', 'b'], { STEWARD_ADMIN_PASSWORD: CHILD_ADMIN_PASSWORD, STEWARD_CONFIG: '' });
    expect(refused.code).toBe(2);
    expect(refused.output).toContain("This database's secrets are sealed with another key than the key in");
    expect(refused.output).toContain('--key-file');
    expect((await server.fetch('/api/json')).status).toBe(200);
  });

  it('refuses a revoked API token and applies a changed grant on every server within a second, applies a stop asked through another server, and holds failed sign-ins to one limit', async () => {
    const [a, b, c] = (await startGroup([0, 1, 0])) as [ChildServer, ChildServer, ChildServer];
    const made = (await (await a.fetch('/user/admin/descriptorByName/jenkins.security.ApiTokenProperty/generateNewToken', { method: 'POST', body: new URLSearchParams({ newTokenName: 'ci' }) })).json()) as {
      data: { tokenValue: string; tokenUuid: string };
    };
    const withToken = { authorization: `Basic ${Buffer.from(`admin:${made.data.tokenValue}`).toString('base64')}` };
    for (const server of [a, b, c]) expect((await server.fetch('/api/json', { headers: withToken })).status).toBe(200);
    expect((await a.fetch('/user/admin/descriptorByName/jenkins.security.ApiTokenProperty/revoke', { method: 'POST', body: new URLSearchParams({ tokenUuid: made.data.tokenUuid }) })).status).toBe(200);
    const revokedAt = Date.now();
    for (const server of [b, c, a]) expect((await server.fetch('/api/json', { headers: withToken })).status).toBe(401);
    expect(Date.now() - revokedAt).toBeLessThan(1000);

    // A changed grant, held compiled in each server's memory, counts everywhere within a second.
    const anonymous = async (server: ChildServer) => (await fetch(new URL('api/json', server.url))).status;
    expect(await Promise.all([a, b, c].map(anonymous))).toEqual([403, 403, 403]);
    const patched = await a.fetch('/steward/api/v1/security', {
      method: 'PATCH',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ authorization: 'matrix', grants: { 'user:admin': ['Overall/Administer'], anonymous: ['Overall/Read'] } }),
    });
    expect(patched.status).toBe(200);
    const grantedAt = Date.now();
    await waitFor(async () => ((await Promise.all([b, c].map(anonymous))).every((status) => status === 200) ? true : undefined), 1000, 'the grant to count on b and c', 10);
    expect(Date.now() - grantedAt).toBeLessThan(1000);

    // Only b has an executor: a trigger through a starts there, and a stop through c reaches it.
    await a.createJob('long', jobXml({ steps: ['echo started; sleep 60'] }));
    const queued = await a.fetch('/job/long/build?wait=start', { method: 'POST', headers: { accept: 'application/json' } });
    expect(queued.status).toBe(201);
    expect(((await queued.json()) as { build: { number: number } | null }).build?.number).toBe(1);
    await waitFor(async () => ((await (await b.fetch('/job/long/1/consoleText')).text()).includes('started') ? true : undefined), 10_000, 'the step to start on b');
    // a, which runs nothing, says why a second build waits: the build b runs.
    const second = Number(/\/queue\/item\/(\d+)\//.exec((await a.fetch('/job/long/build', { method: 'POST' })).headers.get('location') ?? '')?.[1]);
    const queue = (await (await a.fetch('/queue/api/json?tree=items[id,why]')).json()) as { items: Array<{ id: number; why: string }> };
    expect(queue.items.find((item) => item.id === second)?.why).toMatch(/^Build #1 is already in progress/);
    expect((await a.fetch(`/queue/cancelItem?id=${second}`, { method: 'POST' })).status).toBe(204);
    expect((await c.fetch('/job/long/1/stop', { method: 'POST' })).status).toBe(302);
    expect(await waitForBuild(a, '/job/long', 1, 15_000)).toMatchObject({ result: 'ABORTED' });
    expect(await (await b.fetch('/job/long/1/consoleText')).text()).toContain('Aborted by admin');

    // A job deleted through another server while its build runs: the build's processes end too.
    const marker = join(homes[homes.length - 2] as string, 'workspace', 'doomed', 'step.pid');
    await a.createJob('doomed', jobXml({ steps: ['echo $$ > step.pid; sleep 60'] }));
    expect((await a.fetch('/job/doomed/build', { method: 'POST' })).status).toBe(201);
    const pid = await waitFor(() => (existsSync(marker) && readFileSync(marker, 'utf8').trim() !== '' ? Number(readFileSync(marker, 'utf8')) : undefined), 10_000, 'the step to start on b');
    expect((await c.fetch('/job/doomed/doDelete', { method: 'POST' })).status).toBe(302);
    await waitFor(() => (alive(pid) ? undefined : true), 5_000, 'the deleted job\'s step to end');
    expect(b.errors()).toContain('this build was deleted through another server');

    // Failed sign-ins count against one limit per address, whichever server they reach: the default
    // 10 a minute, 5 through a and 5 through b (each alone would allow 10), from an address of their own.
    for (let n = 0; n < 10; n++) expect((await guessFrom('127.0.0.2', n % 2 === 0 ? a : b, n)).status).toBe(401);
    for (const server of [a, b]) {
      const refused = await guessFrom('127.0.0.2', server, 10);
      expect(refused.status).toBe(429);
      expect(refused.headers['x-steward-reason']).toBe('too_many_failures');
      expect(Number(refused.headers['retry-after'])).toBeGreaterThanOrEqual(1);
      expect(Number(refused.headers['retry-after'])).toBeLessThanOrEqual(60);
    }
  }, 120_000);

  it("runs an agent's build through a round-robin proxy, and when the server holding it is killed, another takes it over and the build ends with its whole log", async () => {
    const group = await startGroup([0, 0]);
    const [a] = group as [ChildServer, ChildServer];
    const created = await a.fetch('/steward/api/v1/nodes', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'roamer', labels: ['roam'], executors: 1 }) });
    expect(created.status).toBe(201);
    const { secret } = (await created.json()) as { secret: string };
    const TICKS = 60;
    await a.createJob('ticks', jobXml({ steps: [`for i in $(seq 1 ${TICKS}); do echo tick $i; sleep 0.2; done`] }).replace('<builders>', '<assignedNode>roam</assignedNode><canRoam>false</canRoam><builders>'));
    // Every request of the agent goes to the next server in turn, none sticks: a balancer without affinity.
    const agent = startAgent(await roundRobin(group), 'roamer', secret);
    agents.push(agent);
    expect((await a.fetch('/job/ticks/build', { method: 'POST' })).status).toBe(201);
    await waitFor(async () => ((await (await a.fetch('/job/ticks/1/consoleText')).text()).includes('\ntick 10\n') ? true : undefined), 30_000, 'the build to tick 10 times');
    const holder = group.find((server) => server.errors().split('\n').some((line) => line.includes('"job":"ticks"') && line.includes('build started'))) as ChildServer;
    const other = group.find((server) => server !== holder) as ChildServer;
    expect(holder).toBeDefined();
    // The server that does not hold it shows it on the agent's executor too.
    const computer = (await (await other.fetch('/computer/roamer/api/json?depth=1')).json()) as { idle: boolean; executors: Array<{ currentExecutable: { url: string } | null }> };
    expect(computer.idle).toBe(false);
    expect(computer.executors[0]?.currentExecutable?.url).toMatch(/\/job\/ticks\/1\/$/);
    // Reports the other server took meanwhile were sent again until they reached the holder.
    await holder.kill();
    const build = await waitForBuild(other, '/job/ticks', 1, 60_000);
    expect(build.result).toBe('SUCCESS');
    expect(other.errors()).toContain('took over a build of an agent whose server stopped renewing its lease');
    const log = await (await other.fetch('/job/ticks/1/consoleText')).text();
    const ticks = log.split('\n').filter((line) => line.startsWith('tick '));
    expect(ticks).toEqual(Array.from({ length: TICKS }, (_, index) => `tick ${index + 1}`));
    expect(log).toMatch(/Finished: SUCCESS\n$/);
  }, 120_000);

  it('serves the npm jenkins client through a round-robin proxy over three servers: crumbs, triggers, queue items and builds', async () => {
    const group = await startGroup([0, 1, 1]);
    const proxy = new URL(await roundRobin(group));
    proxy.username = 'admin';
    proxy.password = CHILD_ADMIN_PASSWORD;
    // With a password, the client fetches a crumb before every POST: issued by one server, checked by another.
    const jenkins = new Jenkins({ baseUrl: proxy.href.replace(/\/$/, ''), crumbIssuer: true });
    await jenkins.job.create('hello', jobXml({ parameters: stringParameter('WHO', 'world'), steps: ['echo "hello $WHO"'] }));
    expect(await jenkins.job.exists('hello')).toBe(true);
    const queueIds: number[] = [];
    for (const who of ['a', 'b', 'c', 'd']) queueIds.push((await jenkins.job.build({ name: 'hello', parameters: { WHO: who } })) as number);
    const numbers = await Promise.all(
      queueIds.map((queueId) =>
        waitFor(async () => ((await jenkins.queue.item(queueId)) as { executable?: { number: number } }).executable?.number, 30_000, `queue item ${queueId} to start`),
      ),
    );
    expect([...numbers].sort()).toEqual([1, 2, 3, 4]);
    for (const [index, number] of numbers.entries()) {
      await waitFor(async () => (((await jenkins.build.get('hello', number)) as { building: boolean }).building ? undefined : true), 30_000, `build ${number} to finish`);
      expect(await jenkins.build.log('hello', number)).toContain(`hello ${['a', 'b', 'c', 'd'][index]}`);
    }
    expect(((await jenkins.job.get('hello')) as { builds: unknown[] }).builds).toHaveLength(4);
  }, 120_000);
});
