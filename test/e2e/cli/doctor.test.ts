import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CliRunner, type CliResult } from '../../support/cli.js';
import { type JenkinsStub, listen, startJenkinsStub, urlOf } from '../../support/jenkins-stub.js';
import { createApiToken, startTestServer, type TestServer } from '../../support/server.js';

/**
 * `steward doctor` as a child process against broken set-ups: a real Steward configured each way,
 * a stub Jenkins for what only Jenkins does, a server that is neither, and a closed port. Each
 * broken set-up must give exit 1 and the ✗ line of the right check with its fix; a sound one exit 0.
 */

const CONFIG = `
security:
  authorization: matrix
  failedAuthentications: { attempts: 1000, window: 1min }
  grants:
    user:admin: [Overall/Administer]
    user:alice: [Overall/Read, Job/Read]
    user:bob: [Overall/Read, Job/Read, Job/Build]
    user:carol: [Overall/Read]
users:
  - { id: alice, password: alice-password }
  - { id: bob, password: bob-password }
  - { id: carol, password: carol-password }
folders:
  - name: team
    jobs:
      - { name: api, steps: ["true"] }
jobs:
  - { name: app, steps: ["true"] }
  - { name: tok, steps: ["true"], authToken: tok-secret-1234 }
  - { name: off, steps: ["true"], disabled: true }
  - name: deploy
    steps: ["true"]
    parameters:
      - { name: TARGET, type: choice, choices: [staging, production] }
`;

const JOB_TOKEN = 'tok-secret-1234';

let steward: TestServer;
let bobToken: string;
let jenkins: JenkinsStub;
let neither: Server;
let neitherUrl: string;
let closedUrl: string;
const cli = new CliRunner();

beforeAll(async () => {
  [steward, jenkins, neither] = await Promise.all([startTestServer({ config: CONFIG, executors: 1 }), startJenkinsStub(), listen(createServer((_, response) => response.end('hello\n')))]);
  neitherUrl = urlOf(neither);
  bobToken = await createApiToken(steward.url, 'bob', 'bob-password', 'doctor');
  const closed = await listen(createServer());
  closedUrl = urlOf(closed);
  await new Promise((resolve) => closed.close(resolve));
});

afterAll(async () => {
  await Promise.all([steward?.stop(), jenkins?.close(), new Promise((resolve) => neither?.close(resolve))]);
  cli.dispose();
});

function doctor(args: string[], env: NodeJS.ProcessEnv = {}): Promise<CliResult> {
  return cli.run(['doctor', ...args], { env: { STEWARD_URL: steward.url, ...env } });
}

/** The ✗ line of a check and the cause and fix lines under it. */
function failure(result: CliResult, title: string | RegExp): { cause: string; fix: string } {
  const lines = result.stdout.split('\n');
  const at = lines.findIndex((line) => line.startsWith('✗ ') && (typeof title === 'string' ? line.includes(title) : title.test(line)));
  if (at < 0) throw new Error(`no ✗ line matching ${String(title)} in:\n${result.stdout}\n${result.stderr}`);
  return { cause: lines[at + 1]?.replace(/^\s+cause:\s+/, '') ?? '', fix: lines[at + 2]?.replace(/^\s+fix:\s+/, '') ?? '' };
}

function failedIds(result: CliResult): string[] {
  return /problems? found: ([a-z_, ]+)\./.exec(result.stdout)?.[1]?.split(', ') ?? [];
}

