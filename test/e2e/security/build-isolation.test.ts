import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ChildServer, startChildServer } from '../../support/child-server.js';
import { jobXml, waitForBuild } from '../../support/server.js';

/**
 * Issue 12, finding 10: a user who may configure one job read the server's environment, keys and
 * database from a shell step and made themselves an administrator. On the built-in node, steps now
 * run as a separate account when Steward runs as root (default `nobody`), with a clean environment,
 * and the home holds nothing that account can read. These tests need root, as CI runs them.
 */
const CANARY_PASSWORD = 'canary-admin-password-7f3a';
const CANARY_SECRET = 'canary-cloud-key-91be';
const BIN = fileURLToPath(new URL('../../../bin/steward.js', import.meta.url));

/** The variables a step may see: those docs/security.md lists, and the job's parameters. */
const DOCUMENTED = /^(PATH|LANG|LANGUAGE|LC_[A-Z_]+|TZ|HOME|USER|LOGNAME|BUILD_NUMBER|BUILD_ID|BUILD_DISPLAY_NAME|BUILD_URL|BUILD_TAG|JOB_NAME|JOB_BASE_NAME|JOB_URL|JENKINS_URL|WORKSPACE|EXECUTOR_NUMBER|NODE_NAME|NODE_LABELS|STEWARD_BUILD_COOKIE|PWD|SHLVL|OLDPWD|_)$/;

