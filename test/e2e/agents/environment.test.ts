import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AgentProcess, startAgent } from '../../support/agent.js';
import { jobXml, startTestServer, stringParameter, type TestServer, waitForBuild, waitForLog } from '../../support/server.js';

/**
 * Issue 15: "NODE_NAME, NODE_LABELS, EXECUTOR_NUMBER and WORKSPACE in builds are the agent's": its
 * name, its labels, the executor slot the build holds, and a workspace under its --work-dir. Two
 * builds run at once on an agent with two executors, so each slot is seen.
 */
let server: TestServer;
let agent: AgentProcess;
let gates: string;

beforeAll(async () => {
  server = await startTestServer({ executors: 0 });
  const created = await server.fetch('/steward/api/v1/nodes', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'linux-2', labels: 'linux x86', executors: 2 }) });
  expect(created.status).toBe(201);
  agent = startAgent(server.url, 'linux-2', ((await created.json()) as { secret: string }).secret, { executors: 2 });
  gates = mkdtempSync(join(tmpdir(), 'steward-agent-gates-'));
});
afterAll(async () => {
  await agent?.stop('SIGKILL');
  await server?.stop();
  rmSync(agent.workDir, { recursive: true, force: true });
  rmSync(gates, { recursive: true, force: true });
});

describe('the environment of a build on an agent', () => {
  it("names the agent, its labels, the executor slot and a workspace under the agent's work dir", async () => {
    const steps = ['set +x', 'echo "NODE_NAME=$NODE_NAME"', 'echo "NODE_LABELS=$NODE_LABELS"', 'echo "EXECUTOR_NUMBER=$EXECUTOR_NUMBER"', 'echo "WORKSPACE=$WORKSPACE"', 'echo "PWD=$(pwd)"', `while [ ! -e '${gates}'/"$N" ]; do sleep 0.1; done`];
    await server.createJob('env', jobXml({ parameters: stringParameter('N'), steps: [steps.join('\n')], extra: '<concurrentBuild>true</concurrentBuild><assignedNode>linux &amp;&amp; x86</assignedNode><canRoam>false</canRoam>' }));
    for (const n of ['a', 'b']) expect((await server.fetch(`/job/env/buildWithParameters?N=${n}`, { method: 'POST' })).status).toBe(201);
    // Both run at once (neither may end before its gate opens), each on its own executor.
    await Promise.all([1, 2].map((number) => waitForLog(server, `/job/env/${number}`, 'PWD=', 20_000)));
    for (const n of ['a', 'b']) writeFileSync(join(gates, n), '');
    for (const number of [1, 2]) expect((await waitForBuild(server, '/job/env', number, 20_000)).result).toBe('SUCCESS');
    const logs = await Promise.all([1, 2].map(async (number) => (await server.fetch(`/job/env/${number}/consoleText`)).text()));

    const seen = logs.map((log) => Object.fromEntries([...log.matchAll(/^(NODE_NAME|NODE_LABELS|EXECUTOR_NUMBER|WORKSPACE|PWD)=(.*)$/gm)].map((match) => [match[1], match[2]])));
    for (const variables of seen) {
      expect(variables).toMatchObject({ NODE_NAME: 'linux-2', NODE_LABELS: 'linux-2 linux x86' });
      expect(variables.PWD).toBe(variables.WORKSPACE);
    }
    const workspace = join(agent.workDir, 'workspace', 'env');
    // Jenkins numbers executors from 0; a concurrent build's workspace is `job@2`, as on the built-in node.
    expect(seen.map((variables) => variables.EXECUTOR_NUMBER).sort()).toEqual(['0', '1']);
    expect(seen.map((variables) => variables.WORKSPACE).sort()).toEqual([workspace, `${workspace}@2`]);
    // The console says where, in Jenkins' words: the agent, its labels besides its name, the workspace.
    for (const [index, log] of logs.entries()) expect(log).toContain(`\nBuilding remotely on linux-2 (linux x86) in workspace ${seen[index]?.WORKSPACE}\n`);
  });
});
