import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runSteward, type ServerProcess, spawnServer } from '../support/process.js';
import { basicAuth, waitFor } from '../support/server.js';

/**
 * The server's log (stderr) in both formats, from a real `steward serve`: one line per event, JSON
 * lines by default when stderr is not a terminal (as here), and secrets redacted either way.
 */
const homes: string[] = [];
const running: ServerProcess[] = [];
afterAll(() => {
  for (const server of running) server.child.kill('SIGKILL');
  for (const dir of homes) rmSync(dir, { recursive: true, force: true });
});

const SECRET = 'SECRET-in-the-query-7f3a';
const ESCAPE = '\u001b[';

async function serve(args: string[], env: NodeJS.ProcessEnv = {}): Promise<ServerProcess> {
  const home = mkdtempSync(join(tmpdir(), 'steward-log-'));
  homes.push(home);
  const server = await spawnServer(['serve', '--port', '0', '--home', home, '--log-level', 'debug', ...args], { STEWARD_ADMIN_PASSWORD: 'log-test-pw', STEWARD_LOG_FORMAT: '', ...env });
  running.push(server);
  return server;
}

/** Sends a request whose query holds a secret, and waits for the server to log it. */
async function logSecretRequest(server: ServerProcess): Promise<string[]> {
  await fetch(new URL(`job/nope/build?token=${SECRET}&delay=0sec`, server.url), { method: 'POST', headers: { authorization: basicAuth('admin', 'log-test-pw') } });
  await waitFor(async () => (server.errors().includes('/job/nope/build?token=') ? true : undefined));
  server.child.kill('SIGTERM');
  expect(await server.exited).toBe(0);
  return server.errors().split('\n').filter((line) => line !== '');
}

describe('the server log', () => {
  it('is JSON lines by default when stderr is not a terminal, with secrets redacted', async () => {
    const lines = await logSecretRequest(await serve([]));
    const events = lines.map((line) => JSON.parse(line) as { msg: string; url?: string; level: number });
    const request = events.find((event) => event.msg === 'request' && event.url?.startsWith('/job/nope/build'));
    expect(request?.url).toBe('/job/nope/build?token=[redacted]&delay=0sec');
    expect(lines.join('\n')).not.toContain(SECRET);
  });

  it('with --log-format json, is JSON lines too', async () => {
    const lines = await logSecretRequest(await serve(['--log-format', 'json'], { STEWARD_LOG_FORMAT: 'pretty' }));
    expect(lines.length).toBeGreaterThan(0);
    for (const line of lines) expect(() => JSON.parse(line)).not.toThrow();
    expect(lines.join('\n')).not.toContain(SECRET);
  });

  it('with --log-format pretty (or STEWARD_LOG_FORMAT=pretty), is one human line per event, no JSON, no colours off a terminal, secrets redacted', async () => {
    for (const started of [await serve(['--log-format', 'pretty']), await serve([], { STEWARD_LOG_FORMAT: 'pretty' })]) {
      const lines = await logSecretRequest(started);
      expect(lines.length).toBeGreaterThan(0);
      for (const line of lines) {
        expect(line.trimStart().startsWith('{')).toBe(false);
        expect(() => JSON.parse(line)).toThrow();
        expect(line).not.toContain(ESCAPE);
      }
      // The event and its fields on one line: time, level, message, then the fields.
      const request = lines.find((line) => line.includes('/job/nope/build?'));
      expect(request).toMatch(/^\[\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3}\] DEBUG: request \{.*"url":"\/job\/nope\/build\?token=\[redacted\]&delay=0sec".*"status":\d{3}.*\}$/);
      expect(lines.join('\n')).not.toContain(SECRET);
    }
  });

  it('refuses an unknown format, saying which there are', async () => {
    const home = mkdtempSync(join(tmpdir(), 'steward-log-'));
    homes.push(home);
    const run = await runSteward(['serve', '--port', '0', '--home', home, '--log-format', 'xml'], { STEWARD_ADMIN_PASSWORD: 'log-test-pw' });
    expect(run.code).toBe(2);
    expect(run.output).toContain('The log format must be json or pretty (got "xml").');
  });
});
