import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CliRunner } from '../../support/cli.js';
import { startJenkinsStub } from '../../support/jenkins-stub.js';
import { ADMIN_PASSWORD, basicAuth, createApiToken, jobXml, startTestServer, type TestServer } from '../../support/server.js';

let server: TestServer;
let aliceToken: string;
let bobToken: string;
const runners: CliRunner[] = [];

function runner(): CliRunner {
  const cli = new CliRunner();
  runners.push(cli);
  return cli;
}

async function whoami(cli: CliRunner, env: NodeJS.ProcessEnv, args: string[] = []): Promise<{ name: string; credentialSource: string; credential: string }> {
  const run = await cli.run(['whoami', '--json', ...args], { env: { STEWARD_URL: server.url, ...env } });
  expect(run.stderr).toBe('');
  expect(run.code).toBe(0);
  return JSON.parse(run.stdout) as { name: string; credentialSource: string; credential: string };
}

beforeAll(async () => {
  server = await startTestServer();
  for (const id of ['alice', 'bob']) {
    const response = await server.fetch('/steward/api/v1/users', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ id, password: `${id}-password` }) });
    expect(response.status).toBe(201);
  }
  aliceToken = await createApiToken(server.url, 'alice', 'alice-password', 'cli');
  bobToken = await createApiToken(server.url, 'bob', 'bob-password', 'cli');
  await server.createJob('app', jobXml({ steps: ['echo built'] }));
}, 60_000);

afterAll(async () => {
  await server.stop();
  for (const cli of runners) cli.dispose();
});