describe('steward doctor on broken set-ups', () => {
  it('1. nothing listens on the port: connection refused', async () => {
    const result = await doctor(['app', '--server', closedUrl]);
    expect(result.code).toBe(1);
    const { cause, fix } = failure(result, 'nothing answers at');
    expect(cause).toContain('connection refused');
    expect(fix).toContain('start the server (steward serve)');
    expect(result.stdout).toContain('– job visible (skipped: the server check failed)');
  });

  it('2. the URL answers, but it is neither Steward nor Jenkins', async () => {
    const result = await doctor(['app', '--server', neitherUrl]);
    expect(result.code).toBe(1);
    const { cause, fix } = failure(result, 'is neither Steward nor Jenkins');
    expect(cause).toContain('without an X-Steward or X-Jenkins header');
    expect(fix).toContain("point --server (or STEWARD_URL) at the server's root");
  });

  it('3. a wrong password: 401', async () => {
    const result = await doctor(['app', '--auth', 'alice:not-her-password']);
    expect(result.code).toBe(1);
    const { cause, fix } = failure(result, "the server refuses alice's credential (from --auth)");
    expect(cause).toContain('HTTP 401 credentials_invalid');
    expect(fix).toBe('create an API token (steward token create NAME) and use --auth alice:TOKEN (curl -u alice:TOKEN)');
    expect(failedIds(result)).toEqual(['credential']);
    expect(result.stdout).not.toContain('not-her-password');
  });

  it("4. anonymous lacks Overall/Read, and a job token under /job/ does not replace it", async () => {
    const result = await doctor([`${steward.url}job/tok/build?token=${JOB_TOKEN}`]);
    expect(result.code).toBe(1);
    const { cause, fix } = failure(result, "anonymous may not read this server, and a job's token does not replace Overall/Read");
    expect(cause).toContain('403 authentication_required');
    expect(fix).toContain('pass --auth USER:TOKEN');
    expect(fix).toContain(`'${steward.url}buildByToken/build?job=tok&token=TOKEN'`);
    expect(fix).toContain('security.allowAnonymousRead: true');
    expect(result.stdout + result.stderr).not.toContain(JOB_TOKEN);
  });

  it('5. a misspelt job name: 404, with the nearest name', async () => {
    const result = await doctor(['ap', '--auth', `bob:${bobToken}`]);
    expect(result.code).toBe(1);
    const { cause, fix } = failure(result, 'bob sees no job ap');
    expect(cause).toContain("perhaps you meant 'app'?");
    expect(fix).toMatch(/^use the name app, or, if it exists, an administrator grants Job\/Read on ap to user:bob/);
  });

  it('6. a user without Job/Read: the job looks absent', async () => {
    const result = await doctor(['app', '--auth', 'carol:carol-password']);
    expect(result.code).toBe(1);
    const { fix } = failure(result, /carol (sees no job|may not see) app/);
    expect(fix).toContain('an administrator grants Job/Read on app to user:carol');
    expect(fix).toContain('grants: { "user:carol": [Job/Read] }');
  });

  it('7. a user without Job/Build: 403, found without triggering anything', async () => {
    const before = await nextBuildNumber('app');
    const result = await doctor(['app', '--auth', 'alice:alice-password']);
    expect(result.code).toBe(1);
    const { cause, fix } = failure(result, 'alice lacks Job/Build on app');
    expect(cause).toBe('HTTP 403 permission_missing: alice is missing the Job/Build permission on app');
    expect(fix).toContain('an administrator grants Job/Build on app to user:alice');
    expect(fix).toContain('grants: { "user:alice": [Job/Read, Job/Build] }');
    expect(failedIds(result)).toEqual(['build_permission']);
    expect(await nextBuildNumber('app')).toBe(before);
    expect(before).toBe(1);
  });

  it('8. a disabled job', async () => {
    const result = await doctor(['off', '--auth', `bob:${bobToken}`]);
    expect(result.code).toBe(1);
    const { cause, fix } = failure(result, 'off is disabled');
    expect(cause).toContain('409 job_disabled');
    expect(fix).toBe('steward job enable off (or disabled: false for it in the configuration file)');
  });

  it('9. /build of a parameterized job', async () => {
    const result = await doctor(['-X', 'POST', `${steward.url}job/deploy/build`, '--auth', `bob:${bobToken}`]);
    expect(result.code).toBe(1);
    const { fix } = failure(result, 'deploy takes parameters (TARGET), so …/build without json= does not trigger it');
    expect(fix).toBe(`use …/buildWithParameters: curl -X POST -u USER:TOKEN '${steward.url}job/deploy/buildWithParameters?TARGET=value'`);
    expect(failedIds(result)).toEqual(['parameters']);
  });

  it('10. a parameter value the job does not offer', async () => {
    const result = await doctor(['deploy', '-p', 'TARGET=prod', '--auth', `bob:${bobToken}`]);
    expect(result.code).toBe(1);
    const { fix } = failure(result, 'the parameters do not fit deploy: Illegal choice for parameter TARGET: prod');
    expect(fix).toContain('Choose one of: staging, production.');
  });

  it('11. a GET where a POST is needed: 405', async () => {
    const result = await doctor([`${steward.url}job/app/build`, '--auth', `bob:${bobToken}`]);
    expect(result.code).toBe(1);
    const { fix } = failure(result, 'a GET without a token is refused: 405 This URL requires POST');
    expect(fix).toBe(`send a POST: curl -X POST -u bob:TOKEN '${steward.url}job/app/build'`);
    expect(failedIds(result)).toEqual(['method']);
  });

  it('12. an unquoted & cut the Build Token Root URL after job=', async () => {
    const result = await doctor([`${steward.url}buildByToken/build?job=tok`]);
    expect(result.code).toBe(1);
    const { cause, fix } = failure(result, 'an unquoted & in the shell cut the URL short');
    expect(cause).toContain('the URL ends after ?job=tok');
    expect(fix).toBe(`put the URL in single quotes: curl '${steward.url}buildByToken/build?job=tok&token=TOKEN'`);
  });

  it('13. a token for a job that has none, without credentials', async () => {
    const result = await doctor(['app', '--token', 'some-token-value']);
    expect(result.code).toBe(1);
    const { cause, fix } = failure(result, 'app has no trigger token, so the token sent is ignored');
    expect(cause).toContain('404');
    expect(fix).toContain('authToken: ${TOKEN} for it in the configuration file');
    expect(fix).toContain('steward token create ci --trigger --job app');
    expect(result.stdout).not.toContain('some-token-value');
  });

  it('14. a folder named instead of a job', async () => {
    const result = await doctor(['team', '--auth', `bob:${bobToken}`]);
    expect(result.code).toBe(1);
    expect(failure(result, 'team is a folder, not a job').fix).toBe('name a job inside it (steward job list team)');
  });

  it('15. a wrong token, found by --try', async () => {
    const result = await doctor([`${steward.url}buildByToken/build?job=tok&token=wrong-token`, '--try']);
    expect(result.code).toBe(1);
    const { cause } = failure(result, 'the trigger was refused');
    expect(cause).toContain('HTTP 403 job_token_invalid');
    expect(failedIds(result)).toEqual(['try']);
    expect(result.stdout).not.toContain('wrong-token');
  });

  it('16. Jenkins: a password, and a crumb bound to the session cookie (curl without a cookie jar)', async () => {
    const result = await doctor(['-X', 'POST', `${jenkins.url}job/app/build`, '--auth', 'alice:alice-password']);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain('(from the job URL; Jenkins 2.440.3) as alice');
    expect(result.stdout).toContain('✓ alice authenticates with a password');
    const { cause, fix } = failure(result, 'a crumb is required, and it works only with the session cookie it came with');
    expect(cause).toContain('without the session cookie it came with (JSESSIONID.');
    expect(cause).toContain('No valid crumb');
    expect(fix).toContain('use an API token, which needs no crumb');
    expect(fix).toContain('curl --cookie-jar /tmp/jar');
    expect(failedIds(result)).toEqual(['crumb']);
  });

  it('17. Jenkins: a token-only trigger, without the Build Token Root plugin', async () => {
    const result = await doctor(['app', '--server', jenkins.url, '--token', 'job-token-value']);
    expect(result.code).toBe(1);
    const { cause, fix } = failure(result, 'this Jenkins has no Build Authorization Token Root plugin');
    expect(cause).toContain('buildByToken/ is not there');
    expect(fix).toContain('install the build-token-root plugin');
    expect(fix).toContain(`curl -X POST -u USER:API_TOKEN '${jenkins.url}job/app/build'`);
  });
});

