import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { launchBrowser, openPage, signIn } from '../../support/browser.js';
import { ADMIN_PASSWORD, FOLDER_XML, jobXml, startTestServer, stringParameter, type TestServer, waitFor, waitForBuild } from '../../support/server.js';

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

  it('tells aborted, disabled and not built apart by shape and by words on every page, and builds a job from its row', async () => {
    await server.createJob('stopped', jobXml({ steps: ['sleep 30'] }));
    await server.createJob('never', jobXml());
    await server.createJob('off', jobXml());
    await server.createJob('params', jobXml({ parameters: stringParameter('P', 'x') }));
    await server.createJob('team/paused', jobXml());
    for (const job of ['/job/off', '/job/team/job/paused']) expect((await server.fetch(`${job}/disable`, { method: 'POST' })).status).toBeLessThan(400);
    expect((await server.fetch('/job/stopped/build', { method: 'POST' })).status).toBe(201);
    await waitFor(async () => ((await server.fetch('/job/stopped/1/api/json')).status === 200 ? true : undefined));
    expect((await server.fetch('/job/stopped/1/stop', { method: 'POST' })).status).toBeLessThan(400);
    await waitForBuild(server, '/job/stopped', 1);

    const { page, problems } = await openPage(await browser.newContext());
    page.setDefaultTimeout(5000);
    await signIn(page, server.url, 'admin', ADMIN_PASSWORD);
    await page.goto(server.url);
    const row = (name: string) => page.locator('#items tbody tr').filter({ has: page.getByRole('link', { name, exact: true }) });
    const looks: string[] = [];
    for (const [job, words] of [['stopped', 'Aborted'], ['off', 'Disabled'], ['never', 'Not built yet'], ['hello', 'Success']] as const) {
      const icon = row(job).getByRole('img', { name: words, exact: true });
      expect(await icon.count()).toBe(1);
      // The words are on the page for everyone, not only for screen readers.
      expect(await row(job).locator('.status-words').textContent()).toBe(words);
      expect(await row(job).locator('.status-words').isVisible()).toBe(true);
      looks.push(await icon.evaluate((element) => ['borderStyle', 'borderRadius', 'backgroundImage', 'backgroundColor'].map((name) => getComputedStyle(element).getPropertyValue(name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`))).join('|')));
    }
    expect(new Set(looks).size).toBe(4);

    // Build per row: a button for a plain job, the parameters form for one with parameters, nothing for a disabled one.
    expect(await row('hello').getByRole('button', { name: 'Build hello', exact: true }).count()).toBe(1);
    expect(await row('off').getByRole('button').count()).toBe(0);
    expect(await row('off').getByRole('link', { name: /^Build/ }).count()).toBe(0);
    expect(await row('params').getByRole('button').count()).toBe(0);
    expect(await row('params').getByRole('link', { name: 'Build with Parameters for params' }).getAttribute('href')).toBe('/job/params/build?delay=0sec');
    const [answer] = await Promise.all([
      page.waitForResponse((response) => response.request().method() === 'POST' && new URL(response.url()).pathname === '/job/never/build'),
      row('never').getByRole('button', { name: 'Build never' }).click(),
    ]);
    expect(answer.status()).toBe(303);
    await page.waitForURL(`${server.url}job/never/`);
    await waitForBuild(server, '/job/never', 1);

    // The folder page's rows, the job page's history and status, and the build page say it too.
    await page.goto(`${server.url}job/team/`);
    expect(await row('paused').locator('.status-words').textContent()).toBe('Disabled');
    expect(await row('paused').getByRole('img', { name: 'Disabled' }).count()).toBe(1);
    await page.goto(`${server.url}job/stopped/`);
    expect(await page.locator('#job-status').textContent()).toContain('Aborted');
    expect(await page.locator('#history').getByRole('cell', { name: 'Aborted', exact: true }).count()).toBe(1);
    expect(await page.locator('#history .status-aborted').count()).toBe(1);
    await page.goto(`${server.url}job/stopped/1/`);
    expect(await page.locator('#summary strong').first().textContent()).toBe('Aborted');
    expect(await page.locator('#summary').getByRole('img', { name: 'Aborted' }).count()).toBe(1);
    expect(problems).toEqual([]);
    await page.context().close();
  });

  it('shows no Build control to a user without Job/Build', async () => {
    const created = await server.fetch('/steward/api/v1/users', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ id: 'viewer', password: 'viewer-password' }) });
    expect(created.status).toBe(201);
    const policy = await server.fetch('/steward/api/v1/security', {
      method: 'PATCH',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ authorization: 'matrix', grants: { 'user:admin': ['Overall/Administer'], 'user:viewer': ['Overall/Read', 'Job/Read'] } }),
    });
    expect(policy.status).toBe(200);
    const { page, problems } = await openPage(await browser.newContext());
    await signIn(page, server.url, 'viewer', 'viewer-password');
    await page.goto(server.url);
    await expect.poll(() => page.getByRole('link', { name: 'hello', exact: true }).count()).toBe(1);
    expect(await page.locator('#items').getByRole('button').count()).toBe(0);
    expect(await page.locator('#items').getByRole('link', { name: /^Build/ }).count()).toBe(0);
    expect(problems).toEqual([]);
    await page.context().close();
  });
});
