import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { SecretBox } from '../../../src/auth/secret-box.js';
import { type AgentProcess, startAgent } from '../../support/agent.js';
import { jobXml, startTestServer, type TestServer, waitFor, waitForBuild } from '../../support/server.js';

/** Builds on real `steward agent` processes: claims, logs, results, stops, and a lost agent. */
let server: TestServer;
const agents: AgentProcess[] = [];

/** Registers a node the way the node service does: its secret sealed with the server's key. */
function registerNode(name: string, labels: string[], executors: number): string {
  const secret = `stwa_test_${name}_0123456789abcdefghijklmnop`;
  const box = new SecretBox(Buffer.from(readFileSync(join(server.home, 'secrets', 'master.key'), 'utf8').trim(), 'base64'));
  const db = new Database(join(server.home, 'steward.db'));
  db.prepare('INSERT INTO nodes (name, name_key, labels, executors, secret, created_at) VALUES (?, ?, ?, ?, ?, ?)').run(name, name.toLowerCase(), JSON.stringify([name, ...labels]), executors, box.seal(secret), Date.now());
  db.close();
  return secret;
}

function agent(name: string, secret: string, executors = 1): AgentProcess {
  const started = startAgent(server.url, name, secret, { executors });
  agents.push(started);
  return started;
}

beforeAll(async () => {
  // No executors on the built-in node: every build here runs on an agent. Leases of 3 s, so a lost agent shows quickly.
  server = await startTestServer({ executors: 0, env: { STEWARD_AGENT_LEASE_SECONDS: '3' } });
});
afterEach(async () => {
  // Each case has its own agents: a build of the next case must not land on this one's.
  await Promise.all(agents.splice(0).map((each) => each.stop('SIGKILL')));
});
afterAll(async () => {
  await server.stop();
});

