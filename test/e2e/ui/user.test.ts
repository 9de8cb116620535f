import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page, Response as PageResponse } from 'playwright-core';
import { launchBrowser, signIn, watchProblems } from '../../support/browser.js';
import { ADMIN_PASSWORD, basicAuth, createApiToken, jobXml, startTestServer, type TestServer } from '../../support/server.js';

let server: TestServer;
let browser: Browser;
let closeBrowser: () => Promise<void>;

/** A user who may read and build, nothing more. */
const DANA = { id: 'dana', fullName: 'Dana Reyes', password: 'dana-first-pw' };
const NEW_PASSWORD = 'dana-second-pw';
/** A token name that would become markup if it reached the page unescaped. */
const TOKEN_NAME = '<b>ci</b>';

beforeAll(async () => {
  server = await startTestServer();
  const created = await server.fetch('/steward/api/v1/users', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(DANA) });
  expect(created.status).toBe(201);
  const policy = await server.fetch('/steward/api/v1/security', {
    method: 'PATCH',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ authorization: 'matrix', grants: { 'user:admin': ['Overall/Administer'], 'user:dana': ['Overall/Read', 'Job/Read', 'Job/Build'] } }),
  });
  expect(policy.status).toBe(200);
  await server.createJob('hello', jobXml({ steps: ['echo hello'] }));
  ({ browser, close: closeBrowser } = await launchBrowser());
}, 60_000);

afterAll(async () => {
  await closeBrowser?.();
  await server?.stop();
});

/** A script's request: Node's fetch with HTTP Basic and no cookies. */
function script(path: string, secret: string, init: RequestInit = {}): Promise<Response> {
  return fetch(new URL(path, server.url), { ...init, headers: { authorization: basicAuth(DANA.id, secret) }, redirect: 'manual' });
}

const BAD_REQUEST = 'Failed to load resource: the server responded with a status of 400 (Bad Request)';

/** Chromium logs every 400 page it loads; the forms answer 400 on purpose, so those are counted apart from real problems. */
function tally(problems: readonly string[]): { badRequests: number; others: string[] } {
  return { badRequests: problems.filter((problem) => problem === BAD_REQUEST).length, others: problems.filter((problem) => problem !== BAD_REQUEST) };
}

/** Clicks a form's submit button and returns the answer to the POST itself (before any redirect is followed). */
async function submit(page: Page, button: string): Promise<PageResponse> {
  const [response] = await Promise.all([
    page.waitForResponse((answer) => answer.request().method() === 'POST' && answer.request().isNavigationRequest()),
    page.getByRole('button', { name: button, exact: true }).click(),
  ]);
  await page.waitForLoadState();
  return response;
}

