import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { launchBrowser, signIn, watchProblems } from '../../support/browser.js';
import { ADMIN_PASSWORD, basicAuth, FOLDER_XML, jobXml, startTestServer, type TestServer } from '../../support/server.js';

let server: TestServer;
let browser: Browser;
let closeBrowser: () => Promise<void>;
let admin: { context: BrowserContext; page: Page; problems: string[] };
let dev: { context: BrowserContext; page: Page; problems: string[] };
/** dev's API token, made through the native API once dev may read. */
let devToken = '';

const DEV_PASSWORD = 'dev-password-1';

async function signedIn(user: string, password: string): Promise<{ context: BrowserContext; page: Page; problems: string[] }> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 720 } });
  const page = await context.newPage();
  const problems = watchProblems(page);
  await signIn(page, server.url, user, password);
  return { context, page, problems };
}

/** Clicks a submit button and waits for the answer to the POST it sends. */
async function submit(page: Page, button: string, path: string): Promise<number> {
  const [response] = await Promise.all([
    page.waitForResponse((answer) => answer.request().method() === 'POST' && new URL(answer.url()).pathname === path),
    page.getByRole('button', { name: button, exact: true }).click(),
  ]);
  await page.waitForLoadState();
  return response.status();
}

/** A script's trigger, as dev with an API token (no crumb needed). */
function devTrigger(jobPath: string): Promise<Response> {
  return server.fetch(`${jobPath}build`, { method: 'POST', auth: basicAuth('dev', devToken) });
}

/** The console errors a page logs for answers we meant to give with a 4xx status, counted. */
function expectOnlyStatuses(problems: string[], statuses: Record<number, number>): void {
  for (const [status, count] of Object.entries(statuses)) expect(problems.filter((problem) => problem.includes(`status of ${status}`)).length, `console errors for ${status}`).toBe(count);
  expect(problems.filter((problem) => !/status of 4\d\d/.test(problem))).toEqual([]);
}

beforeAll(async () => {
  server = await startTestServer();
  await server.createJob('team', FOLDER_XML);
  await server.createJob('team/app', jobXml({ steps: ['echo app'] }));
  await server.createJob('hello', jobXml({ steps: ['echo hello'] }));
  ({ browser, close: closeBrowser } = await launchBrowser());
  admin = await signedIn('admin', ADMIN_PASSWORD);
}, 60_000);

afterAll(async () => {
  await closeBrowser?.();
  await server?.stop();
});

