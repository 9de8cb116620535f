import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type AgentProcess, startAgent } from '../../support/agent.js';
import { jobXml, queueIdOf, startTestServer, stringParameter, type TestServer, waitFor, waitForBuild } from '../../support/server.js';

/**
 * Why a build waits, with the built-in node given no executors: no node has its label, its only node
 * is offline (and since when), every executor of its nodes is busy. Nodes that never ran an agent are
 * offline; a real `steward agent` makes one online and busy.
 */
let server: TestServer;
const agents: AgentProcess[] = [];
const queued: number[] = [];

interface QueueItemJson {
  _class: string;
  id: number;
  why: string | null;
  stuck: boolean;
  blocked: boolean;
  buildable: boolean;
}

beforeAll(async () => {
  server = await startTestServer({ executors: 0, env: { STEWARD_AGENT_LEASE_SECONDS: '3' } });
});
afterEach(async () => {
  // Each case leaves nothing waiting for the next one's agents, and no agent running.
  for (const id of queued.splice(0)) await server.fetch(`/queue/cancelItem?id=${id}`, { method: 'POST' });
  await Promise.all(agents.splice(0).map((each) => each.stop('SIGKILL')));
});
afterAll(async () => {
  await server.stop();
});

const restricted = (expression: string, options: Parameters<typeof jobXml>[0] = {}) => jobXml({ ...options, extra: `<assignedNode>${expression}</assignedNode><canRoam>false</canRoam>${options.extra ?? ''}` });

async function registerNode(name: string, labels: string[], executors = 1): Promise<string> {
  const response = await server.fetch('/steward/api/v1/nodes', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name, labels, executors }) });
  expect(response.status).toBe(201);
  return ((await response.json()) as { secret: string }).secret;
}

async function trigger(path: string): Promise<number> {
  const response = await server.fetch(path, { method: 'POST' });
  expect(response.status).toBe(201);
  const id = queueIdOf(response);
  queued.push(id);
  return id;
}

/** The item as `/queue/api/json` lists it. */
async function listed(id: number): Promise<QueueItemJson> {
  const queue = (await (await server.fetch('/queue/api/json')).json()) as { items: QueueItemJson[] };
  const found = queue.items.find((entry) => entry.id === id);
  if (!found) throw new Error(`queue item ${id} is not listed`);
  return found;
}

/** Stands in for an agent last heard from at `at` (the store's `touch`). */
function lastContact(name: string, at: number): void {
  const db = new Database(join(server.home, 'steward.db'));
  try {
    db.pragma('busy_timeout = 5000');
    db.prepare('UPDATE nodes SET last_seen_at = ? WHERE name_key = ?').run(at, name.toLowerCase());
  } finally {
    db.close();
  }
}

describe('why a build waits for a node', () => {
  // First, while no agent is registered: a job that may run anywhere has nowhere to run.
  it('says that no node has executors when the built-in node has none and no agent is registered', async () => {
    await server.createJob('anywhere', jobXml());
    const id = await trigger('/job/anywhere/build');
    expect(await listed(id)).toMatchObject({
      _class: 'hudson.model.Queue$BuildableItem',
      why: 'There are no nodes with executors (the built-in node has none, and no agent is registered)',
      stuck: true,
      blocked: false,
      buildable: true,
    });
  });

  it('names the label no node has, right after the trigger, on the queue API and the pages', async () => {
    await registerNode('linux-0', ['linux']);
    await server.createJob('on-gpu', restricted('gpu && cuda'));
    const before = Date.now();
    const id = await trigger('/job/on-gpu/build');
    const item = await listed(id);
    expect(Date.now() - before).toBeLessThan(1000);
    expect(item).toMatchObject({ _class: 'hudson.model.Queue$BuildableItem', why: 'There are no nodes with the label ‘gpu && cuda’', stuck: true, blocked: false, buildable: true });
    expect(await (await server.fetch(`/queue/item/${id}/api/json`)).json()).toMatchObject({ why: 'There are no nodes with the label ‘gpu && cuda’', stuck: true, pending: false });
    expect(await (await server.fetch('/job/on-gpu/api/json?tree=queueItem[why,stuck]')).json()).toMatchObject({ queueItem: { why: 'There are no nodes with the label ‘gpu && cuda’', stuck: true } });
    for (const page of ['/', '/job/on-gpu/']) {
      const body = await (await server.fetch(page)).text();
      expect(body).toContain('There are no nodes with the label ‘gpu &amp;&amp; cuda’ <a href="/computer/">See the nodes</a>');
    }
  });

  it('names the offline node and since when it was last heard from, or why it was taken offline', async () => {
    await registerNode('arm-1', ['arm']);
    await server.createJob('on-arm', restricted('arm'));
    const id = await trigger('/job/on-arm/build');
    expect(await listed(id)).toMatchObject({ why: 'arm-1 is offline (never connected)', stuck: true, buildable: true });

    const seen = Date.now() - 5 * 60_000;
    lastContact('arm-1', seen);
    expect(await listed(id)).toMatchObject({ why: `arm-1 is offline (no contact since ${new Date(seen).toISOString()})`, stuck: true });

    const patched = await server.fetch('/steward/api/v1/nodes/arm-1', { method: 'PATCH', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ offlineMessage: 'disk swap' }) });
    expect(patched.status).toBe(200);
    expect(await listed(id)).toMatchObject({ why: 'arm-1 is offline (taken offline: disk swap)', stuck: true });

    // With two nodes of the label, Jenkins' sentence for the label, and each node's state.
    await registerNode('arm-2', ['arm']);
    expect(await listed(id)).toMatchObject({ why: 'All nodes of label ‘arm’ are offline (arm-1: taken offline: disk swap; arm-2: never connected)', stuck: true });
  });

  it('says that all executors of the matching node are busy, and which other node of the label is offline', async () => {
    const secret = await registerNode('linux-1', ['x86'], 2);
    await server.createJob('hold', restricted('x86', { parameters: stringParameter('N'), steps: ['sleep 30'], extra: '<concurrentBuild>true</concurrentBuild>' }));
    await server.createJob('next', restricted('x86'));
    agents.push(startAgent(server.url, 'linux-1', secret, { executors: 2 }));
    await trigger('/job/hold/buildWithParameters?N=1');
    await trigger('/job/hold/buildWithParameters?N=2');
    await waitFor(async () => {
      const computer = (await (await server.fetch('/computer/linux-1/api/json?depth=1')).json()) as { executors: Array<{ currentExecutable: unknown }> };
      return computer.executors.every((executor) => executor.currentExecutable !== null) ? true : undefined;
    }, 20_000, 'both executors of linux-1 to be busy');

    const id = await trigger('/job/next/build');
    expect(await listed(id)).toMatchObject({
      _class: 'hudson.model.Queue$BuildableItem',
      why: 'Waiting for next available executor on ‘linux-1’ (all 2 executors are busy)',
      stuck: false,
      blocked: false,
      buildable: true,
    });
    await registerNode('linux-2', ['x86']);
    expect(await listed(id)).toMatchObject({ why: 'Waiting for next available executor on ‘x86’ (all 2 executors are busy; linux-2 is offline)', stuck: false });

    // Nothing waits for the builds once the item is cancelled; they end when stopped.
    await server.fetch(`/queue/cancelItem?id=${id}`, { method: 'POST' });
    for (const number of [1, 2]) await server.fetch(`/job/hold/${number}/stop`, { method: 'POST' });
    for (const number of [1, 2]) expect((await waitForBuild(server, '/job/hold', number, 15_000)).result).toBe('ABORTED');
  });
});
