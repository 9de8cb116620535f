import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AgentProcess, startAgent } from '../../support/agent.js';
import { pythonJenkins } from '../../support/python-jenkins.js';
import { jobXml, startTestServer, stringParameter, type TestServer, waitForBuild, waitForLog } from '../../support/server.js';

/**
 * Debian's python-jenkins 1.4, unmodified: `get_running_builds()` lists builds running on a real
 * agent with the agent's node name and the executor each runs on, and `get_node_info(name, depth=2)`
 * shows each one as its executor's `currentExecutable`. (get_running_builds walks get_nodes, then
 * reads every node's executors at depth 2, taking `number` of the executor and `number` and `url` of
 * its currentExecutable.)
 */
let server: TestServer;
let agent: AgentProcess;
let gates: string;

beforeAll(async () => {
  server = await startTestServer({ executors: 1 });
  const created = await server.fetch('/steward/api/v1/nodes', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'linux-1', labels: 'linux', executors: 2 }) });
  expect(created.status).toBe(201);
  agent = startAgent(server.url, 'linux-1', ((await created.json()) as { secret: string }).secret, { executors: 2 });
  gates = mkdtempSync(join(tmpdir(), 'steward-python-gates-'));
  // Built-in builds may run as another account (nobody, when the tests run as root): it must see the gates.
  chmodSync(gates, 0o755);
});
afterAll(async () => {
  // A clean stop: the agent stops what still runs of its builds, so no step outlives the test.
  await agent?.stop('SIGTERM');
  await server?.stop();
  rmSync(agent.workDir, { recursive: true, force: true });
  rmSync(gates, { recursive: true, force: true });
});

/** A job whose builds wait until the gate named by their parameter N opens, after saying their executor. */
function gatedJob(where: string): string {
  const steps = ['set +x', 'echo "EXECUTOR_NUMBER=$EXECUTOR_NUMBER"', `while [ ! -e '${gates}'/"$N" ]; do sleep 0.1; done`];
  return jobXml({ parameters: stringParameter('N'), steps: [steps.join('\n')], extra: `<concurrentBuild>true</concurrentBuild><assignedNode>${where}</assignedNode><canRoam>false</canRoam>` });
}

async function executorOf(path: string): Promise<number> {
  return Number(/^EXECUTOR_NUMBER=(\d+)$/m.exec(await waitForLog(server, path, 'EXECUTOR_NUMBER=', 20_000))?.[1]);
}

describe('python-jenkins 1.4 and builds on agents', () => {
  it('get_running_builds names the agent and the executor of each build, get_node_info shows it running, get_build_info where it runs', async () => {
    await server.createJob('remote', gatedJob('linux'));
    await server.createJob('local', gatedJob('built-in'));
    // Two builds on the agent, one on each of its executors; then the first ends, so the one left
    // runs on the agent's second executor while its first is idle.
    expect((await server.fetch('/job/remote/buildWithParameters?N=r1', { method: 'POST' })).status).toBe(201);
    expect((await server.fetch('/job/remote/buildWithParameters?N=r2', { method: 'POST' })).status).toBe(201);
    expect((await server.fetch('/job/local/buildWithParameters?N=l1', { method: 'POST' })).status).toBe(201);
    const first = await executorOf('/job/remote/1');
    const second = await executorOf('/job/remote/2');
    expect([first, second]).toEqual([0, 1]);
    expect(await executorOf('/job/local/1')).toBe(0);
    writeFileSync(join(gates, 'r1'), '');
    expect((await waitForBuild(server, '/job/remote', 1, 20_000)).result).toBe('SUCCESS');

    const result = (await pythonJenkins(server, `
builds = sorted(server.get_running_builds(), key=lambda build: (build['node'], build['executor']))
info = server.get_node_info('linux-1', depth=2)
builtOn = [server.get_build_info('remote', 2)['builtOn'], server.get_build_info('local', 1)['builtOn']]
print(json.dumps({'builtOn': builtOn, 'builds': builds, 'executors': [{'number': e['number'], 'idle': e['idle'], 'current': e['currentExecutable'] and {k: e['currentExecutable'][k] for k in ['_class', 'number', 'url', 'building', 'result', 'fullDisplayName']}} for e in info['executors']], 'idle': info['idle']}))`)) as {
      builds: unknown[];
      executors: Array<{ number: number; idle: boolean; current: Record<string, unknown> | null }>;
      idle: boolean;
      builtOn: string[];
    };
    // get_build_info's builtOn: the agent's name, and '' for the built-in node, as Jenkins says.
    expect(result.builtOn).toEqual(['linux-1', '']);
    expect(result.builds).toEqual([
      { name: 'local', number: 1, url: `${server.url}job/local/1/`, node: 'Built-In Node', executor: 0 },
      { name: 'remote', number: 2, url: `${server.url}job/remote/2/`, node: 'linux-1', executor: second },
    ]);
    const running = { _class: 'hudson.model.FreeStyleBuild', number: 2, url: `${server.url}job/remote/2/`, building: true, result: null, fullDisplayName: 'remote #2' };
    expect(result.idle).toBe(false);
    expect(result.executors).toEqual([0, 1].map((number) => (number === second ? { number, idle: false, current: running } : { number, idle: true, current: null })));

    for (const gate of ['r2', 'l1']) writeFileSync(join(gates, gate), '');
    expect((await waitForBuild(server, '/job/remote', 2, 20_000)).result).toBe('SUCCESS');
    expect((await waitForBuild(server, '/job/local', 1, 20_000)).result).toBe('SUCCESS');
    expect(await pythonJenkins(server, 'print(json.dumps(server.get_running_builds()))')).toEqual([]);
  });
});
