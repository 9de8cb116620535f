import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { type AgentProcess, startAgent } from '../../support/agent.js';
import { type ServerProcess, spawnServer } from '../../support/process.js';
import { processesRunning } from '../../support/processes.js';
import { basicAuth, createApiToken, jobXml, startTestServer, type TestServer, waitFor, waitForBuild } from '../../support/server.js';

/**
 * Builds on agents outlive a restart of the server (graceful or kill -9), and a restart of the agent
 * ends its builds at once with the reason, retried when the job asks for it.
 */
const agents: AgentProcess[] = [];
const homes: string[] = [];
const servers: ServerProcess[] = [];
afterEach(async () => {
  await Promise.all(agents.splice(0).map((each) => each.stop('SIGKILL')));
  for (const server of servers.splice(0)) server.child.kill('SIGKILL');
});
afterAll(() => {
  for (const home of homes) rmSync(home, { recursive: true, force: true });
});

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}

async function registerNode(fetcher: (path: string, init?: RequestInit) => Promise<Response>, name: string, labels: string[]): Promise<string> {
  const response = await fetcher('/steward/api/v1/nodes', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name, labels, executors: 1 }) });
  expect(response.status).toBe(201);
  return ((await response.json()) as { secret: string }).secret;
}

/** A `steward serve` child process on a fixed port and home, restarted in place; `call` goes to whichever runs now. */
interface RestartableServer {
  current: ServerProcess;
  call(path: string, init?: RequestInit): Promise<Response>;
  /** Stops the server with the signal (SIGTERM: a clean stop) and starts it again on the same port and home. */
  restart(signal: NodeJS.Signals): Promise<ServerProcess>;
}

async function restartableServer(): Promise<RestartableServer> {
  const home = mkdtempSync(join(tmpdir(), 'steward-agent-restart-'));
  homes.push(home);
  const args = ['serve', '--port', String(await freePort()), '--home', home, '--executors', '0'];
  const env = { STEWARD_ADMIN_PASSWORD: 'restart-pw', STEWARD_CONFIG: '', STEWARD_AGENT_LEASE_SECONDS: '6' };
  const first = await spawnServer(args, env);
  servers.push(first);
  const auth = basicAuth('admin', await createApiToken(first.url, 'admin', 'restart-pw', 'restarts'));
  const restartable: RestartableServer = {
    current: first,
    call: (path, init = {}) => fetch(new URL(path.slice(1), restartable.current.url), { ...init, headers: { authorization: auth, ...(init.headers as Record<string, string>) }, redirect: 'manual' }),
    async restart(signal) {
      restartable.current.child.kill(signal);
      await restartable.current.exited;
      restartable.current = await spawnServer(args, env);
      servers.push(restartable.current);
      return restartable.current;
    },
  };
  return restartable;
}

/** The console's numbered lines, in order. */
function numberedLines(log: string): string[] {
  return log.split('\n').filter((line) => /^line \d+$/.test(line));
}

