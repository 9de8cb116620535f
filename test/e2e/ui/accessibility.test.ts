import { createRequire } from 'node:module';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, openPage, signIn } from '../../support/browser.js';
import { ADMIN_PASSWORD, FOLDER_XML, jobXml, startTestServer, type TestServer, waitForBuild } from '../../support/server.js';

/**
 * Every page of the web interface, checked by axe-core against WCAG 2.0 and 2.1 (levels A and AA) at
 * a wide and a phone-width screen, with content on it (a folder, a job with each kind of parameter, a
 * finished build with a coloured log, tokens, a webhook, a second user); and the keyboard path
 * through the pages a person uses most.
 */

const require = createRequire(import.meta.url);
const AXE_SCRIPT = require.resolve('axe-core/axe.min.js');
const WCAG_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];

const VIEWER_PASSWORD = 'viewer-password-1';

const VIEWPORTS = [
  { name: 'a wide screen', width: 1280, height: 720 },
  { name: 'a phone', width: 390, height: 844 },
] as const;

type Who = 'anonymous' | 'admin' | 'viewer';

/** The pages, as who opens them; `status` and `heading` are what a refusal answers. */
const PAGES: ReadonlyArray<{ name: string; path: string; who: Who; status?: number; heading?: string }> = [
  { name: 'sign-in page', path: 'login', who: 'anonymous' },
  { name: 'dashboard', path: '', who: 'admin' },
  { name: 'folder page', path: 'job/team/', who: 'admin' },
  { name: 'job page', path: 'job/team/job/app/', who: 'admin' },
  { name: 'Build with Parameters form', path: 'job/team/job/app/build?delay=0sec', who: 'admin' },
  { name: 'build page', path: 'job/team/job/app/1/', who: 'admin' },
  { name: 'configure page of a job', path: 'job/team/job/app/configure', who: 'admin' },
  { name: 'configure page of a folder', path: 'job/team/configure', who: 'admin' },
  { name: 'new item page', path: 'newJob', who: 'admin' },
  { name: 'user page', path: 'me/', who: 'admin' },
  { name: 'Manage Steward', path: 'manage/', who: 'admin' },
  { name: 'users', path: 'manage/users', who: 'admin' },
  { name: 'security', path: 'manage/security', who: 'admin' },
  { name: 'folder permissions', path: 'job/team/security', who: 'admin' },
  { name: 'trigger tokens', path: 'manage/trigger-tokens', who: 'admin' },
  { name: 'webhooks', path: 'manage/webhooks', who: 'admin' },
  { name: 'audit log', path: 'manage/audit', who: 'admin' },
  { name: 'refusal page', path: 'job/hello/configure', who: 'viewer', status: 403, heading: 'Not allowed' },
  { name: 'who am I', path: 'whoAmI/', who: 'viewer', heading: 'Who am I?' },
  { name: 'nodes', path: 'computer/', who: 'viewer', heading: 'Nodes' },
];

let server: TestServer;
let browser: Browser;
let closeBrowser: () => Promise<void>;

function parameter(kind: string, name: string, inner: string, description = ''): string {
  return `<hudson.model.${kind}ParameterDefinition><name>${name}</name><description>${description}</description>${inner}</hudson.model.${kind}ParameterDefinition>`;
}

const PARAMETERS = [
  parameter('String', 'STRING', '<defaultValue>main</defaultValue><trim>false</trim>', 'The branch to build'),
  parameter('Text', 'TEXT', '<defaultValue>line one\nline two</defaultValue>', 'Release notes'),
  parameter('Boolean', 'FLAG', '<defaultValue>true</defaultValue>', 'Whether to deploy'),
  parameter('Choice', 'ENV', '<choices>dev\nstaging\nprod</choices>', 'Where to deploy'),
  parameter('Password', 'SECRET', '<defaultValue>default-secret-1</defaultValue>', 'A secret'),
].join('');

