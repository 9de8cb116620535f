import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { basicAuth, startTestServer, type TestServer } from '../support/server.js';

/** Agents registered through the native API and the Jenkins URLs: shapes, secrets, permissions, refusals. */
let server: TestServer;
const READER = { id: 'rita', password: 'rita-pw-123' };

beforeAll(async () => {
  server = await startTestServer({
    config: `
users:
  - { id: ${READER.id}, password: ${READER.password} }
security:
  authorization: matrix
  grants:
    "user:admin": [Overall/Administer]
    "user:${READER.id}": [Overall/Read]
nodes:
  - { name: declared-1, labels: "linux arm64", executors: 2, description: from the file }
`,
  });
});
afterAll(async () => {
  await server.stop();
});

function json(method: string, body: unknown): RequestInit {
  return { method, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) };
}

describe('the native nodes API', () => {
  it('creates a node and answers its secret once, then lists, patches, shows and rotates it', async () => {
    const created = await server.fetch('/steward/api/v1/nodes', json('POST', { name: 'linux-1', labels: 'linux docker', executors: 4 }));
    expect(created.status).toBe(201);
    const node = (await created.json()) as { name: string; labels: string[]; executors: number; online: boolean; secret: string };
    expect(node).toMatchObject({ name: 'linux-1', labels: ['linux-1', 'linux', 'docker'], executors: 4, online: false });
    expect(node.secret).toMatch(/^stwa_/);
    const listed = (await (await server.fetch('/steward/api/v1/nodes')).json()) as Array<Record<string, unknown>>;
    expect(listed.map((one) => one.name)).toEqual(['declared-1', 'linux-1']);
    expect(listed.every((one) => !('secret' in one))).toBe(true);
    const patched = await server.fetch('/steward/api/v1/nodes/linux-1', json('PATCH', { executors: 2, offlineMessage: 'maintenance' }));
    expect(await patched.json()).toMatchObject({ executors: 2, offlineMessage: 'maintenance', online: false });
    expect(await (await server.fetch('/steward/api/v1/nodes/linux-1/secret')).json()).toEqual({ name: 'linux-1', secret: node.secret });
    const rotated = (await (await server.fetch('/steward/api/v1/nodes/linux-1/secret/rotate', { method: 'POST' })).json()) as { secret: string };
    expect(rotated.secret).not.toBe(node.secret);
    expect(((await (await server.fetch('/steward/api/v1/nodes/linux-1/secret')).json()) as { secret: string }).secret).toBe(rotated.secret);
    const refused = await server.fetch('/steward/api/v1/nodes', json('POST', { name: '(master)' }));
    expect(refused.status).toBe(400);
    expect((await refused.json()) as { error: string }).toMatchObject({ error: 'name_taken' });
    const missing = await server.fetch('/steward/api/v1/nodes/nope');
    expect(missing.status).toBe(404);
    expect(missing.headers.get('x-steward-reason')).toBe('node_not_found');
  });

  it('keeps the secret from someone with Overall/Read only', async () => {
    const auth = basicAuth(READER.id, READER.password);
    expect((await server.fetch('/steward/api/v1/nodes', { auth })).status).toBe(200);
    const secret = await server.fetch('/steward/api/v1/nodes/declared-1/secret', { auth });
    expect(secret.status).toBe(403);
    expect(secret.headers.get('x-required-permission')).toBe('hudson.model.Computer.Connect');
    expect((await server.fetch('/computer/declared-1/jenkins-agent.jnlp', { auth })).status).toBe(403);
    const page = await (await server.fetch('/computer/declared-1/', { auth })).text();
    expect(page).not.toContain('Show secret');
    expect((await server.fetch('/steward/api/v1/nodes', { ...json('POST', { name: 'sneaky' }), auth })).status).toBe(403);
  });
});

