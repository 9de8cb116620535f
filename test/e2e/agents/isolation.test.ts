import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AgentProcess, startAgent } from '../../support/agent.js';
import { type ChildServer, startChildServer } from '../../support/child-server.js';
import { ensureUser, type OsUser, requireRoot } from '../../support/os-user.js';
import { jobXml, waitForBuild } from '../../support/server.js';

/**
 * Issue 15, isolation: "a step on an agent cannot reach the server's home". The server runs as root
 * (as CI runs the suite) in its own process with a variable only it has; a real `steward agent` runs
 * as a separate unprivileged account on the same machine, the closest an agent gets to the server,
 * with a variable only it has. A step on the agent tries the server's key, database, logs and
 * environment, and must be refused by the file system. These tests need root and fail without it.
 */
const AGENT_ACCOUNT = 'steward-agent-test';
const SERVER_ONLY = 'x-server-only-4d21';
const AGENT_ONLY = 'x-agent-only-8c07';

/** The variables a step may see (docs/security.md), and those the shell itself sets. */
const DOCUMENTED = /^(PATH|LANG|LANGUAGE|LC_[A-Z_]+|TZ|HOME|USER|LOGNAME|BUILD_NUMBER|BUILD_ID|BUILD_DISPLAY_NAME|BUILD_URL|BUILD_TAG|JOB_NAME|JOB_BASE_NAME|JOB_URL|JENKINS_URL|WORKSPACE|EXECUTOR_NUMBER|NODE_NAME|NODE_LABELS|STEWARD_BUILD_COOKIE|PWD|SHLVL|OLDPWD|_)$/;

let home: string;
let server: ChildServer;
let user: OsUser;
let agent: AgentProcess;

beforeAll(async () => {
  requireRoot('The agent isolation test');
  user = ensureUser(AGENT_ACCOUNT);
  // The home straight from mkdtemp, so that only the modes Steward gives it protect it (no private parent).
  home = mkdtempSync(join(tmpdir(), 'steward-agent-isolation-'));
  server = await startChildServer(home, ['--executors', '0'], { STEWARD_TEST_SERVER_ONLY: SERVER_ONLY });
  const created = await server.fetch('/steward/api/v1/nodes', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'outside', labels: ['linux'], executors: 1 }) });
  expect(created.status).toBe(201);
  const { secret } = (await created.json()) as { secret: string };
  // The agent's environment is its own (as under systemd): no variable of the server's, one of its own.
  agent = startAgent(server.url, 'outside', secret, { user, env: { PATH: process.env.PATH, AGENT_ONLY_CANARY: AGENT_ONLY } });
});

afterAll(async () => {
  await agent?.stop('SIGKILL');
  await server?.kill();
  if (agent) rmSync(agent.workDir, { recursive: true, force: true });
  if (home) rmSync(home, { recursive: true, force: true });
});