describe('credential sources, in order of precedence', () => {
  it('--auth USER:TOKEN and --auth @FILE', async () => {
    const cli = runner();
    expect(await whoami(cli, {}, ['--auth', `alice:${aliceToken}`])).toMatchObject({ name: 'alice', credential: 'api_token', credentialSource: '--auth' });
    const file = join(cli.home, 'auth');
    writeFileSync(file, `bob:${bobToken}\n`);
    expect(await whoami(cli, {}, ['--auth', `@${file}`])).toMatchObject({ name: 'bob', credentialSource: '--auth' });
    // also before the command, where -s is --server
    const before = await cli.run(['-s', server.url, '--auth', `alice:${aliceToken}`, 'whoami', '--json'], {});
    expect(JSON.parse(before.stdout)).toMatchObject({ name: 'alice', server: { source: '--server' } });
  });

  it('STEWARD_AUTH (also @FILE), then JENKINS_USER_ID + JENKINS_API_TOKEN', async () => {
    const cli = runner();
    expect(await whoami(cli, { STEWARD_AUTH: `alice:${aliceToken}`, JENKINS_USER_ID: 'bob', JENKINS_API_TOKEN: bobToken })).toMatchObject({ name: 'alice', credentialSource: 'STEWARD_AUTH' });
    const file = join(cli.home, 'auth');
    writeFileSync(file, `bob:${bobToken}\n`);
    expect(await whoami(cli, { STEWARD_AUTH: `@${file}` })).toMatchObject({ name: 'bob', credentialSource: 'STEWARD_AUTH' });
    expect(await whoami(cli, { JENKINS_USER_ID: 'bob', JENKINS_API_TOKEN: bobToken })).toMatchObject({ name: 'bob', credentialSource: 'JENKINS_USER_ID and JENKINS_API_TOKEN' });
    expect(await whoami(cli, { STEWARD_AUTH: `alice:${aliceToken}` }, ['--auth', `bob:${bobToken}`])).toMatchObject({ name: 'bob', credentialSource: '--auth' });
    // JENKINS_URL names the server when STEWARD_URL does not
    const jenkinsUrl = await cli.run(['whoami', '--json'], { env: { JENKINS_URL: server.url, JENKINS_USER_ID: 'bob', JENKINS_API_TOKEN: bobToken } });
    expect(JSON.parse(jenkinsUrl.stdout)).toMatchObject({ name: 'bob', server: { source: 'JENKINS_URL' } });
  });

  it('a login profile (0600) with a token, used when no option or variable gives credentials', async () => {
    const cli = runner();
    const login = await cli.run(['login', server.url, '--user', 'alice', '--token-stdin'], { stdin: `${aliceToken}\n` });
    expect(login.stderr).toBe('');
    expect(login.code).toBe(0);
    const file = join(cli.home, '.config', 'steward', 'credentials.json');
    expect(login.stdout).toBe(`Logged in to ${server.url} as alice; saved the API token in ${file}\n`);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    // the profile also names the server for later commands
    const run = await cli.run(['whoami', '--json'], {});
    expect(JSON.parse(run.stdout)).toMatchObject({ name: 'alice', credentialSource: `the login profile (${file})`, server: { url: server.url } });
    expect(await whoami(cli, { JENKINS_USER_ID: 'bob', JENKINS_API_TOKEN: bobToken })).toMatchObject({ name: 'bob' });
    const logout = await cli.run(['logout'], {});
    expect(logout.stdout).toBe(`Forgot alice's credentials for ${server.url}\n`);
    expect((await whoami(cli, {})).name).toBe('anonymous');
  });

  it('login with a password saves a new API token instead, and logout revokes it', async () => {
    const cli = runner();
    const login = await cli.run(['login', server.url, '--user', 'bob', '--password-stdin', '--token-name', 'laptop'], { stdin: 'bob-password\n' });
    expect(login.code).toBe(0);
    expect(login.stdout).toContain('created the API token "laptop" and saved it (not the password)');
    const file = join(cli.home, '.config', 'steward', 'credentials.json');
    const saved = readFileSync(file, 'utf8');
    expect(saved).not.toContain('bob-password');
    const token = (JSON.parse(saved) as { servers: Record<string, { token: string }> }).servers[server.url]?.token ?? '';
    expect(token).toMatch(/^stwu_/);
    expect(await whoami(cli, {})).toMatchObject({ name: 'bob', credential: 'api_token' });
    const logout = await cli.run(['logout', server.url], {});
    expect(logout.stdout).toBe(`Revoked the API token login created, and forgot bob's credentials for ${server.url}\n`);
    expect((await fetch(new URL('whoAmI/api/json', server.url), { headers: { authorization: basicAuth('bob', token) } })).status).toBe(401);
  });

  it('login with a password says nothing of crumbs (it exchanges the password for a token); a password saved with --token-stdin gets the note', async () => {
    const cli = runner();
    const exchange = await cli.run(['login', server.url, '--user', 'bob', '--password-stdin'], { stdin: 'bob-password\n' });
    expect(exchange.code).toBe(0);
    expect(exchange.stderr).toBe('');
    const saved = await cli.run(['login', server.url, '--user', 'bob', '--token-stdin'], { stdin: 'bob-password\n' });
    expect(saved.code).toBe(0);
    expect(saved.stderr).toBe(
      "steward: note: the server took this secret as bob's password, not an API token, and it was saved as given: every POST with it needs a crumb (steward fetches one). Log in with --password-stdin instead to save an API token, which needs none and can be revoked alone.\n",
    );
    const token = await cli.run(['login', server.url, '--user', 'bob', '--token-stdin'], { stdin: `${bobToken}\n` });
    expect(token.stderr).toBe('');
  });

  it('a refused login says so with exit 7 and saves nothing', async () => {
    const cli = runner();
    const login = await cli.run(['login', server.url, '--user', 'alice', '--token-stdin'], { stdin: 'not-the-token\n' });
    expect(login.code).toBe(7);
    expect(login.stderr).toContain('Invalid password/token for user: alice');
    expect(login.stderr).not.toContain('not-the-token');
    expect((await whoami(cli, {})).name).toBe('anonymous');
  });

  it('~/.netrc last, for the server host', async () => {
    const cli = runner();
    writeFileSync(join(cli.home, '.netrc'), `# tokens\nmachine elsewhere.example login bob password nope\nmachine 127.0.0.1\n  login alice\n  password ${aliceToken}\n`, { mode: 0o600 });
    expect(await whoami(cli, {})).toMatchObject({ name: 'alice', credentialSource: join(cli.home, '.netrc') });
    expect(await whoami(cli, { JENKINS_USER_ID: 'bob', JENKINS_API_TOKEN: bobToken })).toMatchObject({ name: 'bob' });
  });

  it('user info in the server URL, never shown back', async () => {
    const cli = runner();
    const url = new URL(server.url);
    url.username = 'alice';
    url.password = aliceToken;
    const run = await cli.run(['whoami', '--json'], { env: { STEWARD_URL: url.href } });
    const data = JSON.parse(run.stdout) as { name: string; server: { url: string } };
    expect(data).toMatchObject({ name: 'alice', server: { url: server.url } });
    expect(run.stdout).not.toContain(aliceToken);
  });

  it('an unusable --auth is a usage error that names the form', async () => {
    const cli = runner();
    const run = await cli.run(['whoami', '--auth', 'alice'], { env: { STEWARD_URL: server.url } });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('--auth takes USER:TOKEN (or @FILE holding that)');
  });
});

