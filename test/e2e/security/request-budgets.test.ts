import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnServer } from '../../support/process.js';
import { FOLDER_XML, jobXml, startTestServer, stringParameter, type TestServer, waitFor } from '../../support/server.js';

/**
 * Nobody stalls the server for everyone (DESIGN §4, issue 12 findings 1, 6 and 7): XPath and
 * `exclude=` run on evaluator threads within a time and a memory budget, `tree=` nesting is bounded,
 * and config.xml is refused before parsing when it nests too deeply or has too many nodes.
 */
let server: TestServer;

beforeAll(async () => {
  server = await startTestServer();
  await server.createJob('team', FOLDER_XML);
  await server.createJob('team/app', jobXml({ parameters: stringParameter('FOO', 'bar') }));
  await server.createJob('solo', jobXml());
  // Warm the evaluators, as a running server's are after its first XPath: under vitest the first one
  // also compiles the worker's TypeScript.
  await expectEvaluatorsWork();
});
afterAll(async () => {
  await server.stop();
});

/** Issue 12's exponential expression: `//*` nested ten deep (×4 per level; ~25 s on one thread). */
const EXPONENTIAL = `//*${'[//*'.repeat(9)}${']'.repeat(9)}`;
/** Issue 12's memory-hungry expression: each step multiplies the node set it builds. */
const MEMORY_HUNGRY = '//*[count(following::*/preceding::*/following::*/preceding::*)>1]';
const CRUMB_RECIPE = 'concat(//crumbRequestField,":",//crumb)';

const q = encodeURIComponent;

async function timed(path: string, init: RequestInit & { auth?: string | null } = {}): Promise<{ response: Response; body: string; ms: number }> {
  const started = performance.now();
  const response = await server.fetch(path, init);
  const body = await response.text();
  return { response, body, ms: performance.now() - started };
}

