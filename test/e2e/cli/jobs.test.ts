import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CliRunner } from '../../support/cli.js';
import { jobXml, queueIdOf, startTestServer, stringParameter, type TestServer, waitForBuild } from '../../support/server.js';

let server: TestServer;
const cli = new CliRunner();
const files = mkdtempSync(join(tmpdir(), 'steward-cli-jobs-'));

beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server.stop();
  cli.dispose();
  rmSync(files, { recursive: true, force: true });
});

function steward(args: string[], stdin = '') {
  return cli.run(args, { env: { STEWARD_URL: server.url, STEWARD_AUTH: `admin:${server.adminToken}` }, stdin });
}

async function itemJson(path: string): Promise<Record<string, unknown>> {
  const response = await server.fetch(`${path}api/json`);
  expect(response.status).toBe(200);
  return (await response.json()) as Record<string, unknown>;
}

async function configOf(path: string): Promise<string> {
  return (await server.fetch(`${path}config.xml`)).text();
}

describe('steward job', () => {
  it('creates folders, jobs from a file or standard input, and a job without steps when given nothing', async () => {
    expect(await steward(['job', 'create', 'team', '--folder'])).toEqual({ code: 0, stdout: 'Created the folder team\n', stderr: '' });
    expect(await itemJson('/job/team/')).toMatchObject({ _class: 'com.cloudbees.hudson.plugins.folder.Folder' });

    const file = join(files, 'app.xml');
    writeFileSync(file, jobXml({ description: 'Deploys the app', parameters: stringParameter('BRANCH', 'main') }));
    // Independent commands run side by side: each is a process of its own.
    const [fromFile, piped, minimal, noFolder, missing] = await Promise.all([
      steward(['job', 'create', 'team/app', '--file', file]),
      steward(['job', 'create', 'team/piped'], jobXml({ description: 'from a pipe' })),
      steward(['job', 'create', 'scratch']),
      steward(['job', 'create', 'nowhere/app', '--file', file]),
      steward(['job', 'create', 'x', '--file', join(files, 'missing.xml')]),
    ]);
    expect(fromFile).toMatchObject({ code: 0, stdout: 'Created team/app\n' });
    expect(await itemJson('/job/team/job/app/')).toMatchObject({ description: 'Deploys the app', buildable: true });
    expect(piped).toMatchObject({ code: 0, stdout: 'Created team/piped\n' });
    expect(await configOf('/job/team/job/piped/')).toContain('<description>from a pipe</description>');
    expect(minimal).toMatchObject({ code: 0, stdout: 'Created scratch, a freestyle job with no build steps yet\n' });
    const scratch = await configOf('/job/scratch/');
    expect(scratch).toContain('<project>');
    expect(scratch).not.toContain('hudson.tasks.Shell');
    expect(noFolder.code).toBe(3);
    expect(noFolder.stderr).toContain('There is no folder nowhere to create nowhere/app in.\n  Create the folder first: steward job create nowhere --folder');
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain(`Cannot read ${join(files, 'missing.xml')}`);
  });

  it('lists a level or everything, and refuses to list a job', async () => {
    const [top, recursive, notFolder] = await Promise.all([steward(['job', 'list']), steward(['job', 'list', '-r', '--json']), steward(['job', 'list', 'team/app'])]);
    expect(top.code).toBe(0);
    expect(top.stdout).toMatch(/^NAME\s+TYPE\s+STATUS\n/);
    expect(top.stdout).toMatch(/^scratch\s+freestyle\s+never built$/m);
    expect(top.stdout).toMatch(/^team\s+folder$/m);
    expect(top.stdout).not.toContain('team/app');

    const all = JSON.parse(recursive.stdout) as Array<{ fullName: string; kind: string }>;
    expect(all.map((item) => [item.fullName, item.kind])).toEqual([
      ['scratch', 'job'],
      ['team', 'folder'],
      ['team/app', 'job'],
      ['team/piped', 'job'],
    ]);

    expect(notFolder.code).toBe(3);
    expect(notFolder.stderr).toContain('team/app is a job, not a folder.');
  });

  it('summarizes a job with its parameters and last builds, as text and JSON', async () => {
    const [asJson, asText, typo] = await Promise.all([steward(['job', 'get', 'team/app', '--json']), steward(['job', 'get', 'team/app']), steward(['job', 'get', 'team/ap'])]);
    const json = JSON.parse(asJson.stdout);
    expect(json).toMatchObject({
      fullName: 'team/app',
      kind: 'job',
      description: 'Deploys the app',
      buildable: true,
      disabled: false,
      url: `${server.url}job/team/job/app/`,
      parameters: [{ name: 'BRANCH', type: 'String', default: 'main', hasDefault: true }],
      lastBuild: null,
      lastSuccessfulBuild: null,
      lastFailedBuild: null,
    });

    expect((await server.fetch('/job/scratch/build', { method: 'POST' })).status).toBe(201);
    await waitForBuild(server, '/job/scratch', 1);
    const text = await steward(['job', 'get', 'scratch']);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/^scratch \(freestyle\)\n {2}buildable: {4}yes\n {2}last build: {3}#1 SUCCESS, started \d{4}-\d\d-\d\d \d\d:\d\dZ\n {2}last success: #1 SUCCESS/);
    expect(text.stdout).toContain('  last failure: none\n');

    expect(asText.stdout).toContain('team/app (freestyle)\n  description:  Deploys the app\n  buildable:    yes\n  parameter:    BRANCH (String), default "main"\n');
    expect(typo.code).toBe(3);
    expect(typo.stderr).toContain("No such job 'team/ap'; perhaps you meant 'team/app'?");
  });

  it('prints config.xml, and apply updates a job or creates it, saying which', async () => {
    const config = await steward(['job', 'config', 'team/app']);
    expect(config.code).toBe(0);
    expect(config.stdout).toMatch(/^<\?xml/);
    expect(config.stdout).toContain('<description>Deploys the app</description>');

    const file = join(files, 'fresh.xml');
    writeFileSync(file, jobXml({ description: 'fresh' }));
    const [updated, created, empty] = await Promise.all([
      steward(['job', 'apply', 'team/app', '--file', '-'], config.stdout.replace('Deploys the app', 'Deploys it better')),
      steward(['job', 'apply', 'team/fresh', '--file', file]),
      steward(['job', 'apply', 'team/piped', '--file', '-'], '  \n'),
    ]);
    expect(updated).toMatchObject({ code: 0, stdout: 'Updated the configuration of team/app\n' });
    expect(await itemJson('/job/team/job/app/')).toMatchObject({ description: 'Deploys it better' });
    expect(created).toMatchObject({ code: 0, stdout: 'Created team/fresh (it did not exist)\n' });
    expect(await itemJson('/job/team/job/fresh/')).toMatchObject({ description: 'fresh' });
    expect(empty).toMatchObject({ code: 2, stderr: 'steward: Standard input is empty; a config.xml was expected.\n' });
  });

  it('disables, enables and deletes', async () => {
    expect(await steward(['job', 'disable', 'team/app'])).toMatchObject({ code: 0, stdout: 'Disabled team/app\n' });
    expect(await itemJson('/job/team/job/app/')).toMatchObject({ buildable: false, disabled: true });
    expect(await steward(['job', 'enable', 'team/app'])).toMatchObject({ code: 0, stdout: 'Enabled team/app\n' });
    expect(await itemJson('/job/team/job/app/')).toMatchObject({ buildable: true, disabled: false });

    const [folder, deleted] = await Promise.all([steward(['job', 'disable', 'team']), steward(['job', 'delete', 'team/fresh'])]);
    expect(folder.code).toBe(3);
    expect(folder.stderr).toContain('team is a folder, and disable is only for jobs.');
    expect(deleted).toMatchObject({ code: 0, stdout: 'Deleted team/fresh\n' });
    expect((await server.fetch('/job/team/job/fresh/api/json')).status).toBe(404);
    const again = await steward(['job', 'delete', 'team/fresh']);
    expect(again.code).toBe(3);
    expect(again.stderr).toContain("No such job 'team/fresh'");
  });
});

