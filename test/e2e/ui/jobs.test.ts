import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { launchBrowser, openPage, signIn } from '../../support/browser.js';
import { ADMIN_PASSWORD, FOLDER_XML, jobXml, queueIdOf, startTestServer, type TestServer, waitFor, waitForBuild } from '../../support/server.js';

const run = promisify(execFile);

let server: TestServer;
let browser: Browser;
let closeBrowser: () => Promise<void>;
let context: BrowserContext;
let page: Page;
let problems: string[];
let dialogs: () => number;

const DEFAULT_PASSWORD = 'default-pw-3141';
const TYPED_PASSWORD = 'typed-pw-2718';
const IMG = '<img src=x onerror=alert(2)>';
/** A job name that must survive HTML, URLs and the shell: spaces and both kinds of quote. */
const QUOTED = `it's a "quoted" job`;

function parameter(kind: string, name: string, inner: string, description = ''): string {
  return `<hudson.model.${kind}ParameterDefinition><name>${name}</name><description>${description}</description>${inner}</hudson.model.${kind}ParameterDefinition>`;
}

const esc = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

const PARAMETERS = [
  parameter('String', 'STRING', `<defaultValue>${esc(IMG)}</defaultValue><trim>false</trim>`, 'Any text'),
  parameter('Text', 'TEXT', '<defaultValue>line one\nline two</defaultValue>'),
  parameter('Boolean', 'FLAG', '<defaultValue>true</defaultValue>', 'Whether to flag it'),
  parameter('Choice', 'ENV', '<choices>dev\nstaging\nprod</choices>'),
  parameter('Password', 'SECRET', `<defaultValue>${DEFAULT_PASSWORD}</defaultValue>`, 'A secret'),
].join('');

/** Which password the build got, told without printing it. */
const SECRET_CHECK = `if [ "$SECRET" = "${TYPED_PASSWORD}" ]; then echo SECRET_WAS_TYPED; elif [ "$SECRET" = "${DEFAULT_PASSWORD}" ]; then echo SECRET_WAS_DEFAULT; fi`;

beforeAll(async () => {
  server = await startTestServer();
  await server.createJob('hello', jobXml({ steps: ['echo hello'] }));
  await server.createJob('params', jobXml({ description: '<script>alert(1)</script>', parameters: PARAMETERS, steps: [SECRET_CHECK] }));
  await server.createJob('team', FOLDER_XML);
  await server.createJob(
    'team/deploy',
    jobXml({ description: 'Deploys the app.', parameters: parameter('Choice', 'TARGET', '<choices>staging\nproduction</choices>') + parameter('String', 'VERSION', '<defaultValue>main</defaultValue><trim>true</trim>'), steps: ['echo "deploying $VERSION to $TARGET"'] }),
  );
  await server.createJob(QUOTED, jobXml({ steps: ['echo quoted'] }));
  expect((await server.fetch('/job/hello/build', { method: 'POST' })).status).toBe(201);
  await waitForBuild(server, '/job/hello', 1);
  ({ browser, close: closeBrowser } = await launchBrowser());
  context = await browser.newContext({ viewport: { width: 1280, height: 720 } });
  ({ page, problems, dialogs } = await openPage(context));
  await signIn(page, server.url, 'admin', ADMIN_PASSWORD);
}, 60_000);

afterAll(async () => {
  await context?.close();
  await closeBrowser?.();
  await server?.stop();
});

/** The values of a build's parameters as `api/json` shows them (passwords without a value). */
async function buildParameters(path: string): Promise<Record<string, unknown>> {
  const json = (await (await server.fetch(`${path}api/json`)).json()) as { actions: Array<{ _class?: string; parameters?: Array<{ name: string; value?: unknown }> }> };
  const action = json.actions.find((entry) => entry._class === 'hudson.model.ParametersAction');
  return Object.fromEntries((action?.parameters ?? []).map((entry) => [entry.name, entry.value]));
}

/** Forgets the console's note of a refusal the test caused on purpose (Chromium logs every 4xx page). */
function expectRefusalLogged(status: number): void {
  expect(problems.length).toBeGreaterThan(0);
  for (const problem of problems) expect(problem).toBe(`Failed to load resource: the server responded with a status of ${status} (Bad Request)`);
  problems.splice(0);
}

async function causesOf(path: string): Promise<string[]> {
  const json = (await (await server.fetch(`${path}api/json`)).json()) as { actions: Array<{ _class?: string; causes?: Array<{ shortDescription: string }> }> };
  return json.actions.flatMap((entry) => entry.causes ?? []).map((cause) => cause.shortDescription);
}

