import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Networks } from '../../../src/auth/networks.js';
import { MAX_WAIT_MS } from '../../../src/http/jenkins/queueing.js';
import { runSteward } from '../../support/process.js';
import { basicAuth, startTestServer, type TestServer } from '../../support/server.js';

/** The unit's `Key=value` lines by section; a key may repeat (Environment). */
function parseUnit(text: string): Map<string, Array<[string, string]>> {
  const sections = new Map<string, Array<[string, string]>>();
  let section: Array<[string, string]> | null = null;
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue;
    const header = /^\[(\w+)\]$/.exec(line);
    if (header) {
      section = [];
      sections.set(header[1] as string, section);
      continue;
    }
    const equals = line.indexOf('=');
    if (!section || equals < 1) throw new Error(`not a unit line: ${line}`);
    section.push([line.slice(0, equals), line.slice(equals + 1)]);
  }
  return sections;
}

const UNIT_TEXT = readFileSync('contrib/steward.service', 'utf8');
const service = parseUnit(UNIT_TEXT).get('Service') ?? [];
const values = (key: string) => service.filter(([name]) => name === key).map(([, value]) => value);
const environment = new Map(values('Environment').map((assignment) => [assignment.slice(0, assignment.indexOf('=')), assignment.slice(assignment.indexOf('=') + 1)]));
const INSTALLED = '/opt/steward';
const [interpreter, script, command, ...flags] = (values('ExecStart')[0] ?? '').split(/\s+/);
const port = flags[flags.indexOf('--port') + 1];

describe('contrib/steward.service', () => {
  it('starts the real steward serve with flags and variables Steward knows, on a home systemd makes writable', async () => {
    expect(interpreter).toMatch(/^\/\S+\/node$/);
    expect(script?.startsWith(`${INSTALLED}/`)).toBe(true);
    expect(existsSync(resolve(script!.replace(INSTALLED, '.')))).toBe(true);
    expect(command).toBe('serve');
    const help = (await runSteward(['serve', '--help'])).output;
    for (const flag of flags.filter((word) => word.startsWith('--'))) expect(help).toContain(`${flag} <`);
    const sources = ['src/config/settings.ts', 'src/main.ts'].map((file) => readFileSync(file, 'utf8')).join('\n');
    for (const name of environment.keys()) expect(sources).toContain(name);
    expect(environment.get('STEWARD_HOME')).toBe(`/var/lib/${values('StateDirectory')[0]}`);
    expect(values('ReadWritePaths')).toContain(environment.get('STEWARD_HOME'));
    expect(values('User')[0]).not.toBe('root');
    // The proxies of contrib/ connect from this machine, so Steward must believe them.
    expect(new Networks((environment.get('STEWARD_TRUSTED_PROXIES') ?? '').split(',')).includes('127.0.0.1')).toBe(true);
  });

  it('passes systemd-analyze verify where systemd is installed', () => {
    const which = spawnSync('sh', ['-c', 'command -v systemd-analyze'], { encoding: 'utf8' });
    if (which.status !== 0) {
      // Without systemd the unit is still checked by the test above; say so rather than pass silently.
      console.warn('systemd-analyze is not installed: contrib/steward.service was checked by parsing only');
      return;
    }
    const dir = mkdtempSync(join(tmpdir(), 'steward-unit-'));
    try {
      const unit = join(dir, 'steward.service');
      // Installed as the unit says, Steward would be at /opt/steward; here it is this checkout.
      writeFileSync(unit, UNIT_TEXT.replaceAll(INSTALLED, resolve('.')));
      const result = spawnSync('systemd-analyze', ['verify', unit], { encoding: 'utf8' });
      const complaints = `${result.stdout}${result.stderr}`.split('\n').filter((line) => line.includes('steward.service'));
      expect(complaints).toEqual([]);
      expect(result.status).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('contrib/nginx.conf and contrib/Caddyfile', () => {
  const nginx = readFileSync('contrib/nginx.conf', 'utf8');
  const caddy = readFileSync('contrib/Caddyfile', 'utf8');

  it('proxy to the port the unit listens on, stream console logs and outlast the longest wait=', () => {
    expect(nginx).toMatch(new RegExp(`server 127\\.0\\.0\\.1:${port};`));
    expect(caddy).toMatch(new RegExp(`reverse_proxy 127\\.0\\.0\\.1:${port} `));
    expect(nginx).toMatch(/^\s*proxy_buffering off;$/m);
    expect(caddy).toMatch(/^\s*flush_interval -1$/m);
    const readTimeout = Number(/proxy_read_timeout (\d+)s;/.exec(nginx)?.[1]);
    expect(readTimeout * 1000).toBeGreaterThan(MAX_WAIT_MS);
  });

  it('nginx sends the forwarding headers Steward reads from a trusted proxy', () => {
    const read = [...readFileSync('src/http/client-address.ts', 'utf8').matchAll(/header\('(x-forwarded-[a-z]+)'\)/g)].map((match) => match[1]);
    expect(read.sort()).toEqual(['x-forwarded-for', 'x-forwarded-proto']);
    for (const name of read) expect(nginx.toLowerCase()).toMatch(new RegExp(`proxy_set_header ${name} \\$`));
  });

  describe('Steward behind them', () => {
    let server: TestServer;
    beforeAll(async () => {
      server = await startTestServer({ env: { STEWARD_TRUSTED_PROXIES: environment.get('STEWARD_TRUSTED_PROXIES') } });
    });
    afterAll(async () => {
      await server?.stop();
    });

    it('takes the client address from the headers the proxies send, with the unit\'s trusted proxies', async () => {
      const response = await server.fetch('/api/json', { auth: basicAuth('admin', 'wrong-password'), headers: { 'X-Forwarded-For': '203.0.113.7', 'X-Forwarded-Proto': 'https' } });
      expect(response.status).toBe(401);
      const page = (await (await server.fetch('/steward/api/v1/audit?action=authenticate&outcome=refused&limit=1')).json()) as { events: Array<{ address: string }> };
      expect(page.events[0]?.address).toBe('203.0.113.7');
    });
  });
});

describe('docs/operations.md', () => {
  it('shows the files of contrib/ exactly as they are', () => {
    const docs = readFileSync('docs/operations.md', 'utf8');
    for (const file of ['contrib/steward.service', 'contrib/nginx.conf', 'contrib/Caddyfile', 'contrib/Dockerfile']) {
      expect(docs, file).toContain(`\n${readFileSync(file, 'utf8')}\`\`\`\n`);
    }
  });
});