describe('a server restarted under a build on an agent', () => {
  it('keeps the build running through a graceful restart and a kill -9, and the log arrives whole, each byte once', async () => {
    const server = await restartableServer();
    const { call } = server;
    const secret = await registerNode(call, 'survivor', ['outside']);
    const steps = ['for i in $(seq 1 80); do echo "line $i"; sleep 0.1; done'];
    expect((await call('/createItem?name=long-run', { method: 'POST', headers: { 'content-type': 'application/xml' }, body: jobXml({ steps, extra: '<assignedNode>outside</assignedNode><canRoam>false</canRoam>' }) })).status).toBe(200);
    const agent = startAgent(server.current.url, 'survivor', secret);
    agents.push(agent);
    expect((await call('/job/long-run/build', { method: 'POST' })).status).toBe(201);
    const reached = (line: string) => waitFor(async () => ((await (await call('/job/long-run/1/consoleText')).text()).includes(`\n${line}\n`) ? true : undefined), 20_000, line);

    await reached('line 10');
    const afterStop = await server.restart('SIGTERM');
    expect(afterStop.output()).toContain('1 build(s) running on agents go on');
    expect(afterStop.output()).not.toContain('Aborted');

    await reached('line 30');
    expect((await server.restart('SIGKILL')).output()).toContain('1 build(s) running on agents go on');

    const build = await waitForBuild({ fetch: call }, '/job/long-run', 1, 30_000);
    expect(build.result).toBe('SUCCESS');
    const log = await (await call('/job/long-run/1/consoleText')).text();
    expect(numberedLines(log)).toEqual(Array.from({ length: 80 }, (_, index) => `line ${index + 1}`));
    expect(log.match(/Started by/g)).toHaveLength(1);
    expect(log.endsWith('\nFinished: SUCCESS\n')).toBe(true);
    // The same agent process ran it all along.
    expect(agent.child.exitCode).toBeNull();
  });

  it('with two agents claiming through a burst and a kill -9, starts each queued item once and keeps numbers dense', async () => {
    const server = await restartableServer();
    const { call } = server;
    const parameter = '<hudson.model.StringParameterDefinition><name>X</name><defaultValue></defaultValue></hudson.model.StringParameterDefinition>';
    const xml = jobXml({ parameters: parameter, steps: ['echo "item $X on $NODE_NAME"; sleep 0.3'], extra: '<concurrentBuild>true</concurrentBuild><assignedNode>pool</assignedNode><canRoam>false</canRoam>' });
    expect((await call('/createItem?name=burst', { method: 'POST', headers: { 'content-type': 'application/xml' }, body: xml })).status).toBe(200);
    for (const name of ['pool-a', 'pool-b']) {
      const response = await call('/steward/api/v1/nodes', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name, labels: ['pool'], executors: 2 }) });
      agents.push(startAgent(server.current.url, name, ((await response.json()) as { secret: string }).secret, { executors: 2 }));
    }
    const total = 40;
    for (let index = 0; index < total; index++) expect((await call(`/job/burst/buildWithParameters?X=${index}`, { method: 'POST' })).status).toBe(201);
    await waitFor(async () => ((await (await call('/job/burst/api/json?tree=lastCompletedBuild[number]')).json()) as { lastCompletedBuild: { number: number } | null }).lastCompletedBuild ? true : undefined, 20_000, 'a first build to finish');
    // Killed with builds in flight on the agents (about 3 s of work were left): they were adopted.
    expect((await server.restart('SIGKILL')).output()).toMatch(/\d+ build\(s\) running on agents go on/);

    const builds = await waitFor(async () => {
      const body = (await (await call('/job/burst/api/json?tree=builds[number,result,building,actions[parameters[value]]]{0,100}')).json()) as { builds: Array<{ number: number; result: string | null; building: boolean; actions: Array<{ parameters?: Array<{ value: string }> }> }> };
      const queue = (await (await call('/queue/api/json')).json()) as { items: unknown[] };
      return body.builds.length === total && body.builds.every((build) => !build.building) && queue.items.length === 0 ? body.builds : undefined;
    }, 60_000, 'every item to become a finished build');
    expect(builds.map((build) => build.number).sort((a, b) => a - b)).toEqual(Array.from({ length: total }, (_, index) => index + 1));
    const items = builds.map((build) => build.actions.flatMap((action) => action.parameters ?? [])[0]?.value);
    expect(new Set(items).size).toBe(total);
    for (const build of builds) {
      const log = await (await call(`/job/burst/${build.number}/consoleText`)).text();
      expect(log.match(/^item \d+ on pool-[ab]$/gm)?.length ?? 0, `build ${build.number}`).toBeLessThanOrEqual(1);
      if (build.result !== 'SUCCESS') expect(log, `build ${build.number}`).toMatch(/no longer runs this build/);
    }
  });
});

