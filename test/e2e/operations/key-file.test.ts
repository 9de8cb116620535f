import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runSteward, type ServerProcess, spawnServer } from '../../support/process.js';

/** `--key-file` / `STEWARD_KEY_FILE`: every node of one database seals and reads secrets with one key. */
const dir = mkdtempSync(join(tmpdir(), 'steward-key-file-'));
const servers: ServerProcess[] = [];
afterAll(() => {
  for (const server of servers) server.child.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

const env = { STEWARD_ADMIN_PASSWORD: 'key-file-pw', STEWARD_CONFIG: '' };

async function serve(home: string, extra: readonly string[] = [], moreEnv: NodeJS.ProcessEnv = {}): Promise<ServerProcess> {
  const server = await spawnServer(['serve', '--port', '0', '--home', home, ...extra], { ...env, ...moreEnv });
  servers.push(server);
  return server;
}

/** The session cookie's name: derived from the key, so equal keys give equal names. */
async function sessionCookieName(server: ServerProcess): Promise<string> {
  const response = await fetch(new URL('crumbIssuer/api/json', server.url), { headers: { authorization: `Basic ${Buffer.from('admin:key-file-pw').toString('base64')}` } });
  expect(response.status).toBe(200);
  return /^(JSESSIONID\.[0-9a-f]+)=/.exec(response.headers.get('set-cookie') ?? '')?.[1] ?? '';
}

describe('the key file', () => {
  it("lets two homes share one key: a copy of the first node's master.key", async () => {
    const first = await serve(join(dir, 'first'));
    const made = join(dir, 'first', 'secrets', 'master.key');
    expect(existsSync(made)).toBe(true);
    const shared = join(dir, 'shared.key');
    writeFileSync(shared, readFileSync(made), { mode: 0o600 });

    const second = await serve(join(dir, 'second'), ['--key-file', shared]);
    const third = await serve(join(dir, 'third'), [], { STEWARD_KEY_FILE: shared });
    const elsewhere = await serve(join(dir, 'elsewhere'));
    // Given a key file, a home makes no key of its own.
    expect(existsSync(join(dir, 'second', 'secrets', 'master.key'))).toBe(false);
    const name = await sessionCookieName(first);
    expect(name).toMatch(/^JSESSIONID\./);
    expect(await sessionCookieName(second)).toBe(name);
    expect(await sessionCookieName(third)).toBe(name);
    expect(await sessionCookieName(elsewhere)).not.toBe(name);
  });

  it('refuses to start without a readable key, and never makes one in its place', async () => {
    const missing = await runSteward(['serve', '--port', '0', '--home', join(dir, 'no-key'), '--key-file', join(dir, 'absent.key')], env);
    expect(missing.code).toBe(2);
    expect(missing.output).toContain(`The key file ${join(dir, 'absent.key')} cannot be read (ENOENT)`);
    expect(existsSync(join(dir, 'absent.key'))).toBe(false);

    const short = join(dir, 'short.key');
    writeFileSync(short, Buffer.alloc(16, 7).toString('base64'), { mode: 0o600 });
    const refused = await runSteward(['serve', '--port', '0', '--home', join(dir, 'short-key'), '--key-file', short], env);
    expect(refused.code).toBe(2);
    expect(refused.output).toContain('does not hold a key: it must hold at least 32 bytes in base64');
  });

  it('warns when others than its owner can read the key file', async () => {
    const open = join(dir, 'open.key');
    writeFileSync(open, Buffer.alloc(32, 9).toString('base64'));
    chmodSync(open, 0o644);
    const server = await serve(join(dir, 'open-home'), ['--key-file', open]);
    expect(server.output()).toContain(`The key file ${open} can be read by others than its owner (mode 644): chmod 600 it.`);
  });
});