async function run(server: ChildServer, job: string): Promise<{ json: Record<string, unknown>; log: string }> {
  const response = await server.fetch(`/job/${job}/build?delay=0sec`, { method: 'POST', headers: { accept: 'application/json' }, body: '' });
  expect(response.status).toBe(201);
  const queueUrl = response.headers.get('location') as string;
  const number = await (async () => {
    for (let attempt = 0; attempt < 200; attempt += 1) {
      const item = (await (await server.fetch(`${new URL(queueUrl).pathname}api/json`)).json()) as { executable?: { number: number } | null };
      if (item.executable) return item.executable.number;
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    throw new Error('the build did not start');
  })();
  const json = await waitForBuild(server, `/job/${job}`, number, 20_000);
  return { json, log: await (await server.fetch(`/job/${job}/${number}/consoleText`)).text() };
}

function requireRoot(): void {
  if (process.getuid?.() !== 0) throw new Error('The build isolation tests switch users and so need root: run npm test as root (CI does, through .ci/run).');
}

describe('builds on the built-in node, when Steward runs as root', () => {
  let home: string;
  let server: ChildServer;

  beforeAll(async () => {
    requireRoot();
    home = mkdtempSync(join(tmpdir(), 'steward-isolation-'));
    server = await startChildServer(home, [], { STEWARD_ADMIN_PASSWORD: CANARY_PASSWORD, CLOUD_SECRET_KEY: CANARY_SECRET });
  });

  afterAll(async () => {
    await server?.kill();
    rmSync(home, { recursive: true, force: true });
  });

  it('announce the account they run as, and no warning', () => {
    expect(server.output()).toContain('Builds on the built-in node run as nobody (uid 65534), without access to Steward\'s home.');
    expect(server.output()).not.toContain('WARNING');
  });

  it("run as nobody and cannot read the server's environment, key, database, logs or home", async () => {
    await server.createJob('other', jobXml({ steps: ['echo other-build-output'] }));
    expect((await run(server, 'other')).json.result).toBe('SUCCESS');
    const steps = [
      'set +e',
      'id -un',
      `H='${home}'`,
      'cat "$H/secrets/master.key" && echo PROBE-READ-KEY',
      'cat "/proc/$PPID/environ" && echo PROBE-READ-SERVER-ENV',
      'cat "$H/steward.db" > /dev/null && echo PROBE-READ-DB',
      'cat "$H/steward.db-wal" > /dev/null && echo PROBE-READ-WAL',
      'echo x >> "$H/steward.db" && echo PROBE-WROTE-DB',
      'ls "$H" && echo PROBE-LISTED-HOME',
      'ls "$H/jobs" && echo PROBE-LISTED-LOGS',
      'cat "$H/jobs/1/1/log" && echo PROBE-READ-LOG',
      'cat "$H/secrets/initialAdminPassword" && echo PROBE-READ-PASSWORD',
      'touch "$H/workspace/planted" && echo PROBE-PLANTED',
      'echo made > made-here && echo WROTE-WORKSPACE',
      // Untraced: the traces of a pipeline's commands interleave, and could split a name off its `+ `.
      'set +x; echo ENV-BEGIN; env | cut -d= -f1 | sort; echo ENV-END',
      'true',
    ];
    await server.createJob('probe', jobXml({ steps: [steps.join('\n')] }));
    const { json, log } = await run(server, 'probe');
    expect(json.result).toBe('SUCCESS');
    expect(log).toMatch(/^\+ id -un\nnobody$/m);
    expect(log).not.toMatch(/^PROBE-/m);
    expect(log).toContain('Permission denied');
    expect(log).toMatch(/^WROTE-WORKSPACE$/m);
    expect(log).not.toContain(CANARY_PASSWORD);
    expect(log).not.toContain(CANARY_SECRET);
    expect(log).not.toContain('other-build-output');
    // The shell's own trace lines (`+ env`) are left out.
    const names = log.slice(log.indexOf('\nENV-BEGIN\n') + 11, log.indexOf('\nENV-END\n')).split('\n').filter((line) => !line.startsWith('+ '));
    expect(names.length).toBeGreaterThan(10);
    expect(names.filter((name) => !DOCUMENTED.test(name))).toEqual([]);
    const workspace = join(home, 'workspace', 'probe');
    expect(statSync(join(workspace, 'made-here')).uid).toBe(65534);
    expect(statSync(workspace).mode & 0o777).toBe(0o700);
    for (const [path, mode] of [[home, 0o711], [join(home, 'secrets'), 0o700], [join(home, 'jobs'), 0o700], [join(home, 'steward.db'), 0o600], [join(home, 'workspace'), 0o711]] as const) {
      expect({ path, mode: (statSync(path).mode & 0o777).toString(8) }).toEqual({ path, mode: mode.toString(8) });
    }
  });

  it('answers the nodes page and the computer API with the account and the free disk space', async () => {
    const page = await (await server.fetch('/computer/')).text();
    expect(page).toContain('<dt>Builds run as</dt><dd>nobody</dd>');
    expect(page).toMatch(/free of [\d.]+ [KMG]iB at /);
    const computer = (await (await server.fetch('/computer/api/json')).json()) as { computer: Array<{ monitorData: Record<string, { path: string; size: number }> }> };
    const disk = computer.computer[0]?.monitorData['hudson.node_monitors.DiskSpaceMonitor'];
    expect(disk?.path).toBe(home);
    expect(disk?.size).toBeGreaterThan(0);
  });
});

describe('the build user', () => {
  it('puts workspaces where the build user can reach them when the home is out of its reach, and says where', async () => {
    requireRoot();
    const parent = mkdtempSync(join(tmpdir(), 'steward-private-'));
    const home = join(parent, 'home');
    const server = await startChildServer(home);
    let fallback = '';
    try {
      const match = /^Workspaces are in (\/var\/lib\/steward\/workspace-[0-9a-f]{8}): nobody, who runs the builds, cannot reach (\S+) \(set --workspace-dir to choose\)\.$/m.exec(server.output());
      expect(match?.[2]).toBe(join(home, 'workspace'));
      fallback = match?.[1] ?? '';
      await server.createJob('reach', jobXml({ steps: ['set +x; cd "$WORKSPACE" && pwd && id -un'] }));
      const { json, log } = await run(server, 'reach');
      expect(json.result).toBe('SUCCESS');
      expect(log).toContain(`${fallback}/reach\nnobody\n`);
      expect(statSync(home).mode & 0o777).toBe(0o700);
    } finally {
      await server.kill();
      rmSync(parent, { recursive: true, force: true });
      if (fallback) rmSync(fallback, { recursive: true, force: true });
    }
  });

  it('refuses to start, saying why, when Steward cannot switch to it', async () => {
    requireRoot();
    const home = mkdtempSync(join(tmpdir(), 'steward-nosetuid-'));
    try {
      // Root without the capability to change user ids, as in a container that dropped it.
      const child = spawn('setpriv', ['--bounding-set=-setuid,-setgid', process.execPath, BIN, 'serve', '--port', '0', '--home', home], { env: { ...process.env, STEWARD_ADMIN_PASSWORD: 'pw-long-enough' }, stdio: ['ignore', 'pipe', 'pipe'] });
      let output = '';
      child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
      child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
      const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
      expect(code).not.toBe(0);
      expect(output).toContain('Steward cannot start processes as nobody');
      expect(output).toContain('switching users needs Steward to run as root');
      expect(output).not.toContain('Steward listening');
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
  });

  it('when it is Steward\'s own account, builds run with the server\'s rights: said at start and on the nodes page', async () => {
    requireRoot();
    const home = mkdtempSync(join(tmpdir(), 'steward-sameuser-'));
    const server = await startChildServer(home, ['--build-user', 'root']);
    try {
      expect(server.output()).toMatch(/^WARNING: Builds on the built-in node run as root, the user Steward itself runs as: a job's steps can read Steward's database, keys, environment/m);
      const page = await (await server.fetch('/computer/')).text();
      expect(page).toContain('<strong>Warning:</strong> Builds on the built-in node run as root');
      const dashboard = await (await server.fetch('/')).text();
      expect(dashboard).toContain('Builds run with Steward\'s own rights. <a href="/computer/">See Nodes</a>.');
      await server.createJob('same', jobXml({ steps: ['id -un', 'test -z "$STEWARD_ADMIN_PASSWORD" && echo no-server-secrets'] }));
      const { log } = await run(server, 'same');
      expect(log).toMatch(/^root\n/m);
      expect(log).toMatch(/^no-server-secrets$/m);
    } finally {
      await server.kill();
      rmSync(home, { recursive: true, force: true });
    }
  });
});
