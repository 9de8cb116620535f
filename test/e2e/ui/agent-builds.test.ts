import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AgentProcess, startAgent } from '../../support/agent.js';
import { launchBrowser, openPage, signIn } from '../../support/browser.js';
import { ADMIN_PASSWORD, jobXml, startTestServer, stringParameter, type TestServer, waitFor, waitForBuild, waitForLog } from '../../support/server.js';

/**
 * The nodes page and the job form on a server that builds only on agents (`--executors 0`), with a
 * real `steward agent` running a build, in a real browser: each agent's state, labels, executors
 * and what they run, and last contact, kept current without a reload; and the label expression's
 * hint of which nodes match, which leaves out the built-in node while it has no executors.
 */
let server: TestServer;
let agent: AgentProcess;
let browser: Browser;
let closeBrowser: () => Promise<void>;
let page: Page;
let problems: string[];
let gates: string;

beforeAll(async () => {
  server = await startTestServer({ executors: 0 });
  const created = await server.fetch('/steward/api/v1/nodes', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'linux-1', labels: 'linux', executors: 2 }) });
  expect(created.status).toBe(201);
  agent = startAgent(server.url, 'linux-1', ((await created.json()) as { secret: string }).secret, { executors: 2 });
  gates = mkdtempSync(join(tmpdir(), 'steward-ui-gates-'));
  ({ browser, close: closeBrowser } = await launchBrowser());
  ({ page, problems } = await openPage(await browser.newContext({ viewport: { width: 1280, height: 720 } })));
  await signIn(page, server.url, 'admin', ADMIN_PASSWORD);
}, 60_000);

afterAll(async () => {
  // Open every gate, so that a failed case leaves no build waiting for its agent's lease at the stop.
  for (const n of ['a', 'b']) writeFileSync(join(gates, n), '');
  await closeBrowser?.();
  // A clean stop: the agent stops what still runs of its builds, so no step outlives the test.
  await agent?.stop('SIGTERM');
  await server?.stop();
  rmSync(agent.workDir, { recursive: true, force: true });
  rmSync(gates, { recursive: true, force: true });
});

const row = () => page.locator('#agents tbody tr', { hasText: 'linux-1' });
const cells = async () => (await row().locator('td').allInnerTexts()).map((text) => text.replace(/\s+/g, ' ').trim());

describe('pages of a server that builds on agents', () => {
  it('the nodes page shows the agent online, its labels, the build on its second executor and its last contact, and follows it', async () => {
    const steps = ['set +x', 'echo "EXECUTOR_NUMBER=$EXECUTOR_NUMBER"', `while [ ! -e '${gates}'/"$N" ]; do sleep 0.1; done`];
    await server.createJob('remote', jobXml({ parameters: stringParameter('N'), steps: [steps.join('\n')], extra: '<concurrentBuild>true</concurrentBuild><assignedNode>linux</assignedNode><canRoam>false</canRoam>' }));
    for (const n of ['a', 'b']) expect((await server.fetch(`/job/remote/buildWithParameters?N=${n}`, { method: 'POST' })).status).toBe(201);
    expect(await waitForLog(server, '/job/remote/1', 'EXECUTOR_NUMBER=0', 20_000)).toBeTruthy();
    expect(await waitForLog(server, '/job/remote/2', 'EXECUTOR_NUMBER=1', 20_000)).toBeTruthy();
    // The first ends: the second runs on the agent's second executor, the first is idle.
    writeFileSync(join(gates, 'a'), '');
    await waitForBuild(server, '/job/remote', 1, 20_000);

    await page.goto(new URL('computer/', server.url).href);
    expect(await page.locator('#executors').textContent()).toBe('The built-in node has no executors: builds run on agents.');
    const [name, state, labels, executors, contact] = await cells();
    expect({ name, state, labels, executors }).toEqual({ name: 'linux-1', state: 'Online', labels: 'linux-1 linux', executors: '#1 idle #2 remote #2' });
    expect(await row().getByRole('link', { name: 'remote #2' }).getAttribute('href')).toBe('/job/remote/2/');
    // Last contact: a claim or a lease renewal moments ago, shown relative (the exact time in its title).
    expect(contact).toMatch(/^\d+ sec ago$/);
    expect(await row().locator('time').getAttribute('title')).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC$/);
    await page.screenshot({ path: 'docs/screenshots/nodes.png' });

    // When the build ends, the row shows it without a reload.
    writeFileSync(join(gates, 'b'), '');
    await waitForBuild(server, '/job/remote', 2, 20_000);
    await waitFor(async () => ((await cells())[3] === '#1 idle #2 idle' ? true : undefined), 10_000, 'the nodes page to show the agent idle');
    expect(problems).toEqual([]);
  });

  it("the job form's label expression names the agents that match, and not the built-in node without executors", async () => {
    const matches = () => page.locator('#label-matches');
    const field = () => page.getByLabel('Restrict where this job can run');
    const check = () => Promise.all([page.waitForNavigation(), page.getByRole('button', { name: 'Check which nodes match' }).click()]);
    await page.goto(new URL('job/remote/configure', server.url).href);
    expect(await field().inputValue()).toBe('linux');
    expect(await matches().textContent()).toBe('Nodes that match (1): linux-1.');

    await field().fill('built-in');
    await check();
    expect(await matches().textContent()).toBe('No node matches this expression now: its builds will wait until one does. The built-in node would, but it has no executors.');
    await field().fill('');
    await check();
    expect(await matches().textContent()).toBe('Any node may run this job (1): linux-1.');
    expect(problems).toEqual([]);
  });
});
