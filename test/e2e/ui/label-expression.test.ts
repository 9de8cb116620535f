import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openSqliteStore } from '../../../src/store/sqlite/open.js';
import { launchBrowser, openPage, signIn } from '../../support/browser.js';
import { ADMIN_PASSWORD, jobXml, startTestServer, type TestServer } from '../../support/server.js';

/** The configure form's "Restrict where this job can run": the label expression, and which nodes it matches. */
let server: TestServer;
let browser: Browser;
let closeBrowser: () => Promise<void>;
let page: Page;
let problems: string[];
const home = mkdtempSync(join(tmpdir(), 'steward-labels-ui-'));

beforeAll(async () => {
  // Agents registered before the server starts, straight in its store (their registration is not this test's subject).
  const store = openSqliteStore({ path: join(home, 'steward.db') });
  const agent = (name: string, labels: string[]) => ({ name, description: '', labels: [name, ...labels], executors: 1, offlineMessage: null, createdAt: Date.now(), lastSeenAt: null });
  const secrets = { current: 'sealed', previous: null, previousUntil: null };
  await store.nodes.create(agent('linux-1', ['linux', 'x86']), secrets);
  await store.nodes.create(agent('linux-arm', ['linux', 'arm']), secrets);
  await store.nodes.create(agent('mac-1', ['mac']), secrets);
  await store.close();
  server = await startTestServer({ home });
  await server.createJob('app', jobXml());
  ({ browser, close: closeBrowser } = await launchBrowser());
  const context = await browser.newContext({ viewport: { width: 1280, height: 720 } });
  ({ page, problems } = await openPage(context));
  await signIn(page, server.url, 'admin', ADMIN_PASSWORD);
}, 60_000);

afterAll(async () => {
  await closeBrowser?.();
  await server?.stop();
  rmSync(home, { recursive: true, force: true });
});

async function submit(button: Locator): Promise<number> {
  const [response] = await Promise.all([page.waitForNavigation(), button.click()]);
  return response?.status() ?? 0;
}

const field = () => page.getByLabel('Restrict where this job can run');
const check = () => submit(page.getByRole('button', { name: 'Check which nodes match' }));
const save = () => submit(page.getByRole('button', { name: 'Save', exact: true }));
const matches = () => page.locator('#label-matches');

async function stored(): Promise<unknown> {
  return ((await (await server.fetch('/job/app/api/json?tree=labelExpression')).json()) as { labelExpression: unknown }).labelExpression;
}

describe('the job form: where the job may run', () => {
  it('shows which nodes an expression matches, refuses a malformed one beside the field, and saves a good one', async () => {
    await page.goto(new URL('job/app/configure', server.url).href);
    expect(await field().inputValue()).toBe('');
    expect(await field().getAttribute('aria-describedby')).toContain('labelExpression-hint');
    expect(await matches().textContent()).toBe('Any node may run this job (4): built-in, linux-1, linux-arm, mac-1.');

    // Check re-renders the form with the matches of what was typed, and saves nothing.
    await field().fill('linux && !arm');
    expect(await check()).toBe(200);
    expect(await field().inputValue()).toBe('linux && !arm');
    expect(await matches().textContent()).toBe('Nodes that match (1): linux-1.');
    expect(await stored()).toBeNull();

    await field().fill('windows');
    expect(await check()).toBe(200);
    expect(await matches().textContent()).toMatch(/^No node matches this expression now/);

    // A malformed expression: the save is refused with the problem and its column beside the field.
    await field().fill('linux &&');
    expect(await save()).toBe(400);
    expect(await field().inputValue()).toBe('linux &&');
    expect(await field().getAttribute('aria-invalid')).toBe('true');
    expect(await page.locator('#labelExpression-error').textContent()).toMatch(/^Label expression "linux &&": it ends too early at column 9/);
    expect(await page.locator('[aria-invalid="true"]').count()).toBe(1);
    expect(await matches().count()).toBe(0);
    expect(await stored()).toBeNull();

    // A good one is saved trimmed, reaches config.xml as Jenkins writes it, and comes back in the form.
    await field().fill('  linux || built-in ');
    expect(await save()).toBe(200);
    expect(new URL(page.url()).pathname).toBe('/job/app/');
    expect(await stored()).toBe('linux || built-in');
    expect(await (await server.fetch('/job/app/config.xml')).text()).toMatch(/<assignedNode>linux \|\| built-in<\/assignedNode>\s*<canRoam>false<\/canRoam>/);
    await page.goto(new URL('job/app/configure', server.url).href);
    expect(await field().inputValue()).toBe('linux || built-in');
    expect(await matches().textContent()).toBe('Nodes that match (3): built-in, linux-1, linux-arm.');

    // Emptied, the job may run anywhere again.
    await field().fill('');
    expect(await save()).toBe(200);
    expect(await stored()).toBeNull();
    expect(problems.filter((problem) => !/status of 400 \(Bad Request\)/.test(problem))).toEqual([]);
  });
});