describe('administration pages in Chromium', () => {
  it('lists the sections, adds the user dev, and shows names with HTML as text', async () => {
    const { page } = admin;
    await page.goto(`${server.url}manage/`);
    for (const name of ['Users', 'Security', 'Trigger tokens', 'Webhooks', 'Audit log']) expect(await page.getByRole('link', { name, exact: true }).count()).toBe(1);

    await page.getByRole('link', { name: 'Users', exact: true }).click();
    await page.getByLabel('User id').fill('dev');
    await page.getByLabel('Full name').fill('Dana Dev');
    await page.getByLabel('Password').fill(DEV_PASSWORD);
    await page.getByLabel('Groups').fill('devs');
    expect(await submit(page, 'Add user', '/manage/users')).toBe(303);
    expect(await page.getByRole('status').textContent()).toContain('The user is created.');
    expect(await page.getByRole('link', { name: 'dev', exact: true }).getAttribute('href')).toBe('/user/dev/');
    const row = page.getByRole('row').filter({ hasText: 'Dana Dev' });
    expect(await row.getByRole('cell').allTextContents()).toEqual(expect.arrayContaining(['devs', '0']));
    // Yourself: no Delete button; dev: one, named for screen readers.
    expect(await page.getByRole('button', { name: 'Delete admin' }).count()).toBe(0);
    expect(await page.getByRole('button', { name: 'Delete dev' }).count()).toBe(1);

    // The domain refuses this group name; the refusal shows it as text beside the field, values kept.
    await page.getByLabel('User id').fill('ops');
    await page.getByLabel('Password').fill('ops-password-1');
    await page.getByLabel('Groups').fill('<i>ops</i>');
    expect(await submit(page, 'Add user', '/manage/users')).toBe(400);
    expect(await page.locator('#groups-error').textContent()).toContain('"<i>ops</i>" is not a valid group name.');
    expect(await page.locator('main i').count()).toBe(0);
    expect(await page.getByLabel('Groups').inputValue()).toBe('<i>ops</i>');
    expect(await page.getByLabel('User id').inputValue()).toBe('ops');
    expect(await page.getByLabel('Groups').getAttribute('aria-invalid')).toBe('true');
    expect(((await (await server.fetch('/steward/api/v1/users')).json()) as Array<{ id: string }>).map((user) => user.id).sort()).toEqual(['admin', 'dev']);
    expectOnlyStatuses(admin.problems, { 400: 1 });
    admin.problems.length = 0;
  });

  it('refuses a matrix nobody can administer, then grants dev Job/Build in the grid and takes it back', async () => {
    const { page } = admin;
    await page.goto(`${server.url}manage/security`);
    await page.getByLabel('Authorization').selectOption('matrix');
    await page.getByLabel('Add a user or group').fill('dev');
    for (const permission of ['Overall/Read', 'Job/Read', 'Job/Build']) await page.getByRole('checkbox', { name: `New user or group: ${permission}`, exact: true }).check();
    // The domain's guard: a matrix in which nobody holds Overall/Administer is refused, nothing saved.
    expect(await submit(page, 'Save', '/manage/security')).toBe(400);
    expect(await page.getByRole('alert').first().textContent()).toContain('This would leave nobody able to administer Steward');
    expect(((await (await server.fetch('/steward/api/v1/security')).json()) as { authorization: string }).authorization).toBe('loggedInUsersCanDoAnything');
    expect(await page.getByRole('checkbox', { name: 'New user or group: Job/Build', exact: true }).isChecked()).toBe(true);
    expect(await page.getByLabel('Add a user or group').inputValue()).toBe('dev');

    // A nonsensical grant: the add row names a group the domain cannot read; shown as text beside it.
    await page.getByLabel('Add a user or group').fill('group:<i>ops</i>');
    expect(await submit(page, 'Save', '/manage/security')).toBe(400);
    expect(await page.locator('#newSid-error').textContent()).toContain('"group:<i>ops</i>" is not a principal.');
    expect(await page.locator('main i').count()).toBe(0);

    await page.getByLabel('Add a user or group').fill('admin');
    for (const permission of ['Overall/Read', 'Job/Read', 'Job/Build']) await page.getByRole('checkbox', { name: `New user or group: ${permission}`, exact: true }).uncheck();
    await page.getByRole('checkbox', { name: 'New user or group: Overall/Administer', exact: true }).check();
    expect(await submit(page, 'Save', '/manage/security')).toBe(303);
    expect(await page.getByRole('status').textContent()).toContain('The security settings are saved.');
    expect(await page.getByRole('checkbox', { name: 'admin: Overall/Administer', exact: true }).isChecked()).toBe(true);

    await page.getByLabel('Add a user or group').fill('dev');
    for (const permission of ['Overall/Read', 'Job/Read', 'Job/Build']) await page.getByRole('checkbox', { name: `New user or group: ${permission}`, exact: true }).check();
    expect(await submit(page, 'Save', '/manage/security')).toBe(303);
    expect(await page.getByRole('checkbox', { name: 'dev: Job/Build', exact: true }).isChecked()).toBe(true);
    expect(await page.getByRole('checkbox', { name: 'dev: Job/Configure', exact: true }).isChecked()).toBe(false);
    expect(await page.getByRole('columnheader', { name: 'Job', exact: true }).count()).toBe(1);
    const policy = (await (await server.fetch('/steward/api/v1/security')).json()) as { authorization: string; grants: Record<string, string[]> };
    expect(policy.authorization).toBe('matrix');
    expect(policy.grants['user:dev']?.sort()).toEqual(['Job/Build', 'Job/Read', 'Overall/Read']);
    await page.locator('#matrix-title').evaluate((heading) => heading.scrollIntoView());
    await page.screenshot({ path: 'docs/screenshots/security.png' });

    dev = await signedIn('dev', DEV_PASSWORD);
    await dev.page.goto(`${server.url}job/hello/`);
    expect(await dev.page.getByRole('button', { name: 'Build Now' }).count()).toBe(1);
    devToken = await nativeTokenOf('dev', DEV_PASSWORD);

    await page.getByRole('checkbox', { name: 'dev: Job/Build', exact: true }).uncheck();
    expect(await submit(page, 'Save', '/manage/security')).toBe(303);
    expect(await page.getByRole('checkbox', { name: 'dev: Job/Build', exact: true }).isChecked()).toBe(false);

    await dev.page.reload();
    expect(await dev.page.getByRole('heading', { level: 1 }).textContent()).toBe('hello');
    expect(await dev.page.getByRole('button', { name: 'Build Now' }).count()).toBe(0);
    const refused = await devTrigger('/job/hello/');
    expect(refused.status).toBe(403);
    expect(refused.headers.get('x-steward-reason')).toBe('permission_missing');
    expect(refused.headers.get('x-required-permission')).toBe('hudson.model.Item.Build');
    expectOnlyStatuses(admin.problems, { 400: 2 });
    expect(dev.problems).toEqual([]);
    admin.problems.length = 0;
  });

  it('grants dev Job/Build on the folder team only, shown as inherited below it', async () => {
    const { page } = admin;
    await page.goto(`${server.url}job/team/security`);
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Security of team');
    // Overall permissions hold only server-wide: the item grid has no column for them.
    expect(await page.getByRole('checkbox', { name: 'New user or group: Overall/Read', exact: true }).count()).toBe(0);
    await page.getByLabel('Add a user or group').fill('dev');
    await page.getByRole('checkbox', { name: 'New user or group: Job/Build', exact: true }).check();
    expect(await submit(page, 'Save', '/job/team/security')).toBe(303);
    expect(await page.getByRole('checkbox', { name: 'dev: Job/Build', exact: true }).isChecked()).toBe(true);
    const grants = (await (await server.fetch('/steward/api/v1/security/grants?item=team/app')).json()) as { grants: object; inherited: Array<{ item: string; grants: Record<string, string[]> }> };
    expect(grants.inherited).toEqual([{ item: 'team', grants: { 'user:dev': ['Job/Build'] } }]);

    expect((await devTrigger('/job/team/job/app/')).status).toBe(201);
    const top = await devTrigger('/job/hello/');
    expect(top.status).toBe(403);
    expect(top.headers.get('x-steward-reason')).toBe('permission_missing');

    await page.goto(`${server.url}job/team/job/app/security`);
    const inherited = page.getByRole('table', { name: 'From team' });
    expect(await inherited.getByRole('row', { name: /dev/ }).count()).toBe(1);
    expect(await inherited.getByText('dev: Job/Build').count()).toBe(1);
    expect(await inherited.getByRole('checkbox').count()).toBe(0);
    expect(admin.problems).toEqual([]);
  });

  it('filters the audit log by outcome and item in a shareable URL', async () => {
    const { page } = admin;
    await page.goto(`${server.url}manage/audit`);
    await page.getByLabel('Outcome').selectOption('refused');
    await page.getByLabel('Item').fill('hello');
    await Promise.all([page.waitForURL(/outcome=refused/), page.getByRole('button', { name: 'Filter' }).click()]);
    const shared = new URL(page.url());
    expect(shared.searchParams.get('item')).toBe('hello');
    const rows = page.locator('table.audit tbody tr');
    expect(await rows.count()).toBe(2);
    for (const text of await rows.allTextContents()) {
      expect(text).toContain('permission_missing');
      expect(text).toContain('refused');
      expect(text).toContain('dev (API token script)');
      expect(text).not.toContain('stwu_');
    }
    await page.screenshot({ path: 'docs/screenshots/audit.png' });

    // The same URL opened afresh shows the same view; the accepted trigger of team/app is not refused.
    await page.goto(shared.href);
    expect(await rows.count()).toBe(2);
    await page.goto(`${server.url}manage/audit?outcome=refused&item=team/app`);
    expect(await page.getByText('No events match.').count()).toBe(1);
    await page.goto(`${server.url}manage/audit?outcome=accepted&item=team/app&action=trigger`);
    expect(await rows.count()).toBe(1);
    expect(await rows.first().textContent()).toContain('accepted');
    // The reason filter, and paging one event at a time.
    await page.goto(`${server.url}manage/audit?reason=permission_missing&limit=1`);
    expect(await rows.count()).toBe(1);
    await page.getByRole('link', { name: 'Older events' }).click();
    expect(await rows.count()).toBe(1);
    expect(await rows.first().textContent()).toContain('permission_missing');
    expect(admin.problems).toEqual([]);
  });

  it('lists a trigger token made through the API and revokes it', async () => {
    const made = await server.fetch('/steward/api/v1/trigger-tokens', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'deploy-bot', items: ['team/app'] }) });
    expect(made.status).toBe(201);
    const { value } = (await made.json()) as { value: string };
    const trigger = () => fetch(new URL('job/team/job/app/build', server.url), { method: 'POST', headers: { authorization: `Bearer ${value}` } });
    expect((await trigger()).status).toBe(201);

    const { page } = admin;
    await page.goto(`${server.url}manage/trigger-tokens`);
    const row = page.getByRole('row').filter({ has: page.getByRole('rowheader', { name: 'deploy-bot' }) });
    const cells = await row.getByRole('cell').allTextContents();
    expect(cells[0]).toBe('team/app');
    expect(cells[1]).toBe('admin');
    expect(cells[4]).toBe('1');
    expect(await page.content()).not.toContain(value);
    expect(await submit(page, 'Revoke deploy-bot', '/manage/trigger-tokens/revoke')).toBe(303);
    expect(await page.getByRole('status').textContent()).toContain('The trigger token is revoked');
    expect(await page.getByRole('rowheader', { name: 'deploy-bot' }).count()).toBe(0);
    const after = await trigger();
    expect(after.status).toBe(401);
    expect(after.headers.get('x-steward-reason')).toBe('token_revoked');
    expect(admin.problems).toEqual([]);
  });

  it('defines a webhook with a secret shown once, and deletes it', async () => {
    const { page } = admin;
    await page.goto(`${server.url}manage/webhooks`);
    await page.getByLabel('Name').fill('gh-main');
    await page.getByLabel('Sender').selectOption('github');
    expect(await submit(page, 'Save webhook', '/manage/webhooks')).toBe(400);
    expect(await page.locator('#jobs-error').textContent()).toContain('triggers no job');
    expect(await page.getByLabel('Name').inputValue()).toBe('gh-main');

    await page.getByLabel('Jobs').fill('hello');
    await page.getByLabel('Events').fill('push');
    expect(await submit(page, 'Save webhook', '/manage/webhooks')).toBe(200);
    const secret = (await page.locator('#webhook-secret').textContent()) ?? '';
    expect(secret).toMatch(/^[0-9a-f]{64}$/);
    expect(await page.locator('#webhook-url').textContent()).toBe(`${server.url}steward/hooks/gh-main`);
    expect(page.url()).not.toContain(secret);
    await page.goto(`${server.url}manage/webhooks`);
    expect(await page.getByRole('rowheader', { name: 'gh-main' }).count()).toBe(1);
    expect(await page.content()).not.toContain(secret);
    expect(await submit(page, 'Delete gh-main', '/manage/webhooks/delete')).toBe(303);
    expect(await page.getByRole('rowheader', { name: 'gh-main' }).count()).toBe(0);
    expect(((await (await server.fetch('/steward/api/v1/webhooks')).json()) as unknown[]).length).toBe(0);
    expectOnlyStatuses(admin.problems, { 400: 1 });
  });

  it('refuses the administration pages to someone who is not an administrator', async () => {
    for (const path of ['manage/', 'manage/security', 'manage/audit', 'job/team/security']) {
      const answer = await dev.page.goto(`${server.url}${path}`);
      expect(answer?.status(), path).toBe(403);
      expect(answer?.headers()['x-steward-reason']).toBe('permission_missing');
      expect(await dev.page.locator('body').textContent()).toContain('Overall/Administer');
    }
    // A forged POST with dev's own crumb changes nothing either.
    await dev.page.goto(`${server.url}job/hello/`);
    const answer = dev.page.waitForResponse((response) => new URL(response.url()).pathname === '/manage/users/delete');
    await dev.page.evaluate(() => {
      const form = document.createElement('form');
      form.method = 'post';
      form.action = '/manage/users/delete';
      const crumb = document.querySelector('input[name="Jenkins-Crumb"]');
      if (crumb) form.append(crumb.cloneNode());
      const id = document.createElement('input');
      id.name = 'id';
      id.value = 'admin';
      form.append(id);
      document.body.append(form);
      form.submit();
    });
    expect((await answer).status()).toBe(403);
    await dev.page.waitForLoadState();
    expect((await server.fetch('/steward/api/v1/users/admin')).status).toBe(200);
    // Chromium reports each refused navigation on the console, sometimes just after its response.
    await expect.poll(() => dev.problems.length).toBe(5);
    expectOnlyStatuses(dev.problems, { 403: 5 });
  });
});

/** An API token made the way the brief's script author does: POST /steward/api/v1/users/ID/tokens with the password and a crumb. */
async function nativeTokenOf(user: string, password: string): Promise<string> {
  const authorization = basicAuth(user, password);
  const { crumb } = (await (await server.fetch('/crumbIssuer/api/json', { auth: authorization })).json()) as { crumb: string };
  const response = await server.fetch(`/steward/api/v1/users/${user}/tokens`, {
    method: 'POST',
    auth: authorization,
    headers: { 'content-type': 'application/json', 'Jenkins-Crumb': crumb },
    body: JSON.stringify({ name: 'script' }),
  });
  expect(response.status).toBe(201);
  return ((await response.json()) as { value: string }).value;
}
