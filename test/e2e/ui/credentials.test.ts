import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { launchBrowser, signIn, watchProblems } from '../../support/browser.js';
import { ADMIN_PASSWORD, FOLDER_XML, startTestServer, type TestServer } from '../../support/server.js';

/** A folder's credentials page in Chromium: add a secret text, see it listed without its secret, replace it, delete it. */
let server: TestServer;
let browser: Browser;
let closeBrowser: () => Promise<void>;
let page: Page;
let problems: string[];

beforeAll(async () => {
  server = await startTestServer();
  await server.createJob('team', FOLDER_XML);
  ({ browser, close: closeBrowser } = await launchBrowser());
  page = await (await browser.newContext({ viewport: { width: 1280, height: 720 } })).newPage();
  problems = watchProblems(page);
  await signIn(page, server.url, 'admin', ADMIN_PASSWORD);
}, 60_000);
afterAll(async () => {
  await closeBrowser?.();
  await server?.stop();
});

describe('credentials pages', () => {
  it("adds, shows as set, replaces and deletes a folder's credential; the secret never comes back", async () => {
    await page.goto(new URL('job/team/', server.url).toString());
    await page.getByRole('link', { name: 'Credentials' }).click();
    await expect(page.getByRole('heading', { name: 'Credentials of team' })).toBeTruthy();
    await page.getByLabel('Id').fill('registry');
    await page.getByLabel('Description').fill('pushes images');
    await page.getByLabel('Secret').fill('ui-secret-4d5e6f');
    await page.getByRole('button', { name: 'Add credential' }).click();
    await page.waitForLoadState();
    expect(await page.getByRole('status').textContent()).toContain('not shown again');
    expect(await page.content()).not.toContain('ui-secret-4d5e6f');
    await page.getByRole('link', { name: 'registry' }).click();
    expect(await page.locator('dl.facts').textContent()).toContain('set');
    expect(await page.content()).not.toContain('ui-secret-4d5e6f');
    await page.getByLabel('Secret').fill('ui-secret-replaced');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.waitForLoadState();
    const shown = await (await server.fetch('/job/team/credentials/store/folder/domain/_/credential/registry/config.xml')).text();
    expect(shown).toContain('<secret><secret-redacted/></secret>');
    await page.getByRole('button', { name: 'Delete registry' }).click();
    await page.waitForLoadState();
    expect(await page.getByText('There are no credentials here.').isVisible()).toBe(true);
    expect(problems).toEqual([]);
  });
});
