import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { launchBrowser, openPage, signIn } from '../../support/browser.js';
import { type ServerProcess, spawnServer } from '../../support/process.js';

/**
 * The first hour on a fresh server (`steward serve` with a generated admin password): the sign-in page
 * says where the password is, the first sign-in suggests changing it, and changing it ends both.
 */
const home = mkdtempSync(join(tmpdir(), 'steward-first-'));
const file = join(home, 'secrets', 'initialAdminPassword');
const NEW_PASSWORD = 'a-passphrase-of-mine';
const servers: ServerProcess[] = [];
let browser: Browser;
let closeBrowser: () => Promise<void>;

async function serve(): Promise<ServerProcess> {
  const server = await spawnServer(['serve', '--port', '0', '--home', home], { STEWARD_ADMIN_PASSWORD: '', STEWARD_HOME: '', STEWARD_CONFIG: '' });
  servers.push(server);
  return server;
}

beforeAll(async () => {
  ({ browser, close: closeBrowser } = await launchBrowser());
}, 60_000);

afterAll(async () => {
  await closeBrowser?.();
  for (const server of servers) server.child.kill('SIGKILL');
  rmSync(home, { recursive: true, force: true });
});

describe('signing in for the first time, in Chromium', () => {
  it('the sign-in page says where the initial password is; signed in with it, every page suggests changing it until it is changed', async () => {
    const server = await serve();
    const password = readFileSync(file, 'utf8').trim();
    const { page, problems } = await openPage(await browser.newContext());
    await page.goto(new URL('login', server.url).href);
    const hint = page.locator('#initial-password-hint');
    expect(await hint.textContent()).toContain('secrets/initialAdminPassword');
    const login = await page.content();
    expect(login).not.toContain(password);
    expect(login).not.toContain(home);

    await signIn(page, server.url, 'admin', password);
    const notice = page.locator('#initial-password-notice');
    expect(await notice.textContent()).toContain('You signed in with the password Steward generated');
    const link = notice.getByRole('link', { name: 'Change your password' });
    expect(await link.getAttribute('href')).toBe('/me/#password-title');
    await Promise.all([page.waitForURL(/\/me\/#password-title$/), link.click()]);
    expect(await page.locator('#initial-password-notice').count()).toBe(1);
    await page.getByLabel('Current password').fill(password);
    await page.getByLabel('New password', { exact: true }).fill(NEW_PASSWORD);
    await page.getByLabel('Confirm new password').fill(NEW_PASSWORD);
    await Promise.all([page.waitForResponse((answer) => answer.request().method() === 'POST'), page.getByRole('button', { name: 'Change password', exact: true }).click()]);
    await page.waitForLoadState();
    // Changed: the file (an old password now) is gone, and so are the notice and the hint.
    expect(existsSync(file)).toBe(false);
    await page.goto(server.url);
    expect(await page.getByRole('heading', { name: 'Dashboard' }).count()).toBe(1);
    expect(await page.locator('#initial-password-notice').count()).toBe(0);
    const fresh = await (await browser.newContext()).newPage();
    await fresh.goto(new URL('login', server.url).href);
    expect(await fresh.locator('#initial-password-hint').count()).toBe(0);
    expect(problems).toEqual([]);
    await fresh.context().close();
    await page.context().close();

    // A file put back with the old password is not believed at the next start: admin's password is checked.
    writeFileSync(file, `${password}\n`, { mode: 0o600 });
    server.child.kill('SIGTERM');
    expect(await server.exited).toBe(0);
    const again = await serve();
    const anonymous = await fetch(new URL('login', again.url));
    expect(await anonymous.text()).not.toContain('initial-password-hint');
  });
});
