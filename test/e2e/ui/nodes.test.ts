import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { launchBrowser, signIn, watchProblems } from '../../support/browser.js';
import { ADMIN_PASSWORD, startTestServer, type TestServer } from '../../support/server.js';

/** The nodes page and a node's page in a real browser: state in words, the secret only on request, offline and back, delete. */
let server: TestServer;
let browser: Browser;
let closeBrowser: () => Promise<void>;
let secret: string;

beforeAll(async () => {
  server = await startTestServer();
  const created = await server.fetch('/steward/api/v1/nodes', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'linux-1', labels: 'linux docker', executors: 2 }) });
  secret = ((await created.json()) as { secret: string }).secret;
  ({ browser, close: closeBrowser } = await launchBrowser());
}, 60_000);
afterAll(async () => {
  await closeBrowser?.();
  await server?.stop();
});

describe('the nodes pages', () => {
  it('list the agent, show its secret only after Show secret, take it offline and back, and delete it in two steps', async () => {
    const page = await (await browser.newContext()).newPage();
    const problems = watchProblems(page);
    await signIn(page, server.url, 'admin', ADMIN_PASSWORD);
    await page.goto(new URL('computer/', server.url).href);
    const row = page.locator('#agents tbody tr', { hasText: 'linux-1' });
    await expect(row.textContent()).resolves.toContain('Offline: Agent has not connected');
    await expect(row.textContent()).resolves.toContain('linux-1 linux docker');
    await row.getByRole('link', { name: 'linux-1' }).click();
    await page.waitForURL(/\/computer\/linux-1\/$/);
    expect(await page.content()).not.toContain(secret);
    expect(await page.locator('pre code').textContent()).toContain(`steward agent --url ${server.url} --name linux-1 --secret-file`);
    await page.getByRole('button', { name: 'Show secret' }).click();
    expect(await page.locator('#node-secret').textContent()).toBe(secret);

    await page.goto(new URL('computer/linux-1/', server.url).href);
    await page.getByLabel('Reason').fill('disk swap');
    await page.getByRole('button', { name: 'Take this node offline' }).click();
    await page.waitForURL(/\/computer\/linux-1\/$/);
    expect(await page.locator('#node-state').textContent()).toContain('Temporarily offline: disk swap');
    await page.getByRole('button', { name: 'Bring this node back online' }).click();
    expect(await page.locator('#node-state').textContent()).toContain('Offline: Agent has not connected');

    await page.getByText('Delete this node').click();
    await page.getByRole('button', { name: 'Delete node linux-1' }).click();
    await page.waitForURL(/\/computer\/$/);
    expect(await page.locator('#agents').count()).toBe(0);
    expect((await server.fetch('/steward/api/v1/nodes/linux-1')).status).toBe(404);
    expect(problems).toEqual([]);
  });
});