describe('steward doctor on sound set-ups', () => {
  it('passes for a user with Job/Build and an API token, and --json gives the same as data', async () => {
    const text = await doctor(['app', '--auth', `bob:${bobToken}`]);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/^Diagnosing triggering app on http:\/\/127\.0\.0\.1:\d+\/ \(from STEWARD_URL; Steward \S+\) as bob \(from --auth\)$/m);
    expect(text.stdout).toContain('✓ bob has Job/Build on app');
    expect(text.stdout).toContain('✓ no crumb needed: requests with an API token are exempt');
    expect(text.stdout).not.toContain(bobToken);
    const json = await doctor(['app', '--auth', `bob:${bobToken}`, '--json']);
    expect(json.code).toBe(0);
    const data = JSON.parse(json.stdout) as { server: { kind: string; source: string }; job: string; checks: Array<{ id: string; status: string; fix: string | null }>; ok: boolean };
    expect(data).toMatchObject({ server: { kind: 'steward', source: 'STEWARD_URL' }, job: 'app', ok: true });
    expect(data.checks.map((check) => check.id)).toEqual(['server', 'credential', 'credential_kind', 'anonymous_read', 'job_visible', 'job_buildable', 'parameters', 'build_permission', 'crumb', 'method', 'build_token_root', 'token', 'shell_ampersand', 'try']);
    expect(data.checks.find((check) => check.id === 'credential_kind')).toMatchObject({ status: 'pass' });
    expect(json.stdout).not.toContain(bobToken);
  });

  it('--json of a broken set-up names the failed check and its fix', async () => {
    const result = await doctor(['off', '--auth', `bob:${bobToken}`, '--json']);
    expect(result.code).toBe(1);
    const data = JSON.parse(result.stdout) as { checks: Array<{ id: string; status: string; fix: string | null }>; ok: boolean };
    expect(data.ok).toBe(false);
    expect(data.checks.filter((check) => check.status === 'fail')).toEqual([expect.objectContaining({ id: 'job_buildable', fix: expect.stringContaining('steward job enable off') })]);
  });

  it('--try triggers a quoted token-only URL for real', async () => {
    const result = await doctor([`${steward.url}buildByToken/build?job=tok&token=${JOB_TOKEN}`, '--try']);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/✓ triggered: GET .*buildByToken\/build\?job=tok&token=TOKEN answered HTTP 201/);
    expect(result.stdout).toMatch(/queue item \d+/);
    expect(result.stdout).not.toContain(JOB_TOKEN);
  });

  it('passes on Jenkins with an API token', async () => {
    const result = await doctor(['app', '--server', jenkins.url, '--auth', `alice:${jenkins.aliceToken}`]);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('✓ Jenkins 2.440.3 answers at');
    expect(result.stdout).toContain('✓ alice authenticates with an API token');
    expect(result.stdout).toContain('✓ alice has Job/Build on app');
  });

  it('refuses a method other than GET or POST with exit 2', async () => {
    const result = await doctor(['-X', 'PUT', `${steward.url}job/app/build`]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('-X takes GET or POST');
  });
});

/** Nothing was queued or built for the job when this stays the same (app is never triggered here). */
async function nextBuildNumber(job: string): Promise<number> {
  const response = await steward.fetch(`/job/${job}/api/json?tree=nextBuildNumber`);
  return ((await response.json()) as { nextBuildNumber: number }).nextBuildNumber;
}