describe('your user page in Chromium', () => {
  it('creates an API token shown once, which a script uses until it is revoked in the browser', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 720 } });
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: server.url.replace(/\/$/, '') });
    const page = await context.newPage();
    const problems = watchProblems(page);
    await signIn(page, server.url, DANA.id, DANA.password);
    await page.getByRole('navigation', { name: 'Site' }).getByRole('link', { name: DANA.id, exact: true }).click();
    await page.waitForURL(/\/me\/$/);
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe(DANA.fullName);
    expect(await page.getByRole('link', { name: 'This user in the Jenkins API' }).getAttribute('href')).toBe('/user/dana/api/json?pretty=true');
    expect(await page.getByText('No API tokens.').count()).toBe(1);

    await page.getByLabel('Token name').fill(TOKEN_NAME);
    await page.getByLabel('Expires (optional)').fill('90d');
    const created = await submit(page, 'Create token');
    expect(created.status()).toBe(200);
    expect(page.url()).toBe(`${server.url}me/tokens/new`);
    // The name is text: the heading carries it literally and no <b> element was made of it.
    expect(await page.getByRole('heading', { name: `New API token “${TOKEN_NAME}”` }).count()).toBe(1);
    expect(await page.locator('main b').count()).toBe(0);
    expect(await page.getByText('it will not be shown again').count()).toBe(1);
    const value = ((await page.locator('code#new-token-value').textContent()) ?? '').trim();
    expect(value).toMatch(/^stwu_/);
    expect(await page.locator('#new-token-example').textContent()).toBe(`curl -u dana:${value} ${server.url}api/json`);
    const row = page.locator('table.api-tokens tbody tr', { hasText: TOKEN_NAME });
    expect(await row.locator('td').nth(2).textContent()).toBe('never');
    expect(await row.locator('td').nth(4).textContent()).toMatch(/^in (89|90) days$/);
    expect(await row.locator('td time').last().getAttribute('title')).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC$/);
    await page.screenshot({ path: 'docs/screenshots/user-tokens.png' });
    // At phone width nothing needs sideways scrolling and Revoke stays in reach.
    await page.setViewportSize({ width: 390, height: 844 });
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    expect(await page.getByRole('button', { name: `Revoke ${TOKEN_NAME}` }).isVisible()).toBe(true);
    if (process.env.PHONE_SHOT) await page.screenshot({ path: process.env.PHONE_SHOT, fullPage: true });
    await page.setViewportSize({ width: 1280, height: 720 });
    await page.getByRole('button', { name: 'Copy the token' }).click();
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(value);

    // A script with the token: reads, and builds without a crumb.
    expect((await script('api/json', value)).status).toBe(200);
    const build = await script('job/hello/build', value, { method: 'POST' });
    expect(build.status).toBe(201);
    expect(build.headers.get('location')).toMatch(/\/queue\/item\/\d+\/$/);

    // The page shows the use after a reload, and never the value again.
    await page.goto(`${server.url}me/`);
    expect(await page.content()).not.toContain(value);
    expect(await row.locator('td').nth(2).textContent()).toMatch(/ago/);
    expect(Number(await row.locator('td').nth(3).textContent())).toBeGreaterThanOrEqual(2);

    const revoked = await submit(page, `Revoke ${TOKEN_NAME}`);
    expect(revoked.status()).toBe(303);
    expect(page.url()).toBe(`${server.url}me/?done=token-revoked`);
    expect(await page.getByRole('status').textContent()).toContain('The token was revoked');
    expect(await page.locator('table.api-tokens tbody tr', { hasText: TOKEN_NAME }).count()).toBe(0);
    expect(await page.content()).not.toContain(value);

    const refused = await script('api/json', value);
    expect(refused.status).toBe(401);
    expect(refused.headers.get('x-steward-reason')).toBe('token_revoked');
    expect(server.logLines.join('\n')).not.toContain(value);
    expect(problems).toEqual([]);
    await context.close();
  });

  it('shows a bad token expiry beside its field, and lets an administrator revoke, but not create, another user’s tokens', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    const problems = watchProblems(page);
    await signIn(page, server.url, DANA.id, DANA.password);
    await page.goto(`${server.url}me/`);
    await page.getByLabel('Token name').fill('later');
    await page.getByLabel('Expires (optional)').fill('2001-01-01');
    expect((await submit(page, 'Create token')).status()).toBe(400);
    expect(await page.getByLabel('Expires (optional)').getAttribute('aria-invalid')).toBe('true');
    expect(await page.locator('#token-expires-error').textContent()).toContain('must be in the future');
    expect(await page.getByLabel('Token name').inputValue()).toBe('later');
    expect(await page.locator('table.api-tokens tbody tr', { hasText: 'later' }).count()).toBe(0);
    // Another user's page is for them and administrators only, as in the native API.
    expect((await script('user/admin/', DANA.password)).status).toBe(403);
    await context.close();

    const token = await createApiToken(server.url, DANA.id, DANA.password, 'deploy');
    expect((await script('api/json', token)).status).toBe(200);
    const admin = await browser.newContext();
    const adminPage = await admin.newPage();
    const adminProblems = watchProblems(adminPage);
    await signIn(adminPage, server.url, 'admin', ADMIN_PASSWORD);
    await adminPage.goto(`${server.url}user/dana/`);
    expect(await adminPage.getByRole('button', { name: 'Create token' }).count()).toBe(0);
    expect(await adminPage.getByText('Only dana can create tokens').count()).toBe(1);
    expect(await adminPage.getByLabel('Current password').count()).toBe(0);
    expect((await submit(adminPage, 'Revoke deploy')).status()).toBe(303);
    expect(adminPage.url()).toBe(`${server.url}user/dana/?done=token-revoked`);
    expect((await script('api/json', token)).headers.get('x-steward-reason')).toBe('token_revoked');
    // An administrator sets dana's password without the current one, which signs dana out.
    const danaBrowser = await browser.newContext();
    const danaPage = await danaBrowser.newPage();
    await signIn(danaPage, server.url, DANA.id, DANA.password);
    await adminPage.getByLabel('New password', { exact: true }).fill(DANA.password);
    await adminPage.getByLabel('Confirm new password').fill(DANA.password);
    expect((await submit(adminPage, 'Set password')).status()).toBe(303);
    expect(await adminPage.getByRole('status').textContent()).toContain('The password was set');
    await danaPage.goto(`${server.url}me/`);
    expect(new URL(danaPage.url()).pathname).toBe('/login');
    await danaBrowser.close();
    expect(tally(problems)).toEqual({ badRequests: 1, others: [] });
    expect(adminProblems).toEqual([]);
    await admin.close();
  });

  it('changes the password with the error beside the field at fault, ending the other sessions', async () => {
    const elsewhere = await browser.newContext();
    const otherPage = await elsewhere.newPage();
    await signIn(otherPage, server.url, DANA.id, DANA.password);
    const context = await browser.newContext();
    const page = await context.newPage();
    const problems = watchProblems(page);
    await signIn(page, server.url, DANA.id, DANA.password);
    await page.goto(`${server.url}me/`);
    expect(await page.getByLabel('Current password').getAttribute('autocomplete')).toBe('current-password');
    expect(await page.getByLabel('New password', { exact: true }).getAttribute('autocomplete')).toBe('new-password');
    expect(await page.getByLabel('Confirm new password').getAttribute('autocomplete')).toBe('new-password');

    const attempt = async (current: string, password: string, confirm: string) => {
      await page.getByLabel('Current password').fill(current);
      await page.getByLabel('New password', { exact: true }).fill(password);
      await page.getByLabel('Confirm new password').fill(confirm);
      return (await submit(page, 'Change password')).status();
    };
    const invalid = async () => {
      const fields = { current: page.getByLabel('Current password'), password: page.getByLabel('New password', { exact: true }), confirm: page.getByLabel('Confirm new password') };
      const marked: string[] = [];
      for (const [name, field] of Object.entries(fields)) if ((await field.getAttribute('aria-invalid')) === 'true') marked.push(name);
      return marked;
    };

    expect(await attempt('not-my-password', NEW_PASSWORD, NEW_PASSWORD)).toBe(400);
    expect(await invalid()).toEqual(['current']);
    expect(await page.getByLabel('Current password').getAttribute('aria-describedby')).toBe('current-password-error');
    expect(await page.locator('#current-password-error').textContent()).toBe('The current password is not right.');
    expect(await attempt(DANA.password, 'short', 'short')).toBe(400);
    expect(await invalid()).toEqual(['password']);
    expect(await page.locator('#new-password-error').textContent()).toContain('at least 8 characters');
    expect(await attempt(DANA.password, NEW_PASSWORD, 'something-else')).toBe(400);
    expect(await invalid()).toEqual(['confirm']);
    expect((await script('api/json', DANA.password)).status).toBe(200);

    expect(await attempt(DANA.password, NEW_PASSWORD, NEW_PASSWORD)).toBe(303);
    expect(page.url()).toBe(`${server.url}me/?done=password-changed`);
    expect(await page.getByRole('status').textContent()).toContain('Your password was changed');
    // This browser stays signed in; the other one was signed out.
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe(DANA.fullName);
    await otherPage.goto(`${server.url}me/`);
    expect(new URL(otherPage.url()).pathname).toBe('/login');
    await elsewhere.close();

    expect((await script('api/json', DANA.password)).status).toBe(401);
    expect((await script('api/json', NEW_PASSWORD)).status).toBe(200);
    // The sign-in form refuses the old password and takes the new one.
    const fresh = await browser.newContext();
    const login = await fresh.newPage();
    await login.goto(`${server.url}login`);
    await login.getByLabel('User').fill(DANA.id);
    await login.getByLabel('Password').fill(DANA.password);
    await Promise.all([login.waitForURL(/\/loginError/), login.getByRole('button', { name: 'Sign in' }).click()]);
    expect(await login.getByRole('alert').textContent()).toContain('Invalid username or password');
    await signIn(login, server.url, DANA.id, NEW_PASSWORD);
    await login.goto(`${server.url}me/`);
    expect(await login.getByRole('heading', { level: 1 }).textContent()).toBe(DANA.fullName);
    await fresh.close();
    expect(tally(problems)).toEqual({ badRequests: 3, others: [] });
    await context.close();
  });
});
