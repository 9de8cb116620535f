import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';
import { launchBrowser, openPage, signIn } from '../../support/browser.js';
import { ADMIN_PASSWORD, jobXml, startTestServer, type TestServer, waitForBuild, waitForLog } from '../../support/server.js';

let server: TestServer;
let browser: Browser;
let closeBrowser: () => Promise<void>;
let context: BrowserContext;
let page: Page;
let problems: string[];
let dialogs: () => number;

const JOB = '/job/team/job/deploy';
const PASSWORD_DEFAULT = 's3cr3t-default-value';
const COMMAND = 'echo "greeting=$GREETING color=$COLOR flag=$FLAG secret=$SECRET length=${#SECRET}"';

beforeAll(async () => {
  server = await startTestServer();
  ({ browser, close: closeBrowser } = await launchBrowser());
  context = await browser.newContext({ viewport: { width: 1280, height: 720 } });
  ({ page, problems, dialogs } = await openPage(context));
  await signIn(page, server.url, 'admin', ADMIN_PASSWORD);
}, 60_000);

afterAll(async () => {
  await closeBrowser?.();
  await server?.stop();
});

/**
 * What the page reported beyond the refusals the test asked for: Chromium logs every 400 page it
 * loads as "Failed to load resource", which is the status the forms are meant to answer here.
 */
function unexpected(reported: readonly string[]): string[] {
  return reported.filter((problem) => !/^Failed to load resource: the server responded with a status of 400 \(Bad Request\)$/.test(problem));
}

/** The number the job's next build will get. */
async function nextBuild(): Promise<number> {
  return ((await (await server.fetch(`${JOB}/api/json?tree=nextBuildNumber`)).json()) as { nextBuildNumber: number }).nextBuildNumber;
}

/** Presses a submit button and returns the status of the page the browser ends on (a 303 is followed). */
async function submit(on: Page, button: Locator): Promise<number> {
  const [response] = await Promise.all([on.waitForNavigation(), button.click()]);
  return response?.status() ?? 0;
}

function save(on: Page): Promise<number> {
  return submit(on, on.getByRole('button', { name: 'Save', exact: true }));
}

async function addParameter(on: Page, type: string): Promise<void> {
  await on.getByLabel('Type of the new parameter').selectOption(type);
  expect(await submit(on, on.getByRole('button', { name: 'Add parameter' }))).toBe(200);
}

/** The job's (or folder's) own description; each parameter row has a Description too. */
function description(on: Page): Locator {
  return on.getByRole('region', { name: 'General' }).getByLabel('Description');
}

function parameter(on: Page, label: string): Locator {
  return on.getByRole('group', { name: label });
}

/** The input is marked invalid, and the message it points to says `message`. */
async function expectFieldError(on: Page, input: Locator, message: RegExp): Promise<void> {
  expect(await input.getAttribute('aria-invalid')).toBe('true');
  const errorId = (await input.getAttribute('aria-describedby'))?.split(' ').find((id) => id.endsWith('-error'));
  expect(errorId).toBeDefined();
  expect(await on.locator(`[id="${errorId}"]`).textContent()).toMatch(message);
  expect(await on.locator('[aria-invalid="true"]').count()).toBe(1);
}

async function configXml(): Promise<string> {
  const response = await server.fetch(`${JOB}/config.xml`);
  expect(response.status).toBe(200);
  return response.text();
}

