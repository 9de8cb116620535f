import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AgentProcess, startAgent } from '../../support/agent.js';
import { jobXml, startTestServer, type TestServer, waitFor, waitForBuild } from '../../support/server.js';

/**
 * Issue 15, secrets on agents: a password parameter reaches an agent only in the claim of the build
 * that has it, is masked in the console on the agent and again on the server, and nothing of it is
 * left in the agent's work dir once the build has ended.
 */
let server: TestServer;
const agents: AgentProcess[] = [];
const VALUE = 'pw-value-3e9b1c77';
const DEFAULT = 'pw-default-a51f02';
const DIGEST = createHash('sha256').update(VALUE).digest('hex');

const passwordParameter = `<hudson.model.PasswordParameterDefinition><name>TOKEN</name><defaultValue>${DEFAULT}</defaultValue></hudson.model.PasswordParameterDefinition>`;
const on = (label: string) => `<assignedNode>${label}</assignedNode><canRoam>false</canRoam>`;

async function registerNode(name: string): Promise<string> {
  const response = await server.fetch('/steward/api/v1/nodes', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name, labels: [], executors: 1 }) });
  expect(response.status).toBe(201);
  return ((await response.json()) as { secret: string }).secret;
}

/** Every file under `dir` whose bytes contain `text`. */
function filesContaining(dir: string, text: string): string[] {
  const found: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile()) continue;
    const path = join(entry.parentPath, entry.name);
    if (readFileSync(path).includes(text)) found.push(path);
  }
  return found;
}

beforeAll(async () => {
  // No executors on the built-in node: every build here runs on an agent.
  server = await startTestServer({ executors: 0 });
});
afterAll(async () => {
  await Promise.all(agents.map((agent) => agent.stop('SIGKILL')));
  for (const agent of agents) rmSync(agent.workDir, { recursive: true, force: true });
  await server.stop();
});

describe('a password parameter of a build on an agent', () => {
  it('is masked on the agent, and nothing of it remains in the work dir, the agent\'s output or the server\'s log', async () => {
    const secret = await registerNode('vault-1');
    await server.createJob('deploy', jobXml({ parameters: passwordParameter, steps: ['echo "token=$TOKEN"', 'echo "inside:${TOKEN}:inside"', 'printf %s "$TOKEN" | sha256sum'], extra: on('vault-1') }));
    const agent = startAgent(server.url, 'vault-1', secret);
    agents.push(agent);
    expect((await server.fetch(`/job/deploy/buildWithParameters?TOKEN=${VALUE}`, { method: 'POST' })).status).toBe(201);
    expect((await waitForBuild(server, '/job/deploy', 1, 20_000)).result).toBe('SUCCESS');
    const log = await (await server.fetch('/job/deploy/1/consoleText')).text();
    // The step had the value, and the console shows only its mask.
    expect(log).toContain(`${DIGEST}  -\n`);
    expect(log).toMatch(/^token=\*\*\*\*$/m);
    expect(log).toMatch(/^inside:\*\*\*\*:inside$/m);
    expect(log).not.toContain(VALUE);
    // Once the agent has cleaned up after the build (it says so after the server took its result),
    // neither the value nor the local console log holding the digest is left.
    await waitFor(() => (agent.output().includes('build reported') ? true : undefined), 10_000, 'the agent to clean up');
    expect(filesContaining(agent.workDir, VALUE)).toEqual([]);
    expect(filesContaining(agent.workDir, DIGEST)).toEqual([]);
    expect(agent.output()).not.toContain(VALUE);
    expect(server.logLines.filter((line) => line.includes(VALUE))).toEqual([]);
  });

  it('is in its own build\'s claim only, and the server masks it again in what the agent sends', async () => {
    // A hand-written agent, so that the claim can be read and an unmasked log sent.
    const secret = await registerNode('raw-1');
    const agentRequest = (path: string, init: RequestInit & { headers?: Record<string, string> }) =>
      fetch(new URL(`steward/agent/v1/${path}`, server.url), { ...init, headers: { 'content-type': 'application/json', authorization: `Bearer ${secret}`, 'x-steward-agent': 'raw-1', ...init.headers } });
    const claim = async () => {
      const response = await agentRequest('claim', { method: 'POST', body: JSON.stringify({ slots: [0] }) });
      expect(response.status).toBe(200);
      const text = await response.text();
      const [assignment] = (JSON.parse(text) as { assignments: Array<{ job: { id: number; settings: { parameters: Array<Record<string, unknown>> } }; build: { number: number }; lease: string; secrets: Record<string, string> }> }).assignments;
      return { text, assignment: assignment as NonNullable<typeof assignment> };
    };
    type Claimed = Awaited<ReturnType<typeof claim>>;
    await server.createJob('plain', jobXml({ steps: ['echo plain'], extra: on('raw-1') }));
    await server.createJob('guarded', jobXml({ parameters: passwordParameter, steps: ['echo "token=$TOKEN"'], extra: on('raw-1') }));

    const finish = async (claimed: Claimed, chunks: string[]) => {
      const base = `builds/${claimed.assignment.job.id}/${claimed.assignment.build.number}`;
      const lease = { 'x-steward-lease': claimed.assignment.lease };
      let offset = 0;
      for (const chunk of chunks) {
        const bytes = Buffer.from(chunk);
        const put = await agentRequest(`${base}/log`, { method: 'PUT', body: bytes, headers: { ...lease, 'content-type': 'application/octet-stream', 'content-range': `bytes ${offset}-${offset + bytes.length - 1}/*` } });
        expect(put.status).toBe(202);
        offset += bytes.length;
      }
      const renewed = await agentRequest(`${base}/lease`, { method: 'POST', body: '{}', headers: lease });
      expect(renewed.status).toBe(200);
      expect(await renewed.text()).not.toContain(VALUE);
      const done = await agentRequest(`${base}/finish`, { method: 'POST', body: JSON.stringify({ result: 'SUCCESS', interruption: null, size: offset }), headers: lease });
      expect(done.status).toBe(200);
    };

    // Another job's claim, while the password's build waits, carries nothing of it.
    expect((await server.fetch('/job/plain/build', { method: 'POST' })).status).toBe(201);
    expect((await server.fetch(`/job/guarded/buildWithParameters?TOKEN=${VALUE}`, { method: 'POST' })).status).toBe(201);
    const plain = await claim();
    expect(plain.text).toContain('"echo plain"');
    expect(plain.text).not.toContain(VALUE);
    expect(plain.assignment.secrets).toEqual({});
    await finish(plain, ['plain\nFinished: SUCCESS\n']);

    const own = await claim();
    // Its own claim has the value once, as the secret to unmask its sealed parameter, and not the job's sealed default.
    expect(Object.values(own.assignment.secrets)).toEqual([VALUE]);
    expect(own.text.split(VALUE).length - 1).toBe(1);
    expect(own.assignment.job.settings.parameters.map((definition) => definition.sealedDefault)).toEqual(['']);

    // An agent that does not mask (or a value split across two uploads) is masked by the server.
    const half = Math.floor(VALUE.length / 2);
    await finish(own, [`token=${VALUE.slice(0, half)}`, `${VALUE.slice(half)}\nagain ${VALUE}\nFinished: SUCCESS\n`]);
    const number = own.assignment.build.number;
    expect((await waitForBuild(server, '/job/guarded', number, 10_000)).result).toBe('SUCCESS');
    const log = await (await server.fetch(`/job/guarded/${number}/consoleText`)).text();
    expect(log).toBe('token=****\nagain ****\nFinished: SUCCESS\n');
  });
});