describe('a password instead of a token', () => {
  it('gets crumbs (and their cookie) automatically, with a hint that a token is better', async () => {
    const cli = runner();
    const run = await cli.run(['build', 'app', '-s'], { env: { STEWARD_URL: server.url, STEWARD_AUTH: `admin:${ADMIN_PASSWORD}` } });
    expect(run.stdout).toMatch(/^Started app #\d+\nCompleted app #\d+ : SUCCESS\n$/);
    expect(run.code).toBe(0);
    expect(run.stderr).toBe(
      "steward: note: the server wanted a crumb, so admin's credential is a password; an API token needs none and can be revoked alone (steward token create NAME).\n",
    );
    expect(run.stderr + run.stdout).not.toContain(ADMIN_PASSWORD);
  });

  it('never shows the secret when it is refused', async () => {
    const cli = runner();
    const run = await cli.run(['build', 'app'], { env: { STEWARD_URL: server.url, STEWARD_AUTH: 'admin:wrong-password-123' } });
    expect(run.code).toBe(7);
    expect(run.stderr).toContain('Invalid password/token for user: admin');
    expect(run.stderr + run.stdout).not.toContain('wrong-password-123');
  });
});

describe('against Jenkins (a stub modelled on the reference)', () => {
  it('a password gets a crumb and keeps the session cookie Jenkins binds it to; build -s -v follows the build', async () => {
    const jenkins = await startJenkinsStub();
    try {
      const cli = runner();
      const run = await cli.run(['-s', jenkins.url, '--auth', 'alice:alice-password', 'build', 'app', '-s', '-v'], {});
      expect(run.stdout).toBe('Started app #1\nStarted by user alice\nRunning as SYSTEM\n[app] $ /bin/sh -xe /tmp/jenkins1.sh\n+ make\nFinished: SUCCESS\nCompleted app #1 : SUCCESS\n');
      expect(run.stderr).toContain("note: the server wanted a crumb, so alice's credential is a password");
      expect(run.code).toBe(0);
      const token = await cli.run(['build', 'app', '-s', '--json'], { env: { JENKINS_URL: jenkins.url, JENKINS_USER_ID: 'alice', JENKINS_API_TOKEN: jenkins.aliceToken } });
      expect(token.stderr).toBe('');
      expect(JSON.parse(token.stdout)).toMatchObject({ job: 'app', queueId: 8, build: { number: 2, result: 'SUCCESS' } });
      // Login with the password: Jenkins wants a crumb for its POST, which the client fetches; no note, since login saves a token.
      const login = await cli.run(['login', jenkins.url, '--user', 'alice', '--password-stdin'], { stdin: 'alice-password\n' });
      expect(login.code).toBe(0);
      expect(login.stdout).toContain('created the API token "made" and saved it (not the password)');
      expect(login.stderr).toBe('');
      const who = await cli.run(['whoami', '--json', '--server', jenkins.url, '--auth', `alice:${jenkins.aliceToken}`], {});
      expect(JSON.parse(who.stdout)).toMatchObject({ name: 'alice', server: { kind: 'jenkins', version: '2.440.3' }, credential: 'unknown', permissions: null });
    } finally {
      await jenkins.close();
    }
  });
});

describe('where nothing answers', () => {
  it('says so, names where the URL came from, and exits 1', async () => {
    const cli = runner();
    const port = await closedPort();
    const run = await cli.run(['whoami'], { env: { STEWARD_URL: `http://127.0.0.1:${port}/` } });
    expect(run.code).toBe(1);
    expect(run.stderr).toBe(`steward: Nothing answers at http://127.0.0.1:${port}/ (from STEWARD_URL): connection refused.\n  Start the server (steward serve), or point --server or STEWARD_URL at it.\n`);
  });
});

/** A loopback port nothing listens on (one that was free a moment ago). */
function closedPort(): Promise<number> {
  return new Promise((resolve) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}
