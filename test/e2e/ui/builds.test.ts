import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext } from 'playwright-core';
import { launchBrowser, openPage, signIn } from '../../support/browser.js';
import { ADMIN_PASSWORD, jobXml, startTestServer, type TestServer, waitForBuild, waitForLog } from '../../support/server.js';

let server: TestServer;
let browser: Browser;
let closeBrowser: () => Promise<void>;
let admin: BrowserContext;

/** Prints coloured lines with pauses, so that a page opened early follows them live; magenta spans two answers. */
const COLOURS = [
  "printf '\\033[31mred text\\033[0m\\n'",
  "printf '\\033[32mgreen\\033[0m, \\033[33myellow\\033[0m and \\033[4;36munderlined cyan\\033[0m\\n'",
  'sleep 1',
  "printf '\\033[1;35mmagenta start\\n'",
  'sleep 2',
  "echo 'still magenta'",
  "printf '\\033[0m'",
  'sleep 1',
  "echo 'all done'",
].join('\n');

beforeAll(async () => {
  server = await startTestServer({ executors: 4 });
  await server.createJob('colours', jobXml({ steps: [COLOURS] }));
  await server.createJob('markup', jobXml({ steps: ['sleep 1', "echo '<img src=x onerror=alert(1)>'", "echo '</pre><script>alert(2)</script>'"] }));
  await server.createJob('long', jobXml({ steps: ['seq 1 300000'] }));
  await server.createJob('sleeper', jobXml({ steps: ['sleep 60'] }));
  await server.createJob(
    'secretive',
    jobXml({
      steps: ['echo "token is set"'],
      parameters:
        '<hudson.model.StringParameterDefinition><name>TARGET</name><defaultValue>staging &amp; more</defaultValue><trim>false</trim></hudson.model.StringParameterDefinition>' +
        '<hudson.model.PasswordParameterDefinition><name>TOKEN</name><defaultValue>hunter2-very-secret</defaultValue></hudson.model.PasswordParameterDefinition>',
    }),
  );
  ({ browser, close: closeBrowser } = await launchBrowser());
  admin = await browser.newContext({ viewport: { width: 1280, height: 720 } });
  await signIn(await admin.newPage(), server.url, 'admin', ADMIN_PASSWORD);
}, 60_000);

afterAll(async () => {
  await closeBrowser?.();
  await server?.stop();
});

async function trigger(job: string, action = 'build'): Promise<void> {
  expect((await server.fetch(`/job/${job}/${action}`, { method: 'POST' })).status).toBe(201);
}