describe('creating and configuring jobs and folders in Chromium', () => {
  it('creates a folder and a job in it from New item, configures the job, and a build runs with those settings', async () => {
    await page.goto(server.url);
    await Promise.all([page.waitForURL(/\/newJob$/), page.getByRole('link', { name: 'New item' }).click()]);
    expect(await page.getByLabel('Freestyle job').isChecked()).toBe(true);
    await page.getByLabel('Name', { exact: true }).fill('team');
    await page.getByLabel('Folder', { exact: true }).check();
    await page.screenshot({ path: 'docs/screenshots/new-item.png' });
    await page.setViewportSize({ width: 390, height: 844 });
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    await page.setViewportSize({ width: 1280, height: 720 });
    expect(await submit(page, page.getByRole('button', { name: 'Create' }))).toBe(200);
    expect(new URL(page.url()).pathname).toBe('/job/team/configure');
    await description(page).fill('Everything the team deploys.');
    expect(await save(page)).toBe(200);
    expect(new URL(page.url()).pathname).toBe('/job/team/');
    expect(await (await server.fetch('/job/team/config.xml')).text()).toContain('<description>Everything the team deploys.</description>');

    await page.goto(new URL('job/team/newJob', server.url).href);
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('New item in team');
    await page.getByLabel('Name', { exact: true }).fill('deploy');
    expect(await submit(page, page.getByRole('button', { name: 'Create' }))).toBe(200);
    expect(new URL(page.url()).pathname).toBe(`${JOB}/configure`);

    // Rows are added by the form's own buttons; what was typed survives each re-render.
    await addParameter(page, 'string');
    await parameter(page, 'Parameter 1 (String)').getByLabel('Name', { exact: true }).fill('GREETING');
    await parameter(page, 'Parameter 1 (String)').getByLabel('Default value').fill('hello world');
    await addParameter(page, 'choice');
    await parameter(page, 'Parameter 2 (Choice)').getByLabel('Name', { exact: true }).fill('COLOR');
    await parameter(page, 'Parameter 2 (Choice)').getByLabel('Choices').fill('red\ngreen');
    await addParameter(page, 'boolean');
    await parameter(page, 'Parameter 3 (Boolean)').getByLabel('Name', { exact: true }).fill('FLAG');
    await parameter(page, 'Parameter 3 (Boolean)').getByLabel('Ticked by default').check();
    await addParameter(page, 'password');
    expect(await submit(page, page.getByRole('button', { name: 'Add step' }))).toBe(200);
    expect(await parameter(page, 'Parameter 1 (String)').getByLabel('Default value').inputValue()).toBe('hello world');
    expect(await parameter(page, 'Parameter 2 (Choice)').getByLabel('Choices').inputValue()).toBe('red\ngreen');
    expect(await parameter(page, 'Parameter 3 (Boolean)').getByLabel('Ticked by default').isChecked()).toBe(true);
    await parameter(page, 'Parameter 4 (Password)').getByLabel('Name', { exact: true }).fill('SECRET');
    await parameter(page, 'Parameter 4 (Password)').getByLabel('Default value').fill(PASSWORD_DEFAULT);
    await parameter(page, 'Step 1 (shell)').getByLabel('Command').fill(COMMAND);
    await page.getByLabel('Quiet period (seconds)').fill('1');
    await page.getByLabel('Timeout', { exact: true }).fill('10min');
    await page.getByLabel('Builds to keep').fill('20');
    await page.getByLabel('Build periodically').fill('TZ=UTC\nH 3 * * 1-5');
    expect(await save(page)).toBe(200);
    expect(new URL(page.url()).pathname).toBe(`${JOB}/`);

    const xml = await configXml();
    for (const part of ['<name>GREETING</name>', '<defaultValue>hello world</defaultValue>', '<string>red</string><string>green</string>', '<name>FLAG</name>', '<defaultValue>true</defaultValue>', '<name>SECRET</name>', '<quietPeriod>1</quietPeriod>', '<timeoutMinutes>10</timeoutMinutes>', '<numToKeep>20</numToKeep>', 'length=${#SECRET}', '<hudson.triggers.TimerTrigger><spec>TZ=UTC\nH 3 * * 1-5</spec></hudson.triggers.TimerTrigger>']) {
      expect(xml).toContain(part);
    }
    expect(xml).not.toContain(PASSWORD_DEFAULT);

    expect((await server.fetch(`${JOB}/buildWithParameters`, { method: 'POST' })).status).toBe(201);
    expect((await waitForBuild(server, JOB, 1)).result).toBe('SUCCESS');
    const log = await waitForLog(server, `${JOB}/1`, 'Finished');
    expect(log).toContain(`greeting=hello world color=red flag=true secret=**** length=${PASSWORD_DEFAULT.length}`);
    expect(log).not.toContain(PASSWORD_DEFAULT);

    const reopened = await page.goto(new URL(`${JOB.slice(1)}/configure`, server.url).href);
    const html = await reopened?.text();
    expect(html).not.toContain(PASSWORD_DEFAULT);
    expect(await parameter(page, 'Parameter 1 (String)').getByLabel('Name', { exact: true }).inputValue()).toBe('GREETING');
    expect(await parameter(page, 'Parameter 2 (Choice)').getByLabel('Choices').inputValue()).toBe('red\ngreen');
    expect(await parameter(page, 'Parameter 3 (Boolean)').getByLabel('Ticked by default').isChecked()).toBe(true);
    expect(await parameter(page, 'Parameter 4 (Password)').getByLabel('Default value').inputValue()).toBe('');
    expect(await parameter(page, 'Parameter 4 (Password)').textContent()).toContain('A default is set');
    expect(await parameter(page, 'Step 1 (shell)').getByLabel('Command').inputValue()).toBe(COMMAND);
    expect(await page.getByLabel('Quiet period (seconds)').inputValue()).toBe('1');
    expect(await page.getByLabel('Timeout', { exact: true }).inputValue()).toBe('10min');
    expect(await page.getByLabel('Builds to keep').inputValue()).toBe('20');
    expect(await page.getByLabel('Build periodically').inputValue()).toBe('TZ=UTC\nH 3 * * 1-5');
    await page.screenshot({ path: 'docs/screenshots/configure.png', fullPage: true });
    // Nothing is wider than a phone's screen.
    await page.setViewportSize({ width: 390, height: 844 });
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    await page.setViewportSize({ width: 1280, height: 720 });
    expect(unexpected(problems)).toEqual([]);
  });

  it('shows each refusal beside the field at fault with status 400, keeps what was typed, and saves nothing', async () => {
    const before = await configXml();
    const cases: Array<{ what: string; change: () => Promise<void>; input: () => Locator; message: RegExp }> = [
      {
        what: 'a reserved parameter name',
        change: () => parameter(page, 'Parameter 1 (String)').getByLabel('Name', { exact: true }).fill('PATH'),
        input: () => parameter(page, 'Parameter 1 (String)').getByLabel('Name', { exact: true }),
        message: /Parameter name "PATH" is reserved/,
      },
      {
        what: 'a duplicate parameter name',
        change: () => parameter(page, 'Parameter 3 (Boolean)').getByLabel('Name', { exact: true }).fill('GREETING'),
        input: () => parameter(page, 'Parameter 3 (Boolean)').getByLabel('Name', { exact: true }),
        message: /Parameter "GREETING" is declared twice/,
      },
      { what: 'a negative quiet period', change: () => page.getByLabel('Quiet period (seconds)').fill('-1'), input: () => page.getByLabel('Quiet period (seconds)'), message: /Quiet period -1 is not a whole number of seconds/ },
      { what: 'a quiet period that is no number', change: () => page.getByLabel('Quiet period (seconds)').fill('abc'), input: () => page.getByLabel('Quiet period (seconds)'), message: /"abc" is not a number/ },
      { what: 'a schedule that is none', change: () => page.getByLabel('Build periodically').fill('H 2 * *'), input: () => page.getByLabel('Build periodically'), message: /"Build periodically" schedule is not valid: "H 2 \* \*": a line has five fields/ },
      { what: 'a timeout that is no duration', change: () => page.getByLabel('Timeout', { exact: true }).fill('soon'), input: () => page.getByLabel('Timeout', { exact: true }), message: /Timeout "soon" is not a duration/ },
      { what: 'an unstable exit code out of range', change: () => parameter(page, 'Step 1 (shell)').getByLabel('Unstable exit code (optional)').fill('300'), input: () => parameter(page, 'Step 1 (shell)').getByLabel('Unstable exit code (optional)'), message: /Unstable return code 300 is not an exit code/ },
    ];
    for (const { what, change, input, message } of cases) {
      await page.goto(new URL(`${JOB.slice(1)}/configure`, server.url).href);
      await description(page).fill(`typed while testing ${what}`);
      await change();
      expect(await save(page), what).toBe(400);
      expect(new URL(page.url()).pathname).toBe(`${JOB}/configure`);
      await expectFieldError(page, input(), message);
      expect(await page.getByRole('alert').textContent()).toContain('Nothing was saved');
      expect(await description(page).inputValue(), what).toBe(`typed while testing ${what}`);
      expect(await parameter(page, 'Parameter 2 (Choice)').getByLabel('Choices').inputValue()).toBe('red\ngreen');
      expect(await parameter(page, 'Step 1 (shell)').getByLabel('Command').inputValue()).toBe(COMMAND);
    }
    expect(await configXml()).toBe(before);

    // New item: a bad or taken name, beside the name field, with the chosen type kept.
    for (const [name, message] of [
      ['a/b', /"\/" is an unsafe character in the name "a\/b"/],
      ['..', /"\.\." is not an allowed name/],
      // Jenkins' rules keep markup out of names; the refusal shows the name as text, never as markup.
      ['<script>alert(1)</script>', /"<" is an unsafe character in the name "<script>alert\(1\)<\/script>"/],
      ['TEAM', /A job already exists with the name "TEAM"/],
    ] as const) {
      await page.goto(new URL('newJob', server.url).href);
      await page.getByLabel('Name', { exact: true }).fill(name);
      await page.getByLabel('Folder', { exact: true }).check();
      expect(await submit(page, page.getByRole('button', { name: 'Create' })), name).toBe(400);
      await expectFieldError(page, page.getByLabel('Name', { exact: true }), message);
      expect(await page.getByLabel('Name', { exact: true }).inputValue()).toBe(name);
      expect(await page.getByLabel('Folder', { exact: true }).isChecked()).toBe(true);
    }
    expect(dialogs()).toBe(0);
    await page.goto(new URL('newJob', server.url).href);
    await page.getByLabel('Name', { exact: true }).fill('copy');
    await page.getByLabel('Copy from (optional)').fill('team/nothing-here');
    expect(await submit(page, page.getByRole('button', { name: 'Create' }))).toBe(400);
    await expectFieldError(page, page.getByLabel('Copy from (optional)'), /No item named "team\/nothing-here"/);
    expect((await server.fetch('/job/copy/api/json')).status).toBe(404);
    expect(unexpected(problems)).toEqual([]);
  });

  it('shows a description and a step with HTML as text, also when the form comes back refused', async () => {
    await page.goto(new URL(`${JOB.slice(1)}/configure`, server.url).href);
    const html = '<script>alert(1)</script>';
    const step = 'echo "<img src=x onerror=alert(2)>"';
    await description(page).fill(html);
    await parameter(page, 'Step 1 (shell)').getByLabel('Command').fill(step);
    await page.getByLabel('Quiet period (seconds)').fill('abc');
    expect(await save(page)).toBe(400);
    expect(await description(page).inputValue()).toBe(html);
    expect(await parameter(page, 'Step 1 (shell)').getByLabel('Command').inputValue()).toBe(step);
    await page.getByLabel('Quiet period (seconds)').fill('1');
    expect(await save(page)).toBe(200);
    await page.goto(new URL(`${JOB.slice(1)}/configure`, server.url).href);
    expect(await description(page).inputValue()).toBe(html);
    expect(await parameter(page, 'Step 1 (shell)').getByLabel('Command').inputValue()).toBe(step);
    expect(await page.locator('img, main script').count()).toBe(0);
    expect(dialogs()).toBe(0);
    // Back to the step the other tests run, saved with Enter: the form's default button is Save, not a Remove.
    await parameter(page, 'Step 1 (shell)').getByLabel('Command').fill(COMMAND);
    const [saved] = await Promise.all([page.waitForNavigation(), page.getByLabel('Quiet period (seconds)').press('Enter')]);
    expect(saved?.status()).toBe(200);
    expect(new URL(page.url()).pathname).toBe(`${JOB}/`);
    expect(await configXml()).toContain('<name>GREETING</name>');
    expect(unexpected(problems)).toEqual([]);
  });

  it('sets and removes the job’s own trigger token without ever showing it', async () => {
    const token = 'job-token-value-42';
    await page.goto(new URL(`${JOB.slice(1)}/configure`, server.url).href);
    expect(await page.locator('#remote-token-state').textContent()).toContain('No token is set');
    await page.getByLabel('Token', { exact: true }).fill(token);
    expect(await save(page)).toBe(200);
    const number = await nextBuild();
    const byToken = await server.fetch(`/buildByToken/buildWithParameters?job=team/deploy&token=${token}`, { auth: null });
    expect(byToken.status).toBe(201);
    const shown = await page.goto(new URL(`${JOB.slice(1)}/configure`, server.url).href);
    expect(await shown?.text()).not.toContain(token);
    expect(await configXml()).not.toContain(token);
    expect(await page.locator('#remote-token-state').textContent()).toContain('A token is set');
    await page.getByLabel('Remove the token').check();
    expect(await save(page)).toBe(200);
    expect((await server.fetch(`/buildByToken/buildWithParameters?job=team/deploy&token=${token}`, { auth: null })).status).toBe(404);
    await waitForBuild(server, JOB, number);
    expect(unexpected(problems)).toEqual([]);
  });

  it('saves a job last written as config.xml without losing the settings Steward keeps but does not act on', async () => {
    const timer = '<hudson.triggers.TimerTrigger><spec>H 2 * * *</spec></hudson.triggers.TimerTrigger>';
    await server.createJob('team/nightly', jobXml({ steps: ['echo nightly'], extra: `<triggers>${timer}</triggers>` }));
    await page.goto(new URL('job/team/job/nightly/configure', server.url).href);
    expect(await parameter(page, 'Step 1 (shell)').getByLabel('Command').inputValue()).toBe('echo nightly');
    await description(page).fill('Runs at night.');
    expect(await save(page)).toBe(200);
    const xml = await (await server.fetch('/job/team/job/nightly/config.xml')).text();
    expect(xml).toContain('<description>Runs at night.</description>');
    expect(xml).toContain('<spec>H 2 * * *</spec>');
    expect(xml).toContain('<command>echo nightly</command>');
    expect(unexpected(problems)).toEqual([]);
  });

  it('adds and removes parameter rows without script, and a saved form keeps the password default', async () => {
    const noScript = await browser.newContext({ javaScriptEnabled: false, viewport: { width: 390, height: 844 } });
    try {
      const other = await noScript.newPage();
      await signIn(other, server.url, 'admin', ADMIN_PASSWORD);
      await other.goto(new URL(`${JOB.slice(1)}/configure`, server.url).href);
      expect(await other.getByRole('group', { name: /^Parameter \d/ }).count()).toBe(4);
      expect(await submit(other, other.getByRole('button', { name: 'Remove parameter 2' }))).toBe(200);
      expect(await other.getByRole('group', { name: /^Parameter \d/ }).count()).toBe(3);
      expect(await parameter(other, 'Parameter 2 (Boolean)').getByLabel('Name', { exact: true }).inputValue()).toBe('FLAG');
      await addParameter(other, 'text');
      await parameter(other, 'Parameter 4 (Multi-line text)').getByLabel('Name', { exact: true }).fill('NOTES');
      await parameter(other, 'Parameter 4 (Multi-line text)').getByLabel('Default value').fill('first line\nsecond line');
      // Nothing is saved until Save.
      expect(await configXml()).toContain('<name>COLOR</name>');
      expect(await save(other)).toBe(200);
      const xml = await configXml();
      expect(xml).not.toContain('<name>COLOR</name>');
      expect(xml).toContain('<defaultValue>first line\nsecond line</defaultValue>');
      const number = await nextBuild();
      expect((await server.fetch(`${JOB}/buildWithParameters`, { method: 'POST' })).status).toBe(201);
      const log = await waitForLog(server, `${JOB}/${number}`, 'Finished');
      expect(log).toContain(`secret=**** length=${PASSWORD_DEFAULT.length}`);
    } finally {
      await noScript.close();
    }
  });
});