describe('an agent that restarts, or never hears of its build', () => {
  let server: TestServer;
  afterEach(async () => {
    await server?.stop();
  });

  it('ends its build at once with the reason, and the job retries it once with a cause naming the lost build', async () => {
    // Leases of 60 s: the build must end long before its lease would.
    server = await startTestServer({
      executors: 0,
      config: `
jobs:
  - name: retried
    label: phoenix
    retryOnAgentLoss: 1
    steps:
      - echo "run on $NODE_NAME"; if [ "$BUILD_NUMBER" = 1 ]; then sleep 21.9; else sleep 2; fi; echo finished-here
`,
    });
    const secret = await registerNode((path, init) => server.fetch(path, init), 'phoenix', ['phoenix']);
    const first = startAgent(server.url, 'phoenix', secret);
    agents.push(first);
    expect((await server.fetch('/job/retried/build', { method: 'POST' })).status).toBe(201);
    await waitFor(async () => ((await (await server.fetch('/job/retried/1/consoleText')).text()).includes('run on phoenix') ? true : undefined), 20_000, 'build 1 to start');
    first.child.kill('SIGKILL');
    await first.exited;

    // Its step lives on after the kill, until the agent, started again on the same work directory, ends it.
    expect(processesRunning('sleep 21.9')).toHaveLength(1);
    const restarted = Date.now();
    agents.push(startAgent(server.url, 'phoenix', secret, { workDir: first.workDir }));
    const lost = await waitForBuild(server, '/job/retried', 1, 20_000);
    expect(lost.result).toBe('ABORTED');
    expect(Date.now() - restarted).toBeLessThan(15_000);
    const lostLog = await (await server.fetch('/job/retried/1/consoleText')).text();
    expect(lostLog).toMatch(/Agent phoenix no longer runs this build \(it restarted, or never received the build\), so the build was aborted\.\nFinished: ABORTED\n$/);

    await waitFor(() => (processesRunning('sleep 21.9').length === 0 ? true : undefined), 5_000, 'the left-over step to be killed');
    const retry = await waitForBuild(server, '/job/retried', 2, 30_000);
    expect(retry.result).toBe('SUCCESS');
    const causes = (retry.actions as Array<{ causes?: Array<{ shortDescription: string; lostBuild?: number }> }>).flatMap((action) => action.causes ?? []);
    expect(causes).toEqual([expect.objectContaining({ shortDescription: 'Started again because build #1 lost its agent phoenix (retry 1)', lostBuild: 1 })]);
    expect(await (await server.fetch('/job/retried/2/consoleText')).text()).toContain('finished-here');

    // One retry only: losing build 2 would queue nothing more (its cause counts the retry).
    expect((await (await server.fetch('/job/retried/api/json?tree=nextBuildNumber')).json())).toEqual({ _class: 'hudson.model.FreeStyleProject', nextBuildNumber: 3 });
  });

  it('stops its builds when told to stop (SIGTERM), reports them ABORTED with the reason, and exits', async () => {
    server = await startTestServer({ executors: 0, config: 'jobs:\n  - name: interrupted\n    label: stoppable\n    steps:\n      - echo begun; sleep 27.3; echo never\n' });
    const secret = await registerNode((path, init) => server.fetch(path, init), 'stoppable', ['stoppable']);
    // Started with more executors than the node has on the server: it says it runs fewer.
    const agent = startAgent(server.url, 'stoppable', secret, { executors: 3 });
    agents.push(agent);
    expect((await server.fetch('/job/interrupted/build', { method: 'POST' })).status).toBe(201);
    await waitFor(async () => ((await (await server.fetch('/job/interrupted/1/consoleText')).text()).includes('\nbegun\n') ? true : undefined), 20_000, 'the build to begin');
    expect(agent.output()).toContain('this agent was started with --executors 3, but node stoppable has 1 on the server: it runs at most 1 build(s) at once');
    const asked = Date.now();
    agent.child.kill('SIGTERM');
    expect(await agent.exited).toBe(0);
    expect(Date.now() - asked).toBeLessThan(10_000);
    const build = await waitForBuild(server, '/job/interrupted', 1, 5_000);
    expect(build.result).toBe('ABORTED');
    const log = await (await server.fetch('/job/interrupted/1/consoleText')).text();
    expect(log).toContain('Agent stoppable was stopped during the build (its service stopped or restarted), so the build was aborted.');
    expect(log).not.toContain('never');
    expect(processesRunning('sleep 27.3')).toEqual([]);
  });

  it('aborts a build whose claim answer the agent never received, and never hands it out again', async () => {
    server = await startTestServer({
      executors: 0,
      config: `
jobs:
  - name: handed-out
    label: raw
    retryOnAgentLoss: 2
    steps:
      - echo hi
`,
    });
    const secret = await registerNode((path, init) => server.fetch(path, init), 'raw-agent', ['raw']);
    const agentCall = (path: string, body: unknown, headers: Record<string, string> = {}) =>
      fetch(new URL(`steward/agent/v1/${path}`, server.url), {
        method: path.endsWith('/log') ? 'PUT' : 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${secret}`, 'x-steward-agent': 'raw-agent', ...headers },
        body: typeof body === 'string' ? body : JSON.stringify(body),
      });
    type Claimed = { assignments: Array<{ build: { jobId: number; number: number }; lease: string }> };
    expect((await server.fetch('/job/handed-out/build', { method: 'POST' })).status).toBe(201);
    const lostAnswer = (await (await agentCall('claim', { slots: [0], holding: [] })).json()) as Claimed;
    expect(lostAnswer.assignments.map((each) => each.build.number)).toEqual([1]);

    // The agent claims again without naming build 1: it never got it. Build 1 ends; its retry is handed out.
    const claimed = await agentCall('claim', { slots: [0], holding: [] });
    expect(claimed.status).toBe(200);
    const [retry] = ((await claimed.json()) as Claimed).assignments;
    expect(retry?.build.number).toBe(2);
    const lost = await waitForBuild(server, '/job/handed-out', 1, 5_000);
    expect(lost.result).toBe('ABORTED');
    // Build 1's lease is dead: a late report is refused.
    const late = await agentCall(`builds/${lostAnswer.assignments[0]?.build.jobId}/1/lease`, {}, { 'x-steward-lease': lostAnswer.assignments[0]?.lease ?? '' });
    expect(late.status).toBe(409);
    expect(late.headers.get('x-steward-reason')).toBe('lease_stale');

    // The retry runs through the protocol to its end: log, then result.
    const base = `builds/${retry?.build.jobId}/2`;
    const lease = { 'x-steward-lease': retry?.lease ?? '' };
    const text = 'Started again\nhi\nFinished: SUCCESS\n';
    expect((await agentCall(`${base}/log`, text, { ...lease, 'content-type': 'application/octet-stream', 'content-range': `bytes 0-${text.length - 1}/*` })).status).toBe(202);
    expect((await agentCall(`${base}/finish`, { result: 'SUCCESS', size: text.length }, lease)).status).toBe(200);
    expect((await waitForBuild(server, '/job/handed-out', 2, 5_000)).result).toBe('SUCCESS');
    expect(await (await server.fetch('/job/handed-out/2/consoleText')).text()).toBe(text);
    expect((await (await server.fetch('/job/handed-out/api/json?tree=nextBuildNumber')).json())).toMatchObject({ nextBuildNumber: 3 });
  });
});
