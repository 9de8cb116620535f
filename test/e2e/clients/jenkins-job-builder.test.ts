import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestRepository } from '../../support/git-repos.js';
import { startTestServer, type TestServer, waitForBuild } from '../../support/server.js';

const execFileAsync = promisify(execFile);

/**
 * Debian's Jenkins Job Builder 3.11, unmodified (`jenkins-jobs update`), against Steward: what it
 * writes is run where Steward runs it (a timed trigger, a git SCM) and named where it is not (SCM
 * polling), and a schedule Jenkins would refuse is refused (400).
 */
let server: TestServer;
let repo: TestRepository;
let dir: string;

beforeAll(async () => {
  repo = new TestRepository();
  repo.commit('Deploy from JJB', { 'deploy.sh': 'echo deploy\n' });
  // Builds run as a build user here (tests run as root), for whom the repository is another account's.
  writeFileSync(join(repo.root, 'gitconfig'), '[safe]\n\tdirectory = *\n');
  server = await startTestServer({ config: `settings:\n  buildEnvironment:\n    GIT_CONFIG_GLOBAL: ${join(repo.root, 'gitconfig')}\n` });
  dir = mkdtempSync(join(tmpdir(), 'steward-jjb-'));
  writeFileSync(join(dir, 'jjb.ini'), `[job_builder]\nquery_plugins_info=False\n[jenkins]\nurl=${server.url}\nuser=admin\npassword=${server.adminToken}\n`);
});

afterAll(async () => {
  await server.close();
  rmSync(dir, { recursive: true, force: true });
  repo.remove();
});

/** `jenkins-jobs update` of one YAML file; its own cache (in a home of its own) never skips a job. */
async function update(yaml: string): Promise<{ code: number; output: string }> {
  const file = join(dir, 'jobs.yaml');
  writeFileSync(file, yaml);
  try {
    const { stdout, stderr } = await execFileAsync('/usr/bin/jenkins-jobs', ['--conf', join(dir, 'jjb.ini'), '--ignore-cache', 'update', file], { env: { ...process.env, HOME: dir }, timeout: 30_000 });
    return { code: 0, output: stdout + stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, output: failed.stdout + failed.stderr };
  }
}

const job = (timed: string) => `- job:
    name: deploy
    project-type: freestyle
    triggers:
      - timed: "${timed}"
      - pollscm:
          cron: ""
    scm:
      - git:
          url: ${repo.url}
          branches: ["*/main"]
    wrappers:
      - credentials-binding:
          - text:
              credential-id: api-key
              variable: API_KEY
          - username-password-separated:
              credential-id: deploy-login
              username: DEPLOY_USER
              password: DEPLOY_PASSWORD
    builders:
      - shell: |
          git log -1 --format=%s
          echo "key=$API_KEY user=$DEPLOY_USER pass=$DEPLOY_PASSWORD"
`;

async function createCredential(xml: string): Promise<void> {
  const response = await server.fetch('/credentials/store/system/domain/_/createCredentials', { method: 'POST', headers: { 'content-type': 'application/xml' }, body: xml });
  expect(response.status).toBe(200);
}

describe('Jenkins Job Builder', () => {
  it("creates a job with scm: git, triggers: timed and pollscm, and wrappers: credentials-binding, all of which Steward runs", async () => {
    await createCredential('<org.jenkinsci.plugins.plaincredentials.impl.StringCredentialsImpl><scope>GLOBAL</scope><id>api-key</id><description/><secret>jjb-api-key-9f3e</secret></org.jenkinsci.plugins.plaincredentials.impl.StringCredentialsImpl>');
    await createCredential('<com.cloudbees.plugins.credentials.impl.UsernamePasswordCredentialsImpl><scope>GLOBAL</scope><id>deploy-login</id><description/><username>deployer</username><password>jjb-password-41c2</password></com.cloudbees.plugins.credentials.impl.UsernamePasswordCredentialsImpl>');
    const created = await update(job('H 2 * * 1-5'));
    expect(created.output).toContain('Number of jobs updated: 1');
    expect(created.code).toBe(0);
    const xml = await (await server.fetch('/job/deploy/config.xml')).text();
    expect(xml).toContain('<hudson.triggers.TimerTrigger><spec>H 2 * * 1-5</spec></hudson.triggers.TimerTrigger>');
    // Nothing of what JJB wrote is left unrun.
    const api = (await (await server.fetch('/job/deploy/api/json')).json()) as { actions: Array<{ _class?: string }> };
    expect(api.actions.some((action) => action._class === 'io.steward.model.IgnoredSettingsAction')).toBe(false);
    expect((await server.fetch('/job/deploy/build', { method: 'POST' })).status).toBe(201);
    const build = await waitForBuild(server, '/job/deploy', 1, 30_000);
    const log = await (await server.fetch('/job/deploy/1/consoleText')).text();
    expect(build.result, log).toBe('SUCCESS');
    expect(log).toContain('Deploy from JJB');
    expect(log).toContain('key=**** user=deployer pass=****');
    expect(log).not.toContain('jjb-api-key-9f3e');
    expect(log).not.toContain('jjb-password-41c2');
  });

  it('fails an update whose schedule is not one with 400, and keeps the job as it was', async () => {
    const refused = await update(job('H 25 * * *'));
    expect(refused.code).not.toBe(0);
    // JJB prints the status, not the body (which says why: config_invalid, the line and the field).
    expect(refused.output).toMatch(/400 Client Error: Bad Request for url: \S+\/job\/deploy\/config\.xml/);
    expect(await (await server.fetch('/job/deploy/config.xml')).text()).toContain('<spec>H 2 * * 1-5</spec>');
  });
});