describe('the Jenkins computer API', () => {
  it('lists the built-in node and the agents with Jenkins shapes', async () => {
    const set = (await (await server.fetch('/computer/api/json')).json()) as { _class: string; computer: Array<Record<string, unknown>>; totalExecutors: number; busyExecutors: number; displayName: string };
    expect(set._class).toBe('hudson.model.ComputerSet');
    expect(set.displayName).toBe('Nodes');
    expect(set.computer.map((one) => [one._class, one.displayName])).toEqual([
      ['hudson.model.Hudson$MasterComputer', 'Built-In Node'],
      ['hudson.slaves.SlaveComputer', 'declared-1'],
      ['hudson.slaves.SlaveComputer', 'linux-1'],
    ]);
    expect(set.totalExecutors).toBe(2 + 2 + 2);
    expect(set.busyExecutors).toBe(0);
    const agent = (await (await server.fetch('/computer/declared-1/api/json')).json()) as Record<string, unknown>;
    expect(agent).toMatchObject({ description: 'from the file', numExecutors: 2, offline: true, temporarilyOffline: false, jnlpAgent: true, idle: true, launchSupported: false, manualLaunchAllowed: false, offlineCauseReason: 'Agent has not connected' });
    expect(agent.assignedLabels).toEqual([{ name: 'declared-1' }, { name: 'linux' }, { name: 'arm64' }]);
    // As on Jenkins, executors are empty objects at depth 0 and filled in at depth 1.
    expect(agent.executors).toEqual([{}, {}]);
    const deeper = (await (await server.fetch('/computer/declared-1/api/json?depth=1')).json()) as Record<string, unknown>;
    expect(deeper.executors).toEqual([
      { currentExecutable: null, idle: true, likelyStuck: false, number: 0, progress: -1 },
      { currentExecutable: null, idle: true, likelyStuck: false, number: 1, progress: -1 },
    ]);
    const temp = (await (await server.fetch('/computer/linux-1/api/json')).json()) as Record<string, unknown>;
    expect(temp).toMatchObject({ offline: true, temporarilyOffline: true, offlineCauseReason: 'maintenance' });
    for (const alias of ['(built-in)', '(master)', 'Built-In%20Node']) {
      expect(((await (await server.fetch(`/computer/${alias}/api/json`)).json()) as { displayName: string }).displayName).toBe('Built-In Node');
    }
  });

  it("answers Jenkins' JNLP file with the secret and the name as its first two arguments, and names steward agent", async () => {
    const secret = ((await (await server.fetch('/steward/api/v1/nodes/declared-1/secret')).json()) as { secret: string }).secret;
    for (const file of ['jenkins-agent.jnlp', 'slave-agent.jnlp']) {
      const response = await server.fetch(`/computer/declared-1/${file}`);
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toBe('application/x-java-jnlp-file');
      const text = await response.text();
      const args = [...text.matchAll(/<argument>([^<]*)<\/argument>/g)].map((match) => match[1]);
      expect(args.slice(0, 4)).toEqual([secret, 'declared-1', '-url', server.url]);
      expect(text).toContain(`steward agent --url ${server.url} --name declared-1 --secret-file`);
    }
  });

  it('reads and writes config.xml', async () => {
    const xml = await (await server.fetch('/computer/declared-1/config.xml')).text();
    expect(xml).toContain('<slave>');
    expect(xml).toContain('<numExecutors>2</numExecutors>');
    expect(xml).toContain('<label>linux arm64</label>');
    expect(xml).toContain('<launcher class="hudson.slaves.JNLPLauncher"/>');
    const posted = await server.fetch('/computer/declared-1/config.xml', { method: 'POST', headers: { 'content-type': 'application/xml' }, body: xml.replace('<numExecutors>2</numExecutors>', '<numExecutors>5</numExecutors>').replace('linux arm64', 'gpu') });
    expect(posted.status).toBe(200);
    expect(await (await server.fetch('/steward/api/v1/nodes/declared-1')).json()).toMatchObject({ executors: 5, labels: ['declared-1', 'gpu'] });
    const renamed = await server.fetch('/computer/declared-1/config.xml', { method: 'POST', headers: { 'content-type': 'application/xml' }, body: xml.replace('<name>declared-1</name>', '<name>other</name>') });
    expect(renamed.status).toBe(400);
  });

  it('refuses a Jenkins agent.jar with the reason and what to run instead, before asking for credentials', async () => {
    for (const [path, headers] of [
      ['/tcpSlaveAgentListener/', {}],
      ['/wsagents/', { 'X-Remoting-Capability': 'rO0ABXNy', 'Node-Name': 'declared-1', 'Secret-Key': 'x' }],
      ['/jnlpJars/agent.jar', {}],
      ['/computer/declared-1/jenkins-agent.jnlp?encrypt=true', {}],
    ] as const) {
      const response = await server.fetch(path, { auth: path.includes('encrypt') ? undefined : null, headers });
      expect(response.status, path).toBe(400);
      expect(response.headers.get('x-steward-reason'), path).toBe('agent_protocol_unsupported');
      expect(await response.text(), path).toContain('steward agent');
    }
  });

  it("tells a Jenkins URL of a node that Steward does not answer (script console, launching, disconnecting) from one that names nothing", async () => {
    for (const [method, path, instead] of [
      ['POST', '/computer/declared-1/scriptText', 'Steward runs no code inside the server'],
      ['GET', '/computer/(built-in)/script', 'Steward runs no code inside the server'],
      ['POST', '/computer/declared-1/launchSlaveAgent', 'Steward agents connect themselves: run `steward agent'],
      ['POST', '/computer/declared-1/doDisconnect', 'toggleOffline?offlineMessage='],
      ['GET', '/computer/declared-1/log', "Read the agent's own output"],
      ['GET', '/computer/declared-1/configure', 'POST /computer/NAME/config.xml'],
    ] as const) {
      const response = await server.fetch(path, { method });
      expect({ path, status: response.status, reason: response.headers.get('x-steward-reason') }).toEqual({ path, status: 404, reason: 'not_implemented' });
      expect(await response.text(), path).toContain(instead);
    }
    const nothing = await server.fetch('/computer/declared-1/no-such-page');
    expect([nothing.status, nothing.headers.get('x-steward-reason')]).toEqual([404, 'not_found']);
  });

  it('deletes a node with doDelete', async () => {
    const created = (await (await server.fetch('/steward/api/v1/nodes', json('POST', { name: 'gone' }))).json()) as { secret: string };
    expect(created.secret).toBeTruthy();
    const deleted = await server.fetch('/computer/gone/doDelete', { method: 'POST' });
    expect(deleted.status).toBe(302);
    expect((await server.fetch('/computer/gone/api/json')).status).toBe(404);
  });
});

describe('nodes declared in the configuration file', () => {
  it('keep the secret made at their first start across restarts, and take the declared values', async () => {
    const home = mkdtempSync(join(tmpdir(), 'steward-nodes-'));
    const secretOf = async (one: TestServer) => ((await (await one.fetch('/steward/api/v1/nodes/edge/secret')).json()) as { secret: string }).secret;
    try {
      const first = await startTestServer({ home, config: 'nodes:\n  - { name: edge, labels: [linux], executors: 2 }\n' });
      const secret = await secretOf(first);
      await first.stop();
      const second = await startTestServer({ home, config: 'nodes:\n  - { name: edge, labels: [linux, gpu], executors: 3 }\n' });
      expect(await secretOf(second)).toBe(secret);
      expect(await (await second.fetch('/steward/api/v1/nodes/edge')).json()).toMatchObject({ labels: ['edge', 'linux', 'gpu'], executors: 3 });
      await second.stop();
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
  });
});
