import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../../support/server.js';

const execFileAsync = promisify(execFile);

/**
 * Debian's Jenkins Job Builder 3.11, unmodified (`jenkins-jobs update`), against Steward: what it
 * writes is run where Steward runs it (a timed trigger, a git SCM) and named where it is not (SCM
 * polling), and a schedule Jenkins would refuse is refused (400).
 */
let server: TestServer;
let dir: string;

beforeAll(async () => {
  server = await startTestServer();
  dir = mkdtempSync(join(tmpdir(), 'steward-jjb-'));
  writeFileSync(join(dir, 'jjb.ini'), `[job_builder]\nquery_plugins_info=False\n[jenkins]\nurl=${server.url}\nuser=admin\npassword=${server.adminToken}\n`);
});

afterAll(async () => {
  await server.close();
  rmSync(dir, { recursive: true, force: true });
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
    name: nightly
    project-type: freestyle
    triggers:
      - timed: "${timed}"
      - pollscm:
          cron: "H/5 * * * *"
    scm:
      - git:
          url: https://git.example.com/repo.git
          branches: ["*/main"]
    builders:
      - shell: "echo nightly"
`;

describe('Jenkins Job Builder', () => {
  it('creates a job whose timed trigger Steward runs, and names the SCM polling it does not, and reads the git SCM', async () => {
    const created = await update(job('H 2 * * 1-5'));
    expect(created.output).toContain('Number of jobs updated: 1');
    expect(created.code).toBe(0);
    const xml = await (await server.fetch('/job/nightly/config.xml')).text();
    expect(xml).toContain('<hudson.triggers.TimerTrigger><spec>H 2 * * 1-5</spec></hudson.triggers.TimerTrigger>');
    const api = (await (await server.fetch('/job/nightly/api/json')).json()) as { actions: Array<{ _class?: string; ignoredSettings?: string[] }> };
    expect(api.actions.find((action) => action._class === 'io.steward.model.IgnoredSettingsAction')?.ignoredSettings).toEqual(['triggers/hudson.triggers.SCMTrigger']);
  });

  it('fails an update whose schedule is not one with 400, and keeps the job as it was', async () => {
    const refused = await update(job('H 25 * * *'));
    expect(refused.code).not.toBe(0);
    // JJB prints the status, not the body (which says why: config_invalid, the line and the field).
    expect(refused.output).toMatch(/400 Client Error: Bad Request for url: \S+\/job\/nightly\/config\.xml/);
    expect(await (await server.fetch('/job/nightly/config.xml')).text()).toContain('<spec>H 2 * * 1-5</spec>');
  });
});