describe('the build page in Chromium', () => {
  it('follows a running build’s console live, in colour, and shows the result when it ends, without a reload', async () => {
    await trigger('colours');
    await waitForLog(server, '/job/colours/1', 'magenta start');
    const { page, problems } = await openPage(admin);
    const response = await page.goto(`${server.url}job/colours/1/`);
    expect(response?.status()).toBe(200);
    expect(response?.headers()['content-security-policy']).toContain("script-src 'self'");
    await page.evaluate(() => ((window as unknown as { notReloaded: boolean }).notReloaded = true));
    const summary = page.locator('#summary');
    // Opened while it runs: the building animation, words, and Stop for an administrator.
    expect(await summary.getByRole('img', { name: 'Running' }).count()).toBe(1);
    expect(await summary.getByRole('button', { name: 'Stop' }).count()).toBe(1);
    expect(await summary.textContent()).toContain('Started by user admin');
    expect(await page.locator('pre#console[data-follow]').count()).toBe(1);

    await page.locator('#console', { hasText: 'Finished: SUCCESS' }).waitFor({ timeout: 15_000 });
    await expect.poll(() => summary.getByRole('img', { name: 'Success' }).count(), { timeout: 10_000 }).toBe(1);
    expect(await page.evaluate(() => (window as unknown as { notReloaded?: boolean }).notReloaded)).toBe(true);
    expect(await summary.getByRole('button', { name: 'Stop' }).count()).toBe(0);
    expect(await summary.locator('dd', { hasText: /^\d+(\.\d+)? sec$/ }).count()).toBe(1);
    // Colours as classes; a colour set in one answer still holds in the next.
    expect(await page.locator('#console .ansi-red', { hasText: 'red text' }).count()).toBe(1);
    expect(await page.locator('#console .ansi-magenta.ansi-bold', { hasText: 'still magenta' }).count()).toBeGreaterThanOrEqual(1);
    expect(await page.locator('#console span', { hasText: 'all done' }).count()).toBe(0);
    expect(await page.locator('#console').textContent()).not.toContain('\u001b');
    expect(await page.getByRole('link', { name: 'Console as plain text' }).getAttribute('href')).toBe('/job/colours/1/consoleText');
    expect(problems).toEqual([]);

    await page.screenshot({ path: 'docs/screenshots/build.png', fullPage: true });
    await page.setViewportSize({ width: 390, height: 844 });
    await page.screenshot({ path: 'docs/screenshots/build-phone.png', fullPage: true });
    expect(problems).toEqual([]);
    await page.close();
  });

  it('keeps log lines with HTML as text, both rendered by the server and followed live', async () => {
    await trigger('markup');
    await waitForLog(server, '/job/markup/1', '+ sleep 1');
    const { page, problems, dialogs } = await openPage(admin);
    await page.goto(`${server.url}job/markup/1/`);
    const output = page.locator('#console');
    await output.filter({ hasText: 'Finished: SUCCESS' }).waitFor({ timeout: 15_000 });
    await waitForBuild(server, '/job/markup', 1);
    const text = await output.textContent();
    expect(text).toContain('\n<img src=x onerror=alert(1)>\n');
    expect(text).toContain('\n</pre><script>alert(2)</script>\n');
    expect(await page.locator('main img, main script').count()).toBe(0);
    // And again when the whole log is rendered by the server.
    await page.reload();
    expect(await page.locator('#console').textContent()).toContain('\n</pre><script>alert(2)</script>\n');
    expect(await page.locator('main img, main script').count()).toBe(0);
    expect(await page.getByRole('img', { name: 'Success' }).count()).toBe(1);
    expect(dialogs()).toBe(0);
    expect(problems).toEqual([]);
    await page.close();
  });

  it('shows only the head and the tail of a long log, says what is left out, and stays small', async () => {
    await trigger('long');
    await waitForBuild(server, '/job/long', 1, 20_000);
    const full = Buffer.from(await (await server.fetch('/job/long/1/consoleText')).arrayBuffer());
    expect(full.length).toBeGreaterThan(1_900_000);
    const { page, problems } = await openPage(admin);
    const response = await page.goto(`${server.url}job/long/1/`);
    const body = await response!.body();
    expect(body.length).toBeLessThan(400 * 1024);
    // The page script's re-reads of the summary leave the console out.
    const refreshed = await (await server.fetch('/job/long/1/', { headers: { 'X-Steward-Refresh': 'true' } })).text();
    expect(refreshed).toContain('id="summary"');
    expect(refreshed.length).toBeLessThan(16 * 1024);
    const head = (await page.locator('#console-head').textContent()) ?? '';
    expect(head).toContain('\n1\n2\n3\n');
    expect(head).toContain('\n990\n');
    expect(head).not.toContain('\n1200\n');
    expect(head.split('\n').length).toBeLessThanOrEqual(1001);
    const tail = (await page.locator('#console').textContent()) ?? '';
    expect(tail).toContain('\n299999\n300000\nFinished: SUCCESS\n');
    expect(tail).not.toContain('\n200000\n');
    // The tail starts at a line: its first line is a whole number.
    expect(full.toString('utf8')).toContain(`\n${tail.split('\n')[0]}\n`);
    const notice = page.locator('#console-skipped');
    expect(await notice.textContent()).toMatch(/The middle of the log \(1\.\d MiB\) is not shown/);
    expect(await notice.getByRole('link', { name: 'See the whole log as plain text' }).getAttribute('href')).toBe('/job/long/1/consoleText');
    expect(problems).toEqual([]);
    await page.close();
  });

  it('shows parameters with passwords masked, and causes in words', async () => {
    await trigger('secretive', 'buildWithParameters');
    await waitForBuild(server, '/job/secretive', 1);
    const { page, problems } = await openPage(admin);
    const response = await page.goto(`${server.url}job/secretive/1/`);
    const html = (await response!.body()).toString('utf8');
    expect(html).not.toContain('hunter2');
    const table = page.getByRole('table');
    expect(await table.getByRole('columnheader', { name: 'Value' }).count()).toBe(1);
    expect(await table.getByRole('row', { name: /TARGET/ }).textContent()).toContain('staging & more');
    expect(await table.getByRole('row', { name: /TOKEN/ }).textContent()).toContain('••••••');
    expect(await page.locator('#summary').textContent()).toContain('Started by user');
    expect(problems).toEqual([]);
    await page.close();
  });

  it('answers logText/progressiveHtml with escaped HTML, the next offset and the colours carried', async () => {
    const markup = await server.fetch('/job/markup/1/logText/progressiveHtml?start=0');
    expect(markup.status).toBe(200);
    expect(markup.headers.get('content-type')).toContain('text/html');
    expect(markup.headers.get('content-security-policy')).toContain("default-src 'none'");
    const plainSize = (await (await server.fetch('/job/markup/1/consoleText')).arrayBuffer()).byteLength;
    expect(markup.headers.get('x-text-size')).toBe(String(plainSize));
    expect(markup.headers.get('x-more-data')).toBeNull();
    const body = await markup.text();
    expect(body).toContain('&lt;img src=x onerror=alert(1)&gt;');
    expect(body).toContain('&lt;/pre&gt;&lt;script&gt;alert(2)&lt;/script&gt;');
    expect(body).not.toMatch(/<(img|script|\/pre)/);

    // From the middle of the magenta part: the colour comes from the bytes before, or from the header.
    const log = Buffer.from(await (await server.fetch('/job/colours/1/consoleText')).arrayBuffer());
    const start = log.indexOf('+ echo still magenta');
    expect(start).toBeGreaterThan(0);
    const guessed = await (await server.fetch(`/job/colours/1/logText/progressiveHtml?start=${start}`)).text();
    expect(guessed).toMatch(/^<span class="ansi-magenta ansi-bold">\+ echo still magenta\nstill magenta\n/);
    const told = await server.fetch(`/job/colours/1/logText/progressiveHtml?start=${start}`, { headers: { 'X-Console-State': '32' } });
    expect(await told.text()).toMatch(/^<span class="ansi-green">\+ echo/);
    expect(told.headers.get('x-console-state')).toBe('');
    const ignored = await (await server.fetch(`/job/colours/1/logText/progressiveHtml?start=${start}`, { headers: { 'X-Console-State': '"><b>' } })).text();
    expect(ignored).toMatch(/^<span class="ansi-magenta ansi-bold">/);
  });

  it('hides Stop from a user without Job/Cancel, and stops the build for one who has it', async () => {
    await trigger('sleeper');
    await waitForLog(server, '/job/sleeper/1', '+ sleep 60');
    // While it runs, progressiveHtml says there is more, and sends whole lines only.
    const running = await server.fetch('/job/sleeper/1/logText/progressiveHtml?start=0');
    expect(running.headers.get('x-more-data')).toBe('true');
    const size = Number(running.headers.get('x-text-size'));
    expect(size).toBeGreaterThan(0);
    expect(await running.text()).toMatch(/\+ sleep 60\n$/);
    const nothingNew = await server.fetch(`/job/sleeper/1/logText/progressiveHtml?start=${size}`);
    expect(await nothingNew.text()).toBe('');
    expect(nothingNew.headers.get('x-text-size')).toBe(String(size));
    const asText = await server.fetch('/job/sleeper/1/logText/progressiveText?start=0');
    expect([asText.headers.get('x-text-size'), asText.headers.get('x-more-data')]).toEqual([String(size), 'true']);

    const native = (path: string, method: string, body: unknown) => server.fetch(`/steward/api/v1${path}`, { method, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    expect((await native('/users', 'POST', { id: 'watcher', password: 'watcher-password' })).status).toBe(201);
    const security = await native('/security', 'PATCH', { authorization: 'matrix', grants: { 'user:admin': ['Overall/Administer'], authenticated: ['Overall/Read', 'Job/Read'] } });
    expect(security.status).toBe(200);
    const watcherContext = await browser.newContext();
    const watcher = await openPage(watcherContext);
    await signIn(watcher.page, server.url, 'watcher', 'watcher-password');
    await watcher.page.goto(`${server.url}job/sleeper/1/`);
    expect(await watcher.page.locator('#summary').getByRole('img', { name: 'Running' }).count()).toBe(1);
    expect(await watcher.page.getByRole('button', { name: 'Stop' }).count()).toBe(0);
    expect(watcher.problems).toEqual([]);

    const { page, problems } = await openPage(admin);
    await page.goto(`${server.url}job/sleeper/1/`);
    const [stopped] = await Promise.all([page.waitForResponse(`${server.url}job/sleeper/1/stop`), page.getByRole('button', { name: 'Stop' }).click()]);
    expect(stopped.status()).toBe(302);
    await page.waitForURL(`${server.url}job/sleeper/1/`);
    const result = await waitForBuild(server, '/job/sleeper', 1);
    expect(result.result).toBe('ABORTED');
    await expect.poll(() => page.locator('#summary').getByRole('img', { name: 'Aborted' }).count(), { timeout: 10_000 }).toBe(1);
    expect(await page.locator('#summary').textContent()).toContain('Aborted by');
    await page.locator('#console', { hasText: 'Finished: ABORTED' }).waitFor();
    // The watcher's page learns of it too, without Stop ever appearing.
    await expect.poll(() => watcher.page.locator('#summary').getByRole('img', { name: 'Aborted' }).count(), { timeout: 10_000 }).toBe(1);
    expect(problems).toEqual([]);
    expect(watcher.problems).toEqual([]);
    await page.close();
    await watcherContext.close();
  });
});
