import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { basicAuth, jobXml, queueIdOf, startTestServer, type TestServer, waitFor, waitForBuild } from '../support/server.js';

const home = mkdtempSync(join(tmpdir(), 'steward-casc-'));
afterAll(() => rmSync(home, { recursive: true, force: true }));

const CONFIG = `
settings:
  executors: 3
  quietPeriod: 0
users:
  - id: alice
    fullName: Alice Example
    password: \${ALICE_PASSWORD}
folders:
  - name: team
    description: The team's jobs
    jobs:
      - name: deploy
        description: Deploys
        parameters:
          - { name: TARGET, type: choice, choices: [staging, production] }
          - { name: TOKEN, type: password, default: "\${DEPLOY_TOKEN}" }
        steps:
          - echo "deploying to $TARGET with $TOKEN"
      - name: hang
        timeout: 1s
        steps: ["sleep 20"]
jobs:
  - name: hello
    steps: ["echo hello from config"]
`;

async function withServer(config: string, env: NodeJS.ProcessEnv, body: (server: TestServer) => Promise<void>): Promise<void> {
  const server = await startTestServer({ home, config, env });
  try {
    await body(server);
  } finally {
    await server.close();
  }
}

async function run(server: TestServer, path: string): Promise<{ json: Record<string, unknown>; log: string }> {
  const id = queueIdOf(await server.fetch(path, { method: 'POST' }));
  const number = await waitFor(async () => ((await (await server.fetch(`/queue/item/${id}/api/json`)).json()) as { executable?: { number: number } }).executable?.number);
  const job = path.slice(0, path.lastIndexOf('/'));
  const json = await waitForBuild(server, job, number);
  return { json, log: await (await server.fetch(`${job}/${number}/consoleText`)).text() };
}

describe('configuration as code', () => {
  it('creates the declared users, folders and jobs, which then run as declared', async () => {
    await withServer(CONFIG, { ALICE_PASSWORD: 'alice-pw', DEPLOY_TOKEN: 'tok-123' }, async (server) => {
      const who = await server.fetch('/whoAmI/api/json', { auth: basicAuth('alice', 'alice-pw') });
      expect(await who.json()).toMatchObject({ name: 'alice' });
      expect(await (await server.fetch('/me/api/json', { auth: basicAuth('alice', 'alice-pw') })).json()).toMatchObject({ fullName: 'Alice Example' });
      expect(await (await server.fetch('/computer/api/json')).json()).toMatchObject({ totalExecutors: 3 });
      expect(await (await server.fetch('/job/team/api/json')).json()).toMatchObject({ description: "The team's jobs", jobs: [{ name: 'deploy' }, { name: 'hang' }] });
      const deploy = await run(server, '/job/team/job/deploy/buildWithParameters?TARGET=production');
      expect(deploy.json.result).toBe('SUCCESS');
      expect(deploy.log).toContain('\ndeploying to production with ****\n');
      const hang = await run(server, '/job/team/job/hang/build');
      expect(hang.json.result).toBe('ABORTED');
      expect(hang.log).toContain('Build timed out (after 1 s). Marking the build as aborted.\nFinished: ABORTED\n');
      expect((await run(server, '/job/hello/build')).log).toContain('\nhello from config\n');
      // An item made through the API, which the file does not mention.
      await server.createJob('made-by-hand', jobXml());
      await server.fetch('/job/hello/disable', { method: 'POST' });
    });
  });

  it('brings declared items back to the declared state at the next start and leaves the rest alone', async () => {
    const changed = CONFIG.replace('Deploys', 'Deploys, now documented').replace('Alice Example', 'Alice E.');
    await withServer(changed, { ALICE_PASSWORD: 'new-alice-pw', DEPLOY_TOKEN: 'tok-123' }, async (server) => {
      expect(await (await server.fetch('/job/team/job/deploy/api/json?tree=description')).json()).toMatchObject({ description: 'Deploys, now documented' });
      expect(await (await server.fetch('/job/hello/api/json?tree=disabled')).json()).toMatchObject({ disabled: false });
      expect((await server.fetch('/job/made-by-hand/api/json')).status).toBe(200);
      expect((await server.fetch('/whoAmI/api/json', { auth: basicAuth('alice', 'alice-pw') })).status).toBe(401);
      expect((await server.fetch('/me/api/json', { auth: basicAuth('alice', 'new-alice-pw') })).status).toBe(200);
      expect(await (await server.fetch('/job/hello/1/api/json')).json()).toMatchObject({ result: 'SUCCESS' });
    });
  });

  it('applies the security section, groups and folder grants, and rejects a bad grant before starting', async () => {
    const secured = `
security:
  authorization: matrix
  grants:
    user:admin: [Overall/Administer]
    authenticated: [Overall/Read]
users:
  - id: dev1
    password: dev1-password
    groups: [devs]
  - id: guest
    password: guest-password
folders:
  - name: team
    grants:
      group:devs: [Job/Read, Job/Build]
    jobs:
      - name: app
        quietPeriod: 1h
`;
    const securedHome = mkdtempSync(join(tmpdir(), 'steward-casc-security-'));
    const server = await startTestServer({ home: securedHome, config: secured });
    try {
      expect((await server.fetch('/job/team/job/app/build', { method: 'POST', auth: basicAuth('dev1', 'dev1-password'), headers: { 'Jenkins-Crumb': await crumbOf(server, 'dev1', 'dev1-password') } })).status).toBe(201);
      const guest = await server.fetch('/job/team/job/app/api/json', { auth: basicAuth('guest', 'guest-password') });
      expect(guest.status).toBe(404);
      expect(await (await server.fetch('/steward/api/v1/security')).json()).toMatchObject({ authorization: 'matrix', grants: { 'user:admin': ['Overall/Administer'], authenticated: ['Overall/Read'] } });
    } finally {
      await server.stop();
      rmSync(securedHome, { recursive: true, force: true });
    }
    await expect(startTestServer({ config: 'security:\n  authorization: matrix\n  grants:\n    authenticated: [Overall/Read]\n' })).rejects.toThrow(/nobody able to administer/);
  });

  it('refuses a password default with a NUL character, which no build could start with', async () => {
    const config = 'jobs:\n  - name: nul\n    parameters:\n      - { name: SECRET, type: password, default: "a\\0b" }\n';
    await expect(startTestServer({ config })).rejects.toThrow(/The default value of parameter SECRET contains a NUL character/);
  });
});

async function crumbOf(server: TestServer, user: string, password: string): Promise<string> {
  return ((await (await server.fetch('/crumbIssuer/api/json', { auth: basicAuth(user, password) })).json()) as { crumb: string }).crumb;
}

