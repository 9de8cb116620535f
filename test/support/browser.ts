import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';

/** Debian's Chromium, which `.ci/run` installs; Playwright's own browser download needs the internet. */
const CHROMIUM = process.env.STEWARD_CHROMIUM ?? '/usr/bin/chromium';

/**
 * A real headless Chromium driven by playwright-core: no sandbox (tests run as root in CI), and no
 * background networking, which this machine's closed network would refuse at every start. Playwright
 * gives each launch a new empty profile.
 */
export async function launchBrowser(): Promise<{ browser: Browser; close(): Promise<void> }> {
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  return {
    browser,
    async close() {
      await browser.close();
    },
  };
}

/** Signs in through the login form, as a person does. */
export async function signIn(page: Page, baseUrl: string, user: string, password: string): Promise<void> {
  await page.goto(new URL('login', baseUrl).href);
  await page.getByLabel('User').fill(user);
  await page.getByLabel('Password').fill(password);
  await Promise.all([page.waitForURL((url) => !url.pathname.startsWith('/login') && !url.pathname.startsWith('/j_spring')), page.getByRole('button', { name: 'Sign in' }).click()]);
}

/** A page that counts the dialogs script would open (there must be none) and collects CSP and script errors. */
export async function openPage(context: BrowserContext): Promise<{ page: Page; problems: string[]; dialogs: () => number }> {
  const page = await context.newPage();
  const problems = watchProblems(page);
  let dialogs = 0;
  page.on('dialog', async (dialog) => {
    dialogs += 1;
    await dialog.dismiss();
  });
  return { page, problems, dialogs: () => dialogs };
}

/** Collects what the page reports as Content-Security-Policy violations and script errors: a test expects none. */
export function watchProblems(page: Page): string[] {
  const problems: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error') problems.push(message.text());
  });
  page.on('pageerror', (error) => problems.push(error.message));
  return problems;
}

/** A browser with one page signed in as `user`, at a desktop size; `close` ends both. */
export async function signedInPage(baseUrl: string, user: string, password: string): Promise<{ page: Page; problems: string[]; dialogs: () => number; close(): Promise<void> }> {
  const { browser, close } = await launchBrowser();
  const context = await browser.newContext({ viewport: { width: 1280, height: 720 } });
  const opened = await openPage(context);
  await signIn(opened.page, baseUrl, user, password);
  return {
    ...opened,
    async close() {
      await context.close();
      await close();
    },
  };
}