describe('steward queue', () => {
  it('lists what waits and why, and cancels a waiting build', async () => {
    await server.createJob('quiet', jobXml({ extra: '<quietPeriod>60</quietPeriod>' }));
    expect(await steward(['queue'])).toMatchObject({ code: 0, stdout: 'The queue is empty.\n' });

    const id = queueIdOf(await server.fetch('/job/quiet/build', { method: 'POST' }));
    const [list, listJson] = await Promise.all([steward(['queue']), steward(['queue', 'list', '--json'])]);
    expect(list.stdout).toMatch(new RegExp(`^ID\\s+JOB\\s+SINCE\\s+WHY\\n${id}\\s+quiet\\s+\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\dZ\\s+In the quiet period`));
    expect(JSON.parse(listJson.stdout)).toEqual([expect.objectContaining({ id, job: 'quiet', why: expect.stringContaining('In the quiet period'), inQueueSince: expect.stringMatching(/Z$/) })]);

    expect(await steward(['queue', 'cancel', String(id)])).toMatchObject({ code: 0, stdout: `Cancelled queue item ${id} (quiet)\n` });
    expect(await (await server.fetch(`/queue/item/${id}/api/json`)).json()).toMatchObject({ cancelled: true });
    const [again, notAnId] = await Promise.all([steward(['queue', 'cancel', String(id)]), steward(['queue', 'cancel', 'abc'])]);
    expect(again.code).toBe(4);
    expect(again.stderr).toContain(`Queue item ${id} (quiet) was already cancelled.`);
    expect(notAnId).toMatchObject({ code: 2, stderr: 'steward: "abc" is not a queue item id: ids are whole numbers (see steward queue).\n' });
  });
});

// docs.test.ts checks that every command's --help has examples.
describe('help', () => {
  it('prints the help of a command from the command line', async () => {
    const help = await cli.run(['job', 'create', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('Usage: steward job create [options] <name>');
    expect(help.stdout).toContain('with nothing piped,\nthe job is a freestyle job with no build steps');
  });
});
