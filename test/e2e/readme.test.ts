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

function quickStart(): string {
  const readme = readFileSync('README.md', 'utf8');
  const blocks = [...readme.matchAll(/```sh\n([\s\S]*?)```/g)].map((match) => match[1] as string);
  const block = blocks.find((text) => text.includes('generateNewToken'));
  if (!block) throw new Error('the README has no quick start with an API token');
  return block;
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
});
