import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { launchBrowser, openPage, signIn } from '../../support/browser.js';
import { ADMIN_PASSWORD, FOLDER_XML, jobXml, startTestServer, type TestServer, waitForBuild } from '../../support/server.js';

let server: TestServer;
let browser: Browser;
let closeBrowser: () => Promise<void>;

/** A job name that would run script if it reached an attribute unescaped (names cannot hold < or /). */
const XSS = 'x" autofocus onfocus="alert(1)';

beforeAll(async () => {
  server = await startTestServer();
  await server.createJob('team', FOLDER_XML);
  await server.createJob('hello', jobXml({ steps: ['echo hello'] }));
  await server.createJob('broken', jobXml({ steps: ['exit 1'] }));
  await server.createJob(XSS, jobXml({ description: '<script>alert(2)</script>', steps: ['echo "<img src=x onerror=alert(3)>"'] }));
  for (const job of ['hello', 'broken']) expect((await server.fetch(`/job/${job}/build`, { method: 'POST' })).status).toBe(201);
  await waitForBuild(server, '/job/hello', 1);
  await waitForBuild(server, '/job/broken', 1);
  ({ browser, close: closeBrowser } = await launchBrowser());
}, 60_000);

afterAll(async () => {
  await closeBrowser?.();
  await server?.stop();
});

describe('the dashboard in Chromium', () => {
  it('after signing in, lists jobs and folders with their status, the queue and the executors, under a strict CSP', async () => {
    const { page, problems, dialogs } = await openPage(await browser.newContext());
    const response = await page.goto(server.url);
    expect(page.url()).toContain('/login');
    expect(response?.status()).toBe(200);
    await signIn(page, server.url, 'admin', ADMIN_PASSWORD);
    const dashboard = await page.goto(server.url);
    expect(dashboard?.headers()['content-security-policy']).toContain("script-src 'self'");
    expect(dashboard?.headers()['x-frame-options']).toBe('DENY');
    await expect.poll(() => page.getByRole('link', { name: 'hello', exact: true }).count()).toBe(1);
    expect(await page.getByRole('img', { name: 'Success' }).count()).toBeGreaterThanOrEqual(1);
    expect(await page.getByRole('img', { name: 'Failed' }).count()).toBe(1);
    expect(await page.getByRole('link', { name: 'team' }).count()).toBe(1);
    // The job named like an attribute injection is shown as text, never run.
    expect(await page.getByRole('link', { name: XSS }).count()).toBe(1);
    expect(await page.locator('#executors li').count()).toBe(2);
    expect(await page.locator('time[datetime]').first().textContent()).toMatch(/ago$/);
    expect(dialogs()).toBe(0);
    expect(problems).toEqual([]);
    await page.setViewportSize({ width: 1280, height: 720 });
    await page.screenshot({ path: 'docs/screenshots/dashboard.png' });
    await page.setViewportSize({ width: 390, height: 844 });
    await page.screenshot({ path: 'docs/screenshots/dashboard-phone.png', fullPage: true });
    await page.context().close();
  });

  it('refuses a form another site submits to /job/hello/build with the signed-in victim’s session', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await signIn(page, server.url, 'admin', ADMIN_PASSWORD);
    const before = ((await (await server.fetch('/job/hello/api/json?tree=nextBuildNumber')).json()) as { nextBuildNumber: number }).nextBuildNumber;
    // The attacker's page, on another origin (another port of this machine), posts as soon as it loads.
    const attacker = createServer((_, response) => {
      response.writeHead(200, { 'Content-Type': 'text/html' });
      response.end(`<form id="f" method="post" action="${server.url}job/hello/build"><input name="delay" value="0"></form><script>document.getElementById('f').submit()</script>`);
    });
    await new Promise<void>((resolve) => attacker.listen(0, '127.0.0.1', resolve));
    try {
      const answered = page.waitForResponse((response) => response.url().startsWith(`${server.url}job/hello/build`));
      await page.goto(`http://127.0.0.1:${(attacker.address() as AddressInfo).port}/`);
      const response = await answered;
      expect(response.status()).toBe(403);
      expect(response.headers()['x-steward-reason']).toMatch(/^crumb_missing$|^authentication_required$/);
      const after = ((await (await server.fetch('/job/hello/api/json?tree=nextBuildNumber')).json()) as { nextBuildNumber: number }).nextBuildNumber;
      expect(after).toBe(before);
      expect(((await (await server.fetch('/queue/api/json')).json()) as { items: unknown[] }).items).toEqual([]);
    } finally {
      attacker.close();
      await context.close();
    }
  });
});