describe('a build on an agent running as another account', () => {
  it("cannot read the server's key, database, logs, home or environment, and works in the agent's own work dir", async () => {
    await server.createJob('other', jobXml({ steps: ['echo other-job-output'] }));
    expect((await server.fetch('/job/other/build', { method: 'POST' })).status).toBe(201);
    expect((await waitForBuild(server, '/job/other', 1, 20_000)).result).toBe('SUCCESS');

    const probes = [
      'set +e',
      'id',
      `H='${home}'`,
      'cat "$H/secrets/master.key" && echo PROBE-READ-KEY',
      'ls "$H/secrets" && echo PROBE-LISTED-SECRETS',
      'cat "$H/steward.db" > /dev/null && echo PROBE-READ-DB',
      'cat "$H/steward.db-wal" > /dev/null && echo PROBE-READ-WAL',
      'echo x >> "$H/steward.db" && echo PROBE-WROTE-DB',
      'ls "$H" && echo PROBE-LISTED-HOME',
      'ls "$H/jobs" && echo PROBE-LISTED-LOGS',
      'cat "$H/jobs/1/1/log" && echo PROBE-READ-LOG',
      `cat /proc/${server.child.pid}/environ > /dev/null && echo PROBE-READ-SERVER-ENV`,
      'echo made > made-here && echo WROTE-WORKSPACE',
      // Untraced: the traces of a pipeline's commands interleave, and could split a name off its `+ `.
      'set +x; echo ENV-BEGIN; env | cut -d= -f1 | sort; echo ENV-END',
      'true',
    ];
    await server.createJob('probe', jobXml({ steps: [probes.join('\n')] }));
    expect((await server.fetch('/job/probe/build', { method: 'POST' })).status).toBe(201);
    expect((await waitForBuild(server, '/job/probe', 1, 20_000)).result).toBe('SUCCESS');
    const log = await (await server.fetch('/job/probe/1/consoleText')).text();

    // It ran on the agent, as the agent's account, without root's groups.
    expect(log).toContain(`Building remotely on outside (linux) in workspace ${agent.workDir}/workspace/probe\n`);
    expect(log).toMatch(new RegExp(`^uid=${user.uid}\\(${AGENT_ACCOUNT}\\) gid=${user.gid}\\(${AGENT_ACCOUNT}\\) groups=${user.gid}\\(${AGENT_ACCOUNT}\\)$`, 'm'));
    // Each probe was refused by the file system (not missed: a wrong path would say "No such file").
    for (const refused of [
      `cat: ${home}/secrets/master.key: Permission denied`,
      `ls: cannot open directory '${home}/secrets': Permission denied`,
      `cat: ${home}/steward.db: Permission denied`,
      `cat: ${home}/steward.db-wal: Permission denied`,
      `${home}/steward.db: Permission denied`,
      `ls: cannot open directory '${home}': Permission denied`,
      `ls: cannot open directory '${home}/jobs': Permission denied`,
      `cat: ${home}/jobs/1/1/log: Permission denied`,
      `cat: /proc/${server.child.pid}/environ: Permission denied`,
    ]) {
      expect(log).toContain(refused);
    }
    expect(log).not.toMatch(/^PROBE-/m);
    expect(log).not.toContain('other-job-output');
    expect(log).toMatch(/^WROTE-WORKSPACE$/m);

    // Neither the server's environment nor the agent's own reaches the step: only documented variables.
    expect(log).not.toContain(SERVER_ONLY);
    expect(log).not.toContain(AGENT_ONLY);
    const names = log.slice(log.indexOf('\nENV-BEGIN\n') + 11, log.indexOf('\nENV-END\n')).split('\n').filter((line) => !line.startsWith('+ '));
    expect(names).toContain('NODE_NAME');
    expect(names).not.toContain('STEWARD_TEST_SERVER_ONLY');
    expect(names).not.toContain('AGENT_ONLY_CANARY');
    expect(names.filter((name) => !DOCUMENTED.test(name))).toEqual([]);

    // The work dir and what the build made in it belong to the agent's account.
    const workspace = join(agent.workDir, 'workspace', 'probe');
    for (const path of [agent.workDir, workspace, join(workspace, 'made-here')]) {
      expect({ path, uid: statSync(path).uid }).toEqual({ path, uid: user.uid });
    }
  });

  it("leaves the server's home, secrets and database closed to other accounts", () => {
    // The home may let others through (0711: the built-in node's build account reaches its workspaces in it) but never read or write.
    expect({ home, groupOrOtherMayReadOrWrite: (statSync(home).mode & 0o066) !== 0 }).toEqual({ home, groupOrOtherMayReadOrWrite: false });
    const modes = [
      [join(home, 'secrets'), 0o700],
      [join(home, 'secrets', 'master.key'), 0o600],
      [join(home, 'steward.db'), 0o600],
      [join(home, 'jobs'), 0o700],
    ] as const;
    for (const [path, mode] of modes) {
      expect({ path, mode: (statSync(path).mode & 0o777).toString(8) }).toEqual({ path, mode: mode.toString(8) });
    }
  });
});
