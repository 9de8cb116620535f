import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { type ServerProcess, spawnServer } from '../support/process.js';

/**
 * The README's quick start, run as written against `steward serve` on its default home (~/.steward,
 * with HOME pointing at a fresh directory) and a random password; only the port differs. Between the
 * login and the rest, admin's password is changed, as the first sign-in suggests: nothing after the
 * login may depend on the initial password.
 */
const execFileAsync = promisify(execFile);
const home = mkdtempSync(join(tmpdir(), 'steward-readme-'));
const stewardHome = join(home, '.steward');
const NEW_PASSWORD = 'changed-after-the-login';
let server: ServerProcess | null = null;
afterAll(() => {
  server?.child.kill('SIGKILL');
  rmSync(home, { recursive: true, force: true });
});

function readmeBlock(marker: string): string {
  const readme = readFileSync('README.md', 'utf8');
  const blocks = [...readme.matchAll(/```sh\n([\s\S]*?)```/g)].map((match) => match[1] as string);
  const block = blocks.find((text) => text.includes(marker));
  if (!block) throw new Error(`the README has no sh block with ${marker}`);
  return block;
}

/** The environment of a reader who has set nothing for the CLI: HOME is the fresh one. */
function readerEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, HOME: home };
  for (const name of ['STEWARD_URL', 'STEWARD_AUTH', 'STEWARD_TOKEN', 'JENKINS_URL', 'JENKINS_USER_ID', 'JENKINS_API_TOKEN', 'STEWARD_CONFIG_DIR', 'XDG_CONFIG_HOME', 'NETRC']) delete env[name];
  return env;
}

/**
 * Runs a README block in bash as a reader's terminal would, with `stdin` as what the reader types. It
 * runs in a session of its own (setsid) so that a program asking for a password (curl -u USER) finds
 * no terminal and reads standard input instead.
 */
function runBlock(block: string, stdin = ''): Promise<{ stdout: string; stderr: string }> {
  const script = block.replaceAll('http://127.0.0.1:8080', (server as ServerProcess).url.replace(/\/$/, ''));
  const run = execFileAsync('setsid', ['--wait', 'bash', '-c', `set -euo pipefail\n${script}`], { env: readerEnv(), timeout: 60_000 });
  run.child.stdin?.end(stdin);
  return run;
}

describe('the README quick start', () => {
  it('logs in with the initial password; after a password change, makes a token, creates, triggers and waits, reads the whole log, shows a refusal; the CLI builds; Ctrl-C stops cleanly', async () => {
    server = await spawnServer(['serve', '--port', '0'], { HOME: home, STEWARD_HOME: '', STEWARD_ADMIN_PASSWORD: '', STEWARD_CONFIG: '', STEWARD_LOG_FORMAT: '' });
    const initial = readFileSync(join(stewardHome, 'secrets', 'initialAdminPassword'), 'utf8').trim();

    const login = await runBlock(readmeBlock('steward login'));
    expect(login.stdout).toContain(`Logged in to ${server.url} as admin; created the API token`);
    const saved = readFileSync(join(home, '.config', 'steward', 'credentials.json'), 'utf8');
    expect(saved).not.toContain(initial);

    // The admin changes the password, as the first sign-in suggests; the password file goes with it.
    const changed = await runBlock('npx steward user passwd --password-stdin', `${initial}\n${NEW_PASSWORD}\n`);
    expect(changed.stdout + changed.stderr).not.toContain(initial);
    expect(existsSync(join(stewardHome, 'secrets', 'initialAdminPassword'))).toBe(false);

    const curl = await runBlock(readmeBlock('createItem'), `${NEW_PASSWORD}\n`);
    // The trigger answered once its build had finished, so the log read right after is whole.
    expect(curl.stdout).toMatch(/HTTP\/1\.1 201 Created\r\n/);
    expect(curl.stdout).toMatch(new RegExp(`Location: ${server.url}queue/item/\\d+/`, 'i'));
    expect(curl.stdout).toMatch(/X-Steward-Wait: finished\r\n/i);
    expect(curl.stdout).toMatch(/X-Steward-Build-Result: SUCCESS\r\n/i);
    expect(curl.stdout).toMatch(/hello from build 1\nFinished: SUCCESS\n/);
    expect(curl.stdout).toMatch(/HTTP\/1\.1 403 Forbidden\r\n[\s\S]*X-Steward-Reason: crumb_missing/i);
    expect(curl.stdout).toContain('No valid crumb was included in the request: this POST was authenticated with a password, so it needs a crumb.');

    const cli = await runBlock(readmeBlock('steward build hello -s -v'));
    expect(cli.stdout).toMatch(/Started hello #2\n[\s\S]*hello from build 2\nFinished: SUCCESS\nCompleted hello #2 : SUCCESS\n/);
    expect(cli.stdout).toContain('No problems found');
    expect(cli.stdout).toMatch(/^admin\n  server: {6}/m);

    // What the README says ~/.steward holds (the workspaces may be elsewhere: under root, where the build user can reach them).
    for (const path of ['steward.db', 'secrets/master.key', 'jobs/1/1/log', 'disk-reserve', 'tmp']) expect(existsSync(join(stewardHome, path)), path).toBe(true);

    // Ctrl-C: a clean stop, exit 0.
    server.child.kill('SIGINT');
    expect(await server.exited).toBe(0);
    expect(server.output()).toContain('Received SIGINT: stopping (queued builds stay queued; running builds are aborted).');
  }, 180_000);
});