describe('steward agent', () => {
  it('claims a build whose label only it has, runs it in its own workspace, and the server gets the whole log and result', async () => {
    const secret = registerNode('linux-1', ['linux'], 2);
    await server.createJob('on-linux', jobXml({ steps: ['echo "node=$NODE_NAME labels=$NODE_LABELS ws=$WORKSPACE"', 'seq 1 20000', 'echo done'] }).replace('<builders>', '<assignedNode>linux</assignedNode><canRoam>false</canRoam><builders>'));
    await server.fetch('/job/on-linux/config.xml').then((response) => response.text());
    const linux = agent('linux-1', secret);
    expect((await server.fetch('/job/on-linux/build', { method: 'POST' })).status).toBe(201);
    const build = await waitForBuild(server, '/job/on-linux', 1, 20_000);
    expect(build.result).toBe('SUCCESS');
    const log = await (await server.fetch('/job/on-linux/1/consoleText')).text();
    expect(log).toContain(`node=linux-1 labels=linux-1 linux ws=${linux.workDir}/workspace/on-linux`);
    // Every line of the step's output, in order, once: the log arrived whole, in ranges.
    const numbers = log.split('\n').filter((line) => /^\d+$/.test(line));
    expect(numbers).toEqual(Array.from({ length: 20000 }, (_, index) => String(index + 1)));
    expect(log).toContain('+ echo done\ndone\n');
    expect(log.endsWith('Finished: SUCCESS\n')).toBe(true);
  });

  it('stops a build on the agent within a moment of a stop on the server, and masks its password parameter', async () => {
    const secret = registerNode('stopper', [], 1);
    const password = '<hudson.model.PasswordParameterDefinition><name>TOKEN</name><defaultValue>s3cret-value-42</defaultValue></hudson.model.PasswordParameterDefinition>';
    await server.createJob('long', jobXml({ parameters: password, steps: ['echo "token=$TOKEN"', 'echo started; sleep 30; echo never'] }));
    agent('stopper', secret);
    expect((await server.fetch('/job/long/buildWithParameters', { method: 'POST' })).status).toBe(201);
    await waitFor(async () => ((await (await server.fetch('/job/long/1/consoleText')).text()).includes('\nstarted\n') ? true : undefined), 20_000);
    const asked = Date.now();
    expect((await server.fetch('/job/long/1/stop', { method: 'POST' })).status).toBe(302);
    const build = await waitForBuild(server, '/job/long', 1, 15_000);
    expect(build.result).toBe('ABORTED');
    expect(Date.now() - asked).toBeLessThan(5_000);
    const log = await (await server.fetch('/job/long/1/consoleText')).text();
    expect(log).toContain('token=****');
    expect(log).not.toContain('s3cret-value-42');
    expect(log).not.toContain('never');
    expect(log).toMatch(/Build was aborted\nAborted by admin.*\nFinished: ABORTED\n$/);
  });

  it('aborts the build of an agent that stops answering, and refuses what it sends after', async () => {
    const secret = registerNode('flaky', ['flaky-label'], 1);
    await server.createJob('on-flaky', jobXml({ steps: ['echo first; sleep 8; echo after-pause'] }).replace('<builders>', '<assignedNode>flaky-label</assignedNode><canRoam>false</canRoam><builders>'));
    const flaky = agent('flaky', secret);
    expect((await server.fetch('/job/on-flaky/build', { method: 'POST' })).status).toBe(201);
    await waitFor(async () => ((await (await server.fetch('/job/on-flaky/1/consoleText')).text()).includes('\nfirst\n') ? true : undefined), 20_000);
    flaky.child.kill('SIGSTOP');
    const build = await waitForBuild(server, '/job/on-flaky', 1, 15_000);
    expect(build.result).toBe('ABORTED');
    const log = await (await server.fetch('/job/on-flaky/1/consoleText')).text();
    expect(log).toMatch(/Agent flaky went offline during the build \(no contact for \d+ s\), so the build was aborted\.\nFinished: ABORTED\n$/);
    // Back after the partition: its reports are refused, the server's log stays as it was.
    flaky.child.kill('SIGCONT');
    await waitFor(async () => (/lease|409|stale/i.test(flaky.output()) || flaky.output().includes('build reported') ? true : undefined), 20_000);
    await new Promise((resolve) => setTimeout(resolve, 1000));
    expect(await (await server.fetch('/job/on-flaky/1/consoleText')).text()).toBe(log);
  });

  it('never starts a build twice with two agents claiming at once', async () => {
    const first = registerNode('pool-a', ['pool'], 2);
    const second = registerNode('pool-b', ['pool'], 2);
    const parameter = '<hudson.model.StringParameterDefinition><name>X</name><defaultValue></defaultValue></hudson.model.StringParameterDefinition>';
    await server.createJob('many', jobXml({ parameters: parameter, steps: ['echo "on $NODE_NAME"'] }).replace('<builders>', '<concurrentBuild>true</concurrentBuild><assignedNode>pool</assignedNode><canRoam>false</canRoam><builders>'));
    agent('pool-a', first, 2);
    agent('pool-b', second, 2);
    for (let index = 0; index < 12; index++) {
      expect((await server.fetch(`/job/many/buildWithParameters?X=${index}`, { method: 'POST' })).status).toBe(201);
    }
    const nodes = new Map<string, number>();
    for (let number = 1; number <= 12; number++) {
      const build = await waitForBuild(server, '/job/many', number, 30_000);
      expect(build.result).toBe('SUCCESS');
      const node = /on (pool-[ab])/.exec(await (await server.fetch(`/job/many/${number}/consoleText`)).text())?.[1] as string;
      nodes.set(node, (nodes.get(node) ?? 0) + 1);
    }
    expect([...nodes.values()].reduce((sum, count) => sum + count, 0)).toBe(12);
    expect((await (await server.fetch('/job/many/api/json?tree=nextBuildNumber')).json())).toMatchObject({ nextBuildNumber: 13 });
  });
});