/** Submits a form by pressing a button and returns the answer to the POST (before any redirect is followed). */
async function submit(button: ReturnType<Page['getByRole']>, path: string): Promise<{ status: number; location: string | undefined }> {
  const [response] = await Promise.all([page.waitForResponse((answer) => answer.request().method() === 'POST' && new URL(answer.url()).pathname === path), button.click()]);
  await page.waitForLoadState();
  return { status: response.status(), location: response.headers().location };
}

describe('the job page in Chromium', () => {
  it('shows the history with causes; Build Now queues a build and lands back on the job page', async () => {
    await page.goto(`${server.url}job/hello/`);
    await expect.poll(() => page.getByRole('heading', { level: 1, name: 'hello' }).count()).toBe(1);
    const history = page.locator('#history');
    expect(await history.getByRole('link', { name: '#1' }).count()).toBe(1);
    expect(await history.getByText('Started by user admin').count()).toBe(1);
    expect(await history.getByRole('cell', { name: 'Success' }).count()).toBe(1);
    // A job without parameters has Build Now, not the parameters link; the admin sees every action.
    expect(await page.getByRole('link', { name: 'Build with Parameters' }).count()).toBe(0);
    for (const name of ['Configure', 'Permissions']) expect(await page.getByRole('link', { name, exact: true }).count()).toBe(1);

    const answer = await submit(page.getByRole('button', { name: 'Build Now' }), '/job/hello/build');
    expect(answer.status).toBe(303);
    expect(answer.location).toBe(`${server.url}job/hello/`);
    expect(page.url()).toBe(`${server.url}job/hello/`);
    await waitForBuild(server, '/job/hello', 2);
    // The page script refreshes the history in place.
    await expect.poll(() => history.getByRole('link', { name: '#2' }).count(), { timeout: 6000 }).toBe(1);
    expect(await history.getByText('Started by user admin').count()).toBe(2);
    await page.screenshot({ path: 'docs/screenshots/job.png' });
    expect(dialogs()).toBe(0);
    expect(problems).toEqual([]);
  });

  it('Build with Parameters: defaults filled in, changed values reach the build, an unchecked box is false, passwords never shown', async () => {
    // Scripts keep Jenkins' 405 for a GET on a parameterized job's /build.
    const scripted = await server.fetch('/job/params/build');
    expect(scripted.status).toBe(405);
    expect(scripted.headers.get('x-steward-reason')).toBe('parameters_form_required');

    await page.goto(`${server.url}job/params/`);
    // The description is text, not markup.
    expect(await page.getByText('<script>alert(1)</script>').count()).toBe(1);
    expect(await page.getByRole('button', { name: 'Build Now' }).count()).toBe(0);
    await Promise.all([page.waitForURL(/\/job\/params\/build\?delay=0sec$/), page.getByRole('link', { name: 'Build with Parameters' }).click()]);
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Build params');
    expect(await page.getByLabel('STRING').inputValue()).toBe(IMG);
    expect(await page.getByText('Any text').count()).toBe(1);
    expect(await page.getByLabel('TEXT').inputValue()).toBe('line one\nline two');
    expect(await page.getByLabel('FLAG').isChecked()).toBe(true);
    expect(await page.getByLabel('ENV').inputValue()).toBe('dev');
    expect(await page.getByLabel('SECRET').getAttribute('type')).toBe('password');
    expect(await page.getByLabel('SECRET').inputValue()).toBe('');
    expect(await page.content()).not.toContain(DEFAULT_PASSWORD);
    await page.screenshot({ path: 'docs/screenshots/build-with-parameters.png' });

    await page.getByLabel('STRING').fill('changed value');
    await page.getByLabel('TEXT').fill('new\nlines');
    await page.getByLabel('FLAG').uncheck();
    await page.getByLabel('ENV').selectOption('prod');
    await page.getByLabel('SECRET').fill(TYPED_PASSWORD);
    const answer = await submit(page.getByRole('button', { name: 'Build', exact: true }), '/job/params/build');
    expect(answer.status).toBe(303);
    expect(page.url()).toBe(`${server.url}job/params/`);
    await waitForBuild(server, '/job/params', 1);
    expect(await buildParameters('/job/params/1/')).toEqual({ STRING: 'changed value', TEXT: 'new\nlines', FLAG: false, ENV: 'prod', SECRET: undefined });
    expect(await (await server.fetch('/job/params/1/consoleText')).text()).toContain('SECRET_WAS_TYPED');

    // Untouched, the form sends the defaults: the box stays checked and an empty password means its default.
    await page.goto(`${server.url}job/params/build?delay=0sec`);
    expect(await submit(page.getByRole('button', { name: 'Build', exact: true }), '/job/params/build')).toMatchObject({ status: 303 });
    await waitForBuild(server, '/job/params', 2);
    expect(await buildParameters('/job/params/2/')).toEqual({ STRING: IMG, TEXT: 'line one\nline two', FLAG: true, ENV: 'dev', SECRET: undefined });
    expect(await (await server.fetch('/job/params/2/consoleText')).text()).toContain('SECRET_WAS_DEFAULT');

    await page.reload();
    await expect.poll(() => page.locator('#history').getByRole('link', { name: '#2' }).count(), { timeout: 6000 }).toBe(1);
    const html = await page.content();
    expect(html).not.toContain(TYPED_PASSWORD);
    expect(html).not.toContain(DEFAULT_PASSWORD);
    // The default with markup shows as text in the ready-made commands too.
    expect(await page.locator('#cmd-api-curl').textContent()).toContain(`--data-urlencode 'STRING=${IMG}'`);
    expect(await page.locator('img').count()).toBe(0);

    // A choice the job does not offer (a tampered form) comes back as the form, values kept, the error beside its field.
    await page.goto(`${server.url}job/params/build?delay=0sec`);
    await page.getByLabel('STRING').fill('kept');
    await page.getByLabel('ENV').evaluate((select: HTMLSelectElement) => {
      (select.options[0] as HTMLOptionElement).value = 'qa';
    });
    const refused = await submit(page.getByRole('button', { name: 'Build', exact: true }), '/job/params/build');
    expect(refused.status).toBe(400);
    expectRefusalLogged(400);
    expect(await page.getByLabel('ENV').getAttribute('aria-invalid')).toBe('true');
    expect(await page.locator('#parameter-ENV-error').textContent()).toContain('"qa" is not a valid choice for parameter ENV.');
    expect(await page.getByLabel('STRING').inputValue()).toBe('kept');
    expect(((await (await server.fetch('/job/params/api/json?tree=nextBuildNumber')).json()) as { nextBuildNumber: number }).nextBuildNumber).toBe(3);
    expect(dialogs()).toBe(0);
    expect(problems).toEqual([]);
  });

  it('Trigger remotely: real URLs, a trigger token made in the browser works from a script until it is revoked', async () => {
    await page.goto(`${server.url}job/team/job/deploy/`);
    const panel = page.getByRole('region', { name: 'Trigger remotely' });
    // Folded by default, opened with its summary (a <details>: a button to assistive technology and the keyboard).
    const fold = panel.locator('details');
    expect(await fold.getAttribute('open')).toBeNull();
    expect(await panel.locator('#cmd-api-curl').isVisible()).toBe(false);
    const summary = panel.getByText('Commands that start deploy from a script, and its trigger tokens');
    await summary.focus();
    await page.keyboard.press('Enter');
    expect(await fold.getAttribute('open')).not.toBeNull();
    expect(await panel.locator('#cmd-api-curl').isVisible()).toBe(true);
    expect(await panel.locator('#cmd-api-curl').textContent()).toBe(`curl -X POST -u admin:API_TOKEN ${server.url}job/team/job/deploy/buildWithParameters --data TARGET=staging --data VERSION=main`);
    expect(await panel.locator('#cmd-token-curl').textContent()).toBe(`curl -X POST -H 'X-Steward-Token: TOKEN' '${server.url}buildByToken/buildWithParameters?job=team/deploy' --data TARGET=staging --data VERSION=main`);
    expect(await panel.locator('#cmd-api-cli').textContent()).toBe(`steward build team/deploy -p TARGET=staging -p VERSION=main -s -v --server ${server.url} --auth admin:API_TOKEN`);
    expect(await panel.getByText('No trigger token covers deploy yet.').count()).toBe(1);

    // A date in the past is refused beside its field, the name kept.
    await panel.getByLabel('Token name').fill('example-deploy-bot');
    await panel.getByLabel('Expires (UTC, optional)').fill('2001-01-01T00:00');
    const refused = await submit(panel.getByRole('button', { name: 'Create trigger token' }), '/job/team/job/deploy/triggerTokens');
    expect(refused.status).toBe(400);
    expectRefusalLogged(400);
    expect(await page.getByLabel('Expires (UTC, optional)').getAttribute('aria-invalid')).toBe('true');
    expect(await page.locator('#token-expires-error').textContent()).toContain('must be in the future');
    expect(await page.getByLabel('Token name').inputValue()).toBe('example-deploy-bot');

    await page.getByLabel('Expires (UTC, optional)').fill('');
    const created = await submit(page.getByRole('button', { name: 'Create trigger token' }), '/job/team/job/deploy/triggerTokens');
    expect(created.status).toBe(200);
    const value = ((await page.locator('#token-value').textContent()) ?? '').trim();
    expect(value).toMatch(/^stwt_/);
    expect(await page.getByRole('button', { name: 'Copy the new trigger token' }).count()).toBe(1);
    expect(await page.locator('#cmd-token-curl').textContent()).toContain(`-H 'X-Steward-Token: ${value}'`);
    expect(await page.locator('#cmd-token-cli').textContent()).toContain(`--token ${value}`);
    await page.locator('#trigger-remotely').scrollIntoViewIfNeeded();
    await page.screenshot({ path: 'docs/screenshots/trigger-remotely.png' });

    // A script uses it, as the page says: no user, the token in a header.
    const trigger = () => fetch(`${server.url}buildByToken/buildWithParameters?job=team/deploy`, { method: 'POST', headers: { 'X-Steward-Token': value }, redirect: 'manual' });
    const accepted = await trigger();
    expect(accepted.status).toBe(201);
    queueIdOf(accepted);
    await waitForBuild(server, '/job/team/job/deploy', 1);
    expect((await causesOf('/job/team/job/deploy/1/')).join('\n')).toContain("Started by trigger token 'example-deploy-bot' (created by admin)");

    // Shown once: the page itself never shows it again, but lists the token with its use.
    await page.goto(`${server.url}job/team/job/deploy/`);
    expect(await page.content()).not.toContain(value);
    await expect.poll(() => page.locator('#history').getByText("Started by trigger token 'example-deploy-bot'").count(), { timeout: 6000 }).toBe(1);
    await page.locator('#trigger-remotely summary').click();
    const row = page.locator('table.trigger-tokens').getByRole('row').filter({ hasText: 'example-deploy-bot' });
    expect(await row.getByRole('cell').nth(4).textContent()).toBe('1');
    // On a phone the page does not scroll sideways: commands wrap, the token table scrolls in its box.
    await page.setViewportSize({ width: 390, height: 844 });
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    if (process.env.JOBS_PHONE_SHOT) await page.screenshot({ path: process.env.JOBS_PHONE_SHOT, fullPage: true });
    await page.setViewportSize({ width: 1280, height: 720 });

    const revoked = await submit(page.getByRole('button', { name: 'Revoke example-deploy-bot' }), '/job/team/job/deploy/triggerTokens/revoke');
    expect(revoked.status).toBe(303);
    expect(new URL(page.url()).pathname).toBe('/job/team/job/deploy/');
    // The answer lands on #trigger-remotely, and the page script opens the panel it names.
    expect(new URL(page.url()).hash).toBe('#trigger-remotely');
    expect(await page.locator('#trigger-remotely details').getAttribute('open')).not.toBeNull();
    expect(await page.getByRole('button', { name: 'Revoke example-deploy-bot' }).count()).toBe(0);
    const refusedAfter = await trigger();
    expect(refusedAfter.status).toBe(401);
    expect(refusedAfter.headers.get('x-steward-reason')).toBe('token_revoked');
    await page.reload();
    expect(await page.content()).not.toContain(value);
    expect(dialogs()).toBe(0);
    expect(problems).toEqual([]);
  });

  it('quotes names for the shell and the URL: the command shown for a job named with quotes and spaces works as copied', async () => {
    await page.goto(`${server.url}job/${encodeURIComponent(QUOTED)}/`);
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe(QUOTED);
    const command = ((await page.locator('#cmd-api-curl').textContent()) ?? '').replace('API_TOKEN', server.adminToken);
    const { stdout } = await run('bash', ['-c', `${command} -s -o /dev/null -w '%{http_code}'`]);
    expect(stdout).toBe('201');
    const build = await waitFor(async () => {
      const response = await server.fetch(`/job/${encodeURIComponent(QUOTED)}/1/api/json`);
      return response.status === 200 ? response : undefined;
    });
    expect(build.status).toBe(200);
    expect(problems).toEqual([]);
  });

  it('shows a folder with its items and actions', async () => {
    await page.goto(`${server.url}job/team/`);
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('team');
    expect(await page.getByText('a folder').count()).toBe(1);
    expect(await page.locator('#items').getByRole('link', { name: 'deploy', exact: true }).count()).toBe(1);
    for (const name of ['New item', 'Configure', 'Permissions']) expect(await page.getByRole('main').getByRole('link', { name, exact: true }).count()).toBe(1);
    await page.getByText('Delete this folder').click();
    expect(await page.getByRole('button', { name: 'Delete folder team' }).isVisible()).toBe(true);
    expect(problems).toEqual([]);
  });
});