/** A log with every basic colour, bold, faint, italic and underline, on the console's dark background. */
const COLOURED_STEPS = [
  "printf '\\033[30mblack\\033[0m \\033[31mred\\033[0m \\033[32mgreen\\033[0m \\033[33myellow\\033[0m \\033[34mblue\\033[0m \\033[35mmagenta\\033[0m \\033[36mcyan\\033[0m \\033[37mwhite\\033[0m\\n'",
  "printf '\\033[90mbright black\\033[0m \\033[91mbright red\\033[0m \\033[92mbright green\\033[0m \\033[93mbright yellow\\033[0m \\033[94mbright blue\\033[0m \\033[95mbright magenta\\033[0m \\033[96mbright cyan\\033[0m \\033[97mbright white\\033[0m\\n'",
  "printf '\\033[1mbold\\033[0m \\033[2mfaint\\033[0m \\033[3mitalic\\033[0m \\033[4munderlined\\033[0m \\033[1;35mbold magenta\\033[0m\\n'",
  "printf '\\033[41;97mwhite on red\\033[0m \\033[42;30mblack on green\\033[0m \\033[44;97mwhite on blue\\033[0m\\n'",
];

async function native(path: string, method: string, body: unknown): Promise<Response> {
  const response = await server.fetch(`/steward/api/v1${path}`, { method, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  expect(response.status, `${method} ${path}`).toBeLessThan(300);
  return response;
}

beforeAll(async () => {
  server = await startTestServer();
  await server.createJob('team', FOLDER_XML);
  await server.createJob('team/app', jobXml({ description: 'Builds and deploys the app.', parameters: PARAMETERS, steps: COLOURED_STEPS }));
  await server.createJob('hello', jobXml({ steps: ['echo hello'] }));
  expect((await server.fetch('/job/team/job/app/buildWithParameters', { method: 'POST' })).status).toBe(201);
  expect((await server.fetch('/job/hello/build', { method: 'POST' })).status).toBe(201);
  await waitForBuild(server, '/job/team/job/app', 1);
  await waitForBuild(server, '/job/hello', 1);
  // A second user who may read and build but not configure; an API token (admin's, made by
  // startTestServer), a trigger token and a webhook, so that every list has a row.
  await native('/users', 'POST', { id: 'viewer', fullName: 'Vera Viewer', password: VIEWER_PASSWORD, groups: ['devs'] });
  await native('/security', 'PATCH', { authorization: 'matrix', grants: { 'user:admin': ['Overall/Administer'], 'user:viewer': ['Overall/Read', 'Job/Read', 'Job/Build'] } });
  await native('/trigger-tokens', 'POST', { name: 'deploy-bot', items: ['team/app'] });
  await native('/webhooks/gh-main', 'PUT', { kind: 'github', secret: 'a-webhook-secret-of-some-length', jobs: ['hello'], events: ['push'], refs: ['refs/heads/main'] });
  ({ browser, close: closeBrowser } = await launchBrowser());
}, 60_000);

afterAll(async () => {
  await closeBrowser?.();
  await server?.stop();
});

/** One rule axe-core found broken, with the elements at fault. */
interface Violation {
  readonly id: string;
  readonly impact: string;
  readonly help: string;
  readonly nodes: ReadonlyArray<{ readonly target: string; readonly summary: string }>;
}

/** What axe reports, one line per element at fault, so that a failing assertion says what to fix. */
function describeViolations(violations: readonly Violation[]): string {
  return violations.map((violation) => `${violation.id} (${violation.impact}): ${violation.help}\n${violation.nodes.map((node) => `    at ${node.target}: ${node.summary}`).join('\n')}`).join('\n');
}

/** Runs axe-core in the page against the WCAG 2.0/2.1 A and AA rules. */
async function runAxe(page: Page): Promise<Violation[]> {
  await page.addScriptTag({ path: AXE_SCRIPT });
  return page.evaluate(async (tags) => {
    const { axe } = window as unknown as { axe: typeof import('axe-core') };
    const results = await axe.run(document, { runOnly: { type: 'tag', values: tags }, resultTypes: ['violations'] });
    return results.violations.map((violation) => ({
      id: violation.id,
      impact: violation.impact ?? 'unknown',
      help: violation.help,
      nodes: violation.nodes.map((node) => ({ target: node.target.join(' '), summary: (node.failureSummary ?? '').replace(/\s+/g, ' ') })),
    }));
  }, WCAG_TAGS);
}

describe.each(VIEWPORTS)('every page on $name ($width×$height) passes axe-core’s WCAG 2.1 AA rules and does not scroll sideways', (viewport) => {
  const contexts = new Map<Who, BrowserContext>();

  beforeAll(async () => {
    for (const who of ['anonymous', 'admin', 'viewer'] as const) {
      // axe has to be injected into the page, which the pages' Content-Security-Policy (script-src
      // 'self', no inline script) rightly forbids; only this test's contexts bypass it, to audit the
      // markup. Every other browser test keeps the CSP and checks that nothing violates it.
      const context = await browser.newContext({ viewport: { width: viewport.width, height: viewport.height }, bypassCSP: true });
      if (who !== 'anonymous') {
        const page = await context.newPage();
        await signIn(page, server.url, who, who === 'admin' ? ADMIN_PASSWORD : VIEWER_PASSWORD);
        await page.close();
      }
      contexts.set(who, context);
    }
  });

  afterAll(async () => {
    for (const context of contexts.values()) await context.close();
  });

  it.each(PAGES)('$name (/$path)', async ({ path, who, status, heading }) => {
    const page = await (contexts.get(who) as BrowserContext).newPage();
    try {
      const response = await page.goto(new URL(path, server.url).href);
      expect(response?.status(), `status of /${path}`).toBe(status ?? 200);
      expect(new URL(page.url()).pathname, 'not sent elsewhere (to the sign-in form)').toBe(new URL(path, server.url).pathname);
      // One top-level heading per page, naming it.
      const headings = await page.getByRole('heading', { level: 1 }).allTextContents();
      expect(headings).toHaveLength(1);
      if (heading) expect(headings[0]).toBe(heading);
      const violations = await runAxe(page);
      expect(violations, `axe-core found on /${path} at ${viewport.width}px:\n${describeViolations(violations)}`).toEqual([]);
      const widths = await page.evaluate(() => ({ scrollWidth: document.documentElement.scrollWidth, innerWidth: window.innerWidth }));
      expect(widths.scrollWidth, `/${path} is wider than the ${widths.innerWidth}px window`).toBeLessThanOrEqual(widths.innerWidth);
    } finally {
      await page.close();
    }
  });
});

describe('the keyboard, with the Content-Security-Policy in force', () => {
  /** The element that has focus, as tag, id and text. */
  const focused = (page: Page) =>
    page.evaluate(() => {
      const element = document.activeElement as HTMLElement | null;
      return { tag: element?.tagName.toLowerCase() ?? '', id: element?.id ?? '', text: (element?.textContent ?? '').trim() };
    });

  it('skips to content, reaches Build Now by Tab and starts a build with Enter', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 720 } });
    const { page, problems, dialogs } = await openPage(context);
    try {
      await signIn(page, server.url, 'admin', ADMIN_PASSWORD);
      await page.goto(`${server.url}job/hello/`);
      await page.keyboard.press('Tab');
      expect(await focused(page)).toEqual({ tag: 'a', id: '', text: 'Skip to content' });
      expect(await page.evaluate(() => getComputedStyle(document.activeElement as Element).outlineStyle)).not.toBe('none');
      await page.keyboard.press('Enter');
      await expect.poll(() => focused(page).then((element) => element.id)).toBe('main');

      const before = ((await (await server.fetch('/job/hello/api/json?tree=nextBuildNumber')).json()) as { nextBuildNumber: number }).nextBuildNumber;
      let reached = false;
      for (let presses = 0; presses < 40 && !reached; presses += 1) {
        await page.keyboard.press('Tab');
        const element = await focused(page);
        reached = element.tag === 'button' && element.text === 'Build Now';
      }
      expect(reached, 'Tab reaches Build Now').toBe(true);
      const [answer] = await Promise.all([page.waitForResponse((response) => response.request().method() === 'POST' && new URL(response.url()).pathname === '/job/hello/build'), page.keyboard.press('Enter')]);
      expect(answer.status()).toBe(303);
      await page.waitForURL(`${server.url}job/hello/`);
      // The build Enter asked for, queued and run.
      await waitForBuild(server, '/job/hello', before);
      expect(dialogs()).toBe(0);
      expect(problems).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it('keeps focus where it is while the page refreshes its build history', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 720 } });
    const { page, problems } = await openPage(context);
    try {
      await signIn(page, server.url, 'admin', ADMIN_PASSWORD);
      await page.goto(`${server.url}job/hello/`);
      let reached = false;
      for (let presses = 0; presses < 40 && !reached; presses += 1) {
        await page.keyboard.press('Tab');
        reached = await page.evaluate(() => document.activeElement?.closest('#history') !== null && document.activeElement?.tagName === 'A');
      }
      expect(reached, 'Tab reaches a build in the history').toBe(true);
      const before = await focused(page);
      // Unchanged, the history is not swapped at all: two of the page script's re-reads go by.
      const refreshed = () => page.waitForResponse((response) => response.request().headers()['x-steward-refresh'] === 'true');
      for (let refreshes = 0; refreshes < 2; refreshes += 1) await refreshed();
      await page.waitForTimeout(100);
      expect(await focused(page)).toEqual(before);
      // A new build changes it: the swapped-in history has one more row, and focus is on the same build's link in it.
      const next = ((await (await server.fetch('/job/hello/api/json?tree=nextBuildNumber')).json()) as { nextBuildNumber: number }).nextBuildNumber;
      expect((await server.fetch('/job/hello/build', { method: 'POST' })).status).toBe(201);
      await waitForBuild(server, '/job/hello', next);
      await expect.poll(() => page.locator('#history').getByRole('link', { name: `#${next}`, exact: true }).count(), { timeout: 6000 }).toBe(1);
      expect(await focused(page)).toEqual(before);
      expect(await page.evaluate(() => document.activeElement?.closest('#history') !== null)).toBe(true);
      expect(problems).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it('tells screen readers that a Copy button copied, and gives the button its name back', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 720 } });
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: server.url.replace(/\/$/, '') });
    const { page, problems } = await openPage(context);
    try {
      await signIn(page, server.url, 'admin', ADMIN_PASSWORD);
      await page.goto(`${server.url}me/`);
      await page.getByLabel('Token name').fill('keyboard');
      await Promise.all([page.waitForURL(`${server.url}me/tokens/new`), page.getByLabel('Token name').press('Enter')]);
      const copy = page.getByRole('button', { name: 'Copy the token', exact: true });
      await copy.focus();
      await page.keyboard.press('Enter');
      await expect.poll(() => page.getByRole('status').filter({ hasText: 'Copied to the clipboard.' }).count()).toBe(1);
      expect(await page.getByRole('button', { name: 'Copied', exact: true }).count()).toBe(1);
      expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(await page.locator('#new-token-value').textContent());
      // Back after a moment: the visible word and the words only screen readers get.
      await expect.poll(() => copy.count(), { timeout: 4000 }).toBe(1);
      expect(await copy.locator('.visually-hidden').textContent()).toBe(' the token');
      expect(await page.getByRole('status').filter({ hasText: 'Copied' }).count()).toBe(0);
      expect(problems).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it('reaches every field of Build with Parameters by Tab, each named by its label and with a visible outline', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 720 } });
    const { page, problems } = await openPage(context);
    try {
      await signIn(page, server.url, 'admin', ADMIN_PASSWORD);
      await page.goto(`${server.url}job/team/job/app/build?delay=0sec`);
      const labels = ['STRING', 'TEXT', 'FLAG', 'ENV', 'SECRET'];
      const outlines = new Map<string, string>();
      for (let presses = 0; presses < 40 && outlines.size < labels.length; presses += 1) {
        await page.keyboard.press('Tab');
        for (const label of labels) {
          if (outlines.has(label)) continue;
          // getByLabel finds an input by its accessible name, which its <label> gives it.
          const style = await page.getByLabel(label, { exact: true }).evaluate((element) => (element === document.activeElement ? getComputedStyle(element).outlineStyle : null));
          if (style !== null) outlines.set(label, style);
        }
      }
      expect([...outlines.keys()].sort(), 'the fields Tab reached').toEqual([...labels].sort());
      for (const [label, style] of outlines) expect(style, `the outline of ${label} while it has focus`).not.toBe('none');
      // And on past the fields to the button that starts the build.
      let reachedBuild = false;
      for (let presses = 0; presses < 5 && !reachedBuild; presses += 1) {
        await page.keyboard.press('Tab');
        const element = await focused(page);
        reachedBuild = element.tag === 'button' && element.text === 'Build';
      }
      expect(reachedBuild, 'Tab reaches the Build button after the fields').toBe(true);
      expect(problems).toEqual([]);
    } finally {
      await context.close();
    }
  });
});