/** Asks `/whoAmI/api/json` every 50 ms until `during` settles; returns how long each answer took. */
async function probeWhile(during: Promise<unknown>): Promise<number[]> {
  let settled = false;
  void during.finally(() => (settled = true));
  const latencies: number[] = [];
  while (!settled) {
    const { response, ms } = await timed('/whoAmI/api/json', { auth: null });
    expect(response.status).toBe(200);
    latencies.push(ms);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return latencies.sort((a, b) => a - b);
}

/** A normal XPath answers at once: the evaluators are back. */
async function expectEvaluatorsWork(): Promise<void> {
  const { response, body } = await timed('/job/solo/api/xml?xpath=/*/name');
  expect(response.status).toBe(200);
  expect(body).toBe('<name>solo</name>');
}

describe('XPath budgets (finding 1)', () => {
  it('stops an anonymous exponential XPath at the time budget while the event loop keeps answering', async () => {
    const hostile = timed(`/whoAmI/api/xml?wrapper=w&xpath=${q(EXPONENTIAL)}`, { auth: null });
    const latencies = await probeWhile(hostile);
    const { response, body, ms } = await hostile;
    expect(response.status).toBe(400);
    expect(response.headers.get('x-steward-reason')).toBe('budget_exceeded');
    expect(body).toContain('ran out of time: one request may evaluate for 2 seconds');
    expect(body).toContain('simpler expression');
    expect(ms).toBeLessThan(6000);
    // The event loop was free all along: other requests were answered in milliseconds.
    const seen = `/whoAmI/api/json answered in ${latencies.map(Math.round).join(', ')} ms`;
    expect(latencies.length, seen).toBeGreaterThanOrEqual(10);
    expect(latencies[Math.floor(latencies.length / 2)], seen).toBeLessThan(100);
    expect(latencies.at(-1), seen).toBeLessThan(1000);
    await expectEvaluatorsWork();
  });

  it('stops the same expression given as exclude=', async () => {
    const { response, body } = await timed(`/whoAmI/api/xml?exclude=${q(EXPONENTIAL)}`, { auth: null });
    expect(response.status).toBe(400);
    expect(response.headers.get('x-steward-reason')).toBe('budget_exceeded');
    expect(body).toContain('ran out of time');
    await expectEvaluatorsWork();
  });

  it('stops a memory-hungry XPath within its budget; the server lives on and the evaluators recover', async () => {
    const { response, body } = await timed(`/api/xml?depth=2&xpath=${q(MEMORY_HUNGRY)}`);
    expect(response.status).toBe(400);
    expect(response.headers.get('x-steward-reason')).toBe('budget_exceeded');
    // Which budget it spends first depends on the machine's speed (it grows its heap at some tens of
    // MB a second); worker-pool.test.ts shows the memory budget on its own.
    expect(body).toMatch(/ran out of (time: one request may evaluate for 2 seconds|memory: one request may use 96 MB)/);
    expect((await timed('/whoAmI/api/json', { auth: null })).response.status).toBe(200);
    await expectEvaluatorsWork();
  });

  it('answers 503 evaluator_busy with Retry-After once the waiting line is full; the crumb recipe is still answered', async () => {
    const client = new AbortController();
    // Two evaluators and sixteen places in line: of twenty hostile requests at once, two are turned away.
    const hostile = Array.from({ length: 20 }, () =>
      server.fetch(`/whoAmI/api/xml?wrapper=w&xpath=${q(EXPONENTIAL)}`, { auth: null, signal: client.signal }).then(
        (response) => response,
        () => null,
      ),
    );
    const busy = await Promise.race([Promise.all(hostile.slice(18)), new Promise<null>((resolve) => setTimeout(() => resolve(null), 1500))]);
    expect(busy).not.toBeNull();
    for (const response of busy ?? []) {
      expect(response?.status).toBe(503);
      expect(response?.headers.get('x-steward-reason')).toBe('evaluator_busy');
      expect(response?.headers.get('retry-after')).toBe('2');
      expect(await response?.text()).toContain('Every XPath evaluator is busy');
    }
    // The crumb recipe of DESIGN §2 does not wait behind them.
    const crumb = await timed(`/crumbIssuer/api/xml?xpath=${q(CRUMB_RECIPE)}`);
    expect(crumb.response.status).toBe(200);
    expect(crumb.body).toMatch(/^Jenkins-Crumb:[0-9a-f]{64}$/);
    expect(crumb.ms).toBeLessThan(500);
    // The clients give up: their evaluations stop (else the line would take 18 s to drain), and the
    // evaluators serve the next request.
    client.abort();
    await Promise.all(hostile);
    const started = performance.now();
    await waitFor(async () => ((await timed('/job/solo/api/xml?xpath=/*/name')).response.status === 200 ? true : undefined), 3000, 'the evaluators to be free');
    expect(performance.now() - started).toBeLessThan(3000);
    await expectEvaluatorsWork();
  });
});

describe('XPath budgets in the built server', () => {
  it('finds the evaluator threads in dist/ as bin/steward.js runs it: a normal XPath answers, an exponential one is refused', async () => {
    const home = mkdtempSync(join(tmpdir(), 'steward-budgets-'));
    const built = await spawnServer(['serve', '--port', '0', '--home', home], { STEWARD_ADMIN_PASSWORD: 'budgets-admin-pw', STEWARD_CONFIG: '' });
    try {
      const get = (path: string) => fetch(new URL(path, built.url));
      const normal = await get('/whoAmI/api/xml?xpath=/*/name');
      expect(normal.status).toBe(200);
      expect(await normal.text()).toBe('<name>anonymous</name>');
      const started = performance.now();
      const hostile = await get(`/whoAmI/api/xml?wrapper=w&xpath=${q(EXPONENTIAL)}`);
      expect(hostile.status).toBe(400);
      expect(hostile.headers.get('x-steward-reason')).toBe('budget_exceeded');
      expect(performance.now() - started).toBeLessThan(6000);
      expect((await get('/whoAmI/api/xml?xpath=/*/name')).status).toBe(200);
    } finally {
      built.child.kill('SIGTERM');
      await built.exited;
      rmSync(home, { recursive: true, force: true });
    }
  });
});

describe('tree= nesting (finding 7)', () => {
  // Brackets are sent as they are (fetch leaves them unencoded): 15 kB fit the request line limit.
  it('refuses a tree nested 5,000 deep with 400 tree_invalid, and accepts 32 levels', async () => {
    const nested = (levels: number) => `${'a['.repeat(levels)}a${']'.repeat(levels)}`;
    const { response, body } = await timed(`/api/json?tree=${nested(5000)}`);
    expect(response.status).toBe(400);
    expect(response.headers.get('x-steward-reason')).toBe('tree_invalid');
    expect(body).toContain('nests deeper than 32 levels');
    expect((await timed(`/api/json?tree=${nested(32)}`)).response.status).toBe(200);
  });
});

describe('config.xml limits (finding 6)', () => {
  const post = (path: string, xml: string) => timed(path, { method: 'POST', headers: { 'content-type': 'application/xml' }, body: xml });

  /** Sends `xml` as a new job and as an update of `solo`: both are refused fast, and nothing is created. */
  async function expectRefused(xml: string, limit: string): Promise<void> {
    expect(xml.length).toBeLessThan(1 << 20);
    for (const path of ['/createItem?name=hostile', '/job/solo/config.xml']) {
      const { response, body, ms } = await post(path, xml);
      expect(response.status, path).toBe(400);
      expect(response.headers.get('x-steward-reason')).toBe('xml_too_complex');
      expect(body).toContain(limit);
      expect(ms).toBeLessThan(500);
    }
    expect((await timed('/job/hostile/api/json')).response.status).toBe(404);
  }

  it('refuses 140,000 nested levels fast with 400 xml_too_complex, on create and on update', async () => {
    await expectRefused(`<project><description>${'<a>'.repeat(140_000)}${'</a>'.repeat(140_000)}</description></project>`, 'more than 100 levels deep');
  });

  it('refuses 250,000 siblings fast with 400 xml_too_complex, while a job with 500 parameters is accepted', async () => {
    await expectRefused(`<project><properties>${'<a/>'.repeat(250_000)}</properties></project>`, 'more than 10,000 elements, attributes and comments');
    const parameters = Array.from({ length: 500 }, (_, i) => stringParameter(`P${i}`, 'x')).join('');
    expect((await post('/createItem?name=many-parameters', jobXml({ parameters }))).response.status).toBe(200);
    const { property } = (await (await server.fetch('/job/many-parameters/api/json?tree=property[parameterDefinitions[name]]')).json()) as { property: Array<{ parameterDefinitions: unknown[] }> };
    expect(property[0]?.parameterDefinitions).toHaveLength(500);
  });
});
