import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { type ServerProcess, spawnServer } from '../support/process.js';
import { waitFor } from '../support/server.js';

/**
 * The README's quick start, run as written against `steward serve` on its default home (~/.steward,
 * with HOME pointing at a fresh directory) and a random password; only the port differs.
 */
const execFileAsync = promisify(execFile);
const home = mkdtempSync(join(tmpdir(), 'steward-readme-'));
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

function quickStart(): string {
  return readmeBlock('generateNewToken');
}

/** The environment of a reader who has set nothing for the CLI: HOME is the fresh one. */
function readerEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, HOME: home };
  for (const name of ['STEWARD_URL', 'STEWARD_AUTH', 'STEWARD_TOKEN', 'JENKINS_URL', 'JENKINS_USER_ID', 'JENKINS_API_TOKEN', 'STEWARD_CONFIG_DIR', 'XDG_CONFIG_HOME', 'NETRC']) delete env[name];
  return env;
}

describe('the README quick start', () => {
  it('makes a token, creates and triggers a job, reads its log, and shows a refusal', async () => {
    server = await spawnServer(['serve', '--port', '0'], { HOME: home, STEWARD_HOME: '', STEWARD_ADMIN_PASSWORD: '', STEWARD_CONFIG: '' });
    const script = quickStart().replaceAll('http://127.0.0.1:8080', server.url.replace(/\/$/, ''));
    const [setUp, rest] = script.split('# read its console log') as [string, string];
    const first = await execFileAsync('bash', ['-c', `set -euo pipefail\n${setUp}`], { env: { ...process.env, HOME: home } });
    expect(first.stdout).toMatch(/HTTP\/1\.1 201 Created\r\n/);
    expect(first.stdout).toMatch(new RegExp(`Location: ${server.url}queue/item/\\d+/`, 'i'));
    const password = readFileSync(join(home, '.steward', 'secrets', 'initialAdminPassword'), 'utf8').trim();
    await waitFor(async () => {
      const response = await fetch(new URL('job/hello/1/api/json', server?.url), { headers: { authorization: `Basic ${Buffer.from(`admin:${password}`).toString('base64')}` } });
      return response.status === 200 && ((await response.json()) as { building: boolean }).building === false ? true : undefined;
    });
    // The rest runs with the J, P and T the first part set.
    const variables = setUp.split('\n# create a job')[0] as string;
    const second = await execFileAsync('bash', ['-c', `set -euo pipefail\n${variables}\n# read its console log${rest}`], { env: { ...process.env, HOME: home } });
    expect(second.stdout).toContain('hello from build 1\n');
    expect(second.stdout).toContain('Finished: SUCCESS\n');
    expect(second.stdout).toMatch(/HTTP\/1\.1 403 Forbidden\r\n[\s\S]*X-Steward-Reason: crumb_missing/i);
    expect(second.stdout).toContain('No valid crumb was included in the request: this POST was authenticated with a password, so it needs a crumb.');
  });

  it('does the same with the steward CLI: login with the password file, build -s -v, logs, queue, whoami, doctor', async () => {
    if (!server) throw new Error('the curl quick start did not start the server');
    const script = readmeBlock('steward login').replaceAll('http://127.0.0.1:8080/', server.url);
    const run = await execFileAsync('bash', ['-c', `set -euo pipefail\n${script}`], { env: readerEnv() });
    expect(run.stdout).toContain(`Logged in to ${server.url} as admin; created the API token`);
    expect(run.stdout).toMatch(/Started hello #2\n[\s\S]*hello from build 2\nFinished: SUCCESS\nCompleted hello #2 : SUCCESS\n/);
    expect(run.stdout).toContain('No problems found');
    expect(run.stdout).toMatch(/^admin\n  server: {6}/m);
    const saved = readFileSync(join(home, '.config', 'steward', 'credentials.json'), 'utf8');
    expect(saved).not.toContain(readFileSync(join(home, '.steward', 'secrets', 'initialAdminPassword'), 'utf8').trim());
  });
});
