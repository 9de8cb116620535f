import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { launchBrowser, signIn, watchProblems } from '../../support/browser.js';
import { jobXml, startTestServer, type TestServer } from '../../support/server.js';

let server: TestServer;
let browser: Browser;
let closeBrowser: () => Promise<void>;

async function native(path: string, method: string, body: unknown): Promise<void> {
  const response = await server.fetch(`/steward/api/v1${path}`, { method, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  expect(response.status, `${method} ${path}`).toBeLessThan(300);
}

beforeAll(async () => {
  server = await startTestServer();
  await server.createJob('hello', jobXml({ steps: ['echo hello'] }));
  await native('/users', 'POST', { id: 'reader', password: 'reader-password' });
  await native('/security', 'PATCH', { authorization: 'matrix', grants: { 'user:admin': ['Overall/Administer'], 'user:reader': ['Overall/Read', 'Job/Read'] } });
  ({ browser, close: closeBrowser } = await launchBrowser());
}, 60_000);

afterAll(async () => {
  await closeBrowser?.();
  await server?.stop();
});

/** Submits a form with the page's own crumb, as a button on one of our pages would. */
async function submitForm(page: Page, action: string): Promise<void> {
  await page.evaluate((target) => {
    const form = document.createElement('form');
    form.method = 'post';
    form.action = target;
    const crumb = document.querySelector('input[name="Jenkins-Crumb"]');
    if (crumb) form.append(crumb.cloneNode());
    document.body.append(form);
    form.submit();
  }, action);
}

describe('refusals in the browser', () => {
  it('says in plain words what a reader may not do and where to go, with the reason code scripts get', async () => {
    const page = await browser.newPage();
    const problems = watchProblems(page);
    await signIn(page, server.url, 'reader', 'reader-password');
    const refused = await page.goto(`${server.url}job/hello/config.xml`);
    expect(refused?.status()).toBe(403);
    expect(refused?.headers()['x-steward-reason']).toBe('permission_missing');
    expect(refused?.headers()['content-security-policy']).toContain("default-src 'none'");
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Not allowed');
    expect(await page.getByRole('alert').textContent()).toContain('You can see hello but not change its configuration: ask an administrator for Job/Configure on hello.');
    expect(await page.getByRole('link', { name: 'Back to hello' }).getAttribute('href')).toBe('/job/hello/');
    expect(await page.locator('details code').first().textContent()).toBe('permission_missing');

    await page.getByRole('link', { name: 'See who you are signed in as and your groups' }).click();
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Who am I?');
    const facts = await page.locator('dl.facts').textContent();
    expect(facts).toContain('Namereader');
    expect(facts).toContain('Authenticated witha browser session');
    expect(facts).toContain('Groupsauthenticated');
    expect(facts).toContain('Permissions everywhereOverall/Read, Job/Read');

    await page.goto(`${server.url}job/hello/`);
    const answer = page.waitForResponse((response) => response.url().endsWith('/job/hello/build'));
    await submitForm(page, '/job/hello/build');
    expect((await answer).status()).toBe(403);
    await expect.poll(() => page.getByRole('alert').textContent()).toContain('You can see hello but not build it: ask an administrator for Job/Build on hello.');
    expect(((await (await server.fetch('/queue/api/json')).json()) as { items: unknown[] }).items).toEqual([]);
    // Chromium reports each refused page load as a console error; anything else would be a real problem.
    expect(problems.filter((problem) => !problem.includes('status of 403'))).toEqual([]);
    expect(problems.length).toBe(2);
    await page.close();
  });

  it('tells a form with a stale crumb to reload, and an unknown page that it is not found', async () => {
    const page = await browser.newPage();
    await signIn(page, server.url, 'admin', 'admin-secret-pw');
    await page.goto(`${server.url}job/hello/`);
    await page.evaluate(() => {
      const crumb = document.querySelector<HTMLInputElement>('input[name="Jenkins-Crumb"]');
      if (crumb) crumb.value = 'stale';
    });
    const answer = page.waitForResponse((response) => response.url().endsWith('/job/hello/build'));
    await submitForm(page, '/job/hello/build');
    expect((await answer).status()).toBe(403);
    await expect.poll(() => page.getByRole('heading', { level: 1 }).textContent()).toBe('This form has expired');
    expect(await page.getByRole('link', { name: 'Back to hello' }).count()).toBe(1);

    const missing = await page.goto(`${server.url}job/nothing-here/`);
    expect(missing?.status()).toBe(404);
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Not found');
    await page.close();
  });

  it('keeps Jenkins’ answers for scripts', async () => {
    const response = await fetch(`${server.url}job/hello/config.xml`, { headers: { authorization: `Basic ${Buffer.from('reader:reader-password').toString('base64')}` } });
    expect(response.status).toBe(403);
    const text = await response.text();
    expect(text).toContain('Access Denied');
    expect(text).toContain("Permission you need to have (but didn't): hudson.model.Item.Configure");
  });
});
