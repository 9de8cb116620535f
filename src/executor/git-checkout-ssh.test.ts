import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestRepository } from '../../test/support/git-repos.js';
import type { CredentialSecret } from '../core/credential.js';
import { simpleGitSource } from '../core/git-source.js';
import { NO_PREVIOUS_REVISIONS } from '../core/revision.js';
import type { LogWriter } from '../logs/console-logs.js';
import { BuildControl } from '../queue/runner.js';
import { checkout, CheckoutFailed } from './git-checkout.js';

/**
 * A checkout over SSH with an `sshPrivateKey` credential, against a real sshd started for the test
 * on a loopback port (Debian's openssh-server, a test dependency `npm test` installs). It logs in as
 * the account the tests run as. The host key the client accepts is removed from that account's
 * known_hosts afterwards.
 */
const SSHD = '/usr/sbin/sshd';
const USER = userInfo().username;

let repo: TestRepository;
let dir: string;
let port: number;
let sshd: ChildProcess | null = null;

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port: free } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return free;
}

beforeAll(async () => {
  if (!existsSync(SSHD)) throw new Error(`${SSHD} is missing: install openssh-server (npm test does, through scripts/test-deps.mjs)`);
  repo = new TestRepository();
  repo.commit('Over SSH', { 'README.md': 'ssh\n' });
  dir = mkdtempSync(join(tmpdir(), 'steward-sshd-'));
  port = await freePort();
  // sshd checks its privilege separation directory when it runs as root.
  if (process.getuid?.() === 0) mkdirSync('/run/sshd', { recursive: true, mode: 0o755 });
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', join(dir, 'host_key')]);
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', join(dir, 'plain')]);
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', 'key-pass-phrase', '-f', join(dir, 'protected')]);
  writeFileSync(join(dir, 'authorized_keys'), readFileSync(join(dir, 'plain.pub'), 'utf8') + readFileSync(join(dir, 'protected.pub'), 'utf8'));
  writeFileSync(
    join(dir, 'sshd_config'),
    [`Port ${port}`, 'ListenAddress 127.0.0.1', `HostKey ${join(dir, 'host_key')}`, `AuthorizedKeysFile ${join(dir, 'authorized_keys')}`, 'PasswordAuthentication no', 'KbdInteractiveAuthentication no', 'UsePAM no', 'StrictModes no', `PidFile ${join(dir, 'sshd.pid')}`, 'PermitRootLogin prohibit-password', ''].join('\n'),
  );
  sshd = spawn(SSHD, ['-D', '-e', '-f', join(dir, 'sshd_config')], { stdio: 'ignore' });
  // Listening once a connection is taken.
  for (let tries = 0; tries < 100; tries++) {
    const up = await new Promise<boolean>((resolve) => {
      const socket = createServer().listen(port, '127.0.0.1');
      socket.on('listening', () => socket.close(() => resolve(false)));
      socket.on('error', () => resolve(true));
    });
    if (up) break;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
});

afterAll(() => {
  sshd?.kill('SIGTERM');
  try {
    execFileSync('ssh-keygen', ['-R', `[127.0.0.1]:${port}`], { stdio: 'ignore' });
  } catch {
    // No known_hosts to clean.
  }
  repo.remove();
  rmSync(dir, { recursive: true, force: true });
});

function memoryLog(): LogWriter & { text: () => string } {
  const parts: string[] = [];
  return { failure: null, buffered: 0, full: false, write: (text) => void parts.push(String(text)), drained: async () => {}, flush: async () => {}, size: async () => 0, close: async () => {}, text: () => parts.join('') };
}

async function sshCheckout(credential: CredentialSecret | null) {
  const workspace = mkdtempSync(join(tmpdir(), 'steward-ssh-ws-'));
  const log = memoryLog();
  try {
    const result = await checkout({
      source: simpleGitSource(`ssh://${USER}@127.0.0.1:${port}${repo.bare}`, '*/main', credential?.id ?? null),
      workspace,
      credentials: new Map(credential ? [[credential.id, credential]] : []),
      previous: NO_PREVIOUS_REVISIONS,
      log,
      control: new BuildControl(),
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: workspace },
      user: null,
      killGraceMs: 1000,
    });
    return { result, log: log.text(), readme: readFileSync(join(workspace, 'README.md'), 'utf8') };
  } catch (error) {
    return { error, log: log.text() };
  } finally {
    rmSync(workspace, { recursive: true, force: true });
  }
}

describe('git checkout over SSH', () => {
  const key = (name: string, passphrase: string | null): CredentialSecret => ({ kind: 'sshPrivateKey', id: `ssh-${name}`, username: USER, privateKey: readFileSync(join(dir, name), 'utf8'), passphrase });

  it('fetches with a private key, and with a key protected by a passphrase (SSH_ASKPASS), neither left on disk', async () => {
    // The credential files go to a temporary directory of this test's own, to see it empty afterwards.
    const ownTmp = mkdtempSync(join(tmpdir(), 'steward-ssh-tmp-'));
    const previousTmp = process.env.TMPDIR;
    process.env.TMPDIR = ownTmp;
    const plain = await sshCheckout(key('plain', null)).finally(() => {
      if (previousTmp === undefined) delete process.env.TMPDIR;
      else process.env.TMPDIR = previousTmp;
    });
    expect(readdirSync(ownTmp).filter((name) => name.startsWith('steward-git-'))).toEqual([]);
    rmSync(ownTmp, { recursive: true, force: true });
    expect(plain.readme).toBe('ssh\n');
    const protectedKey = await sshCheckout(key('protected', 'key-pass-phrase'));
    expect(protectedKey.readme).toBe('ssh\n');
    expect(protectedKey.log).not.toContain('key-pass-phrase');
  });

  it('fails with the credential hint without a key', async () => {
    const failed = await sshCheckout(null);
    expect(failed.error).toBeInstanceOf(CheckoutFailed);
    expect((failed.error as CheckoutFailed).hint).toContain('names no credential');
    expect(failed.log).toContain('Permission denied (publickey');
  });
});
