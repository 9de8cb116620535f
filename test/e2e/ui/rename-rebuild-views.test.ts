import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { signedInPage } from '../../support/browser.js';
import { ADMIN_PASSWORD, jobXml, startTestServer, type TestServer, waitForBuild } from '../../support/server.js';

/** Renaming from the job page, Rebuild on a build's page, and views as tabs, in a real browser. */
let server: TestServer;
let page: Page;
let problems: string[];
let closeBrowser: () => Promise<void>;

beforeAll(async () => {
  server = await startTestServer();
  const parameters = '<hudson.model.StringParameterDefinition><name>WHO</name><defaultValue>nobody</defaultValue></hudson.model.StringParameterDefinition>';
  await server.createJob('draft', jobXml({ parameters, steps: ['echo "who=$WHO"'] }));
  await server.createJob('other', jobXml());
  expect((await server.fetch('/job/draft/buildWithParameters?WHO=carol', { method: 'POST' })).status).toBe(201);
  await waitForBuild(server, '/job/draft', 1);
  ({ page, problems, close: closeBrowser } = await signedInPage(server.url, 'admin', ADMIN_PASSWORD));
}, 60_000);

afterAll(async () => {
  await closeBrowser?.();
  await server?.stop();
});

describe('in the browser', () => {
  it('renames a job from its page and lands on its new page, history intact', async () => {
    await page.goto(new URL('job/draft/', server.url).href);
    await page.getByText('Rename this job').click();
    await page.getByLabel('New name').fill('final');
    await Promise.all([page.waitForURL(/\/job\/final\/$/), page.getByRole('button', { name: 'Rename', exact: true }).click()]);
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toContain('final');
    expect(await page.getByRole('link', { name: '#1', exact: true }).count()).toBeGreaterThan(0);
    expect((await server.fetch('/job/draft/api/json')).status).toBe(404);
    expect(problems).toEqual([]);
  });

  it('rebuilds a build with its parameters from the build page', async () => {
    await page.goto(new URL('job/final/1/', server.url).href);
    await Promise.all([page.waitForURL(/\/job\/final\/$/), page.getByRole('button', { name: 'Rebuild' }).click()]);
    await waitForBuild(server, '/job/final', 2);
    const log = await (await server.fetch('/job/final/2/consoleText')).text();
    expect(log).toMatch(/^Rebuilt from #1 by user admin/);
    expect(log).toContain('who=carol');
    expect(problems).toEqual([]);
  });

  it('shows views as tabs on the dashboard, each listing its own jobs', async () => {
    await page.goto(server.url);
    expect(await page.getByRole('navigation', { name: 'Views' }).count()).toBe(0);
    const created = await server.fetch('/createView?name=Only%20final', { method: 'POST', headers: { 'content-type': 'application/xml' }, body: '<hudson.model.ListView><jobNames><string>final</string></jobNames></hudson.model.ListView>' });
    expect(created.status).toBe(200);
    await page.goto(server.url);
    const tabs = page.getByRole('navigation', { name: 'Views' });
    expect(await tabs.getByRole('link').allTextContents()).toEqual(['all', 'Only final']);
    expect(await tabs.getByRole('link', { name: 'all' }).getAttribute('aria-current')).toBe('page');
    expect(await page.locator('#items').getByRole('link', { name: 'other', exact: true }).count()).toBe(1);
    await Promise.all([page.waitForURL(/\/view\/Only%20final\/$/), tabs.getByRole('link', { name: 'Only final' }).click()]);
    expect(await tabs.getByRole('link', { name: 'Only final' }).getAttribute('aria-current')).toBe('page');
    expect(await page.locator('#items').getByRole('link', { name: 'final', exact: true }).count()).toBe(1);
    expect(await page.locator('#items').getByRole('link', { name: 'other', exact: true }).count()).toBe(0);
    expect(problems).toEqual([]);
  });
});
