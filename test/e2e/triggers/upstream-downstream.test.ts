import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { basicAuth, createApiToken, FOLDER_XML, jobXml, startTestServer, stringParameter, type TestServer, waitForBuild } from '../../support/server.js';

let server: TestServer;

const threshold = (name: 'SUCCESS' | 'UNSTABLE' | 'FAILURE') => {
  const [ordinal, color] = { SUCCESS: [0, 'BLUE'], UNSTABLE: [1, 'YELLOW'], FAILURE: [2, 'RED'] }[name];
  return `<threshold><name>${name}</name><ordinal>${ordinal}</ordinal><color>${color}</color><completeBuild>true</completeBuild></threshold>`;
};
const after = (projects: string, name: 'SUCCESS' | 'UNSTABLE' | 'FAILURE') =>
  `<triggers><jenkins.triggers.ReverseBuildTrigger><spec></spec><upstreamProjects>${projects}</upstreamProjects>${threshold(name)}</jenkins.triggers.ReverseBuildTrigger></triggers>`;
const buildOther = (projects: string, name: 'SUCCESS' | 'UNSTABLE' | 'FAILURE') =>
  `<publishers><hudson.tasks.BuildTrigger><childProjects>${projects}</childProjects>${threshold(name)}</hudson.tasks.BuildTrigger></publishers>`;

/** `a` ends as its MODE says: SUCCESS, UNSTABLE (exit 3) or FAILURE. */
const UPSTREAM_XML = `<project><properties><hudson.model.ParametersDefinitionProperty><parameterDefinitions>${stringParameter('MODE', 'ok')}</parameterDefinitions></hudson.model.ParametersDefinitionProperty></properties>
<builders><hudson.tasks.Shell><command>case "$MODE" in unstable) exit 3;; fail) exit 1;; esac</command><unstableReturn>3</unstableReturn></hudson.tasks.Shell></builders>
${buildOther('c', 'SUCCESS')}</project>`;

beforeAll(async () => {
  server = await startTestServer();
  // c first: a names it, and a name must be a job when it is saved.
  await server.createJob('c', jobXml());
  await server.createJob('a', UPSTREAM_XML);
  await server.createJob('b', jobXml({ extra: after('a', 'UNSTABLE') }));
  await server.createJob('team', FOLDER_XML);
  await server.createJob('team/lib', jobXml());
  // Relative to its folder: "lib" is team/lib.
  await server.createJob('team/app', jobXml({ extra: after('lib', 'SUCCESS') }));
});
afterAll(async () => {
  await server.stop();
});

interface Cause {
  _class: string;
  shortDescription: string;
  upstreamBuild?: number;
  upstreamProject?: string;
  upstreamUrl?: string;
}

async function causesOf(path: string): Promise<Cause[]> {
  const build = await waitForBuild(server, path.slice(0, path.lastIndexOf('/')), Number(path.slice(path.lastIndexOf('/') + 1)));
  return (build.actions as Array<{ causes?: Cause[] }>).flatMap((action) => action.causes ?? []);
}

async function buildA(mode: string, number: number): Promise<string> {
  expect((await server.fetch(`/job/a/buildWithParameters?MODE=${mode}`, { method: 'POST' })).status).toBe(201);
  return (await waitForBuild(server, '/job/a', number)).result as string;
}

describe('build after other projects', () => {
  it('starts the downstream jobs whose threshold the upstream result meets, caused by the upstream build', async () => {
    expect(await buildA('ok', 1)).toBe('SUCCESS');
    const upstreamCause = (number: number) => ({
      _class: 'hudson.model.Cause$UpstreamCause',
      shortDescription: `Started by upstream project "a" build number ${number}`,
      upstreamBuild: number,
      upstreamProject: 'a',
      upstreamUrl: 'job/a/',
    });
    // b by its ReverseBuildTrigger, c by a's BuildTrigger.
    expect(await causesOf('/job/b/1')).toEqual([upstreamCause(1)]);
    expect(await causesOf('/job/c/1')).toEqual([upstreamCause(1)]);
    // UNSTABLE meets b's UNSTABLE, not c's SUCCESS.
    expect(await buildA('unstable', 2)).toBe('UNSTABLE');
    expect(await causesOf('/job/b/2')).toEqual([upstreamCause(2)]);
    // FAILURE meets neither; the next success starts both again, so their next builds name a #4.
    expect(await buildA('fail', 3)).toBe('FAILURE');
    expect(await buildA('ok', 4)).toBe('SUCCESS');
    expect(await causesOf('/job/b/3')).toEqual([upstreamCause(4)]);
    expect(await causesOf('/job/c/2')).toEqual([upstreamCause(4)]);
  });

  it('resolves names relative to the job\'s folder, and names the upstream by its full name', async () => {
    expect((await server.fetch('/job/team/job/lib/build', { method: 'POST' })).status).toBe(201);
    expect(await causesOf('/job/team/job/app/1')).toEqual([
      {
        _class: 'hudson.model.Cause$UpstreamCause',
        shortDescription: 'Started by upstream project "team/lib" build number 1',
        upstreamBuild: 1,
        upstreamProject: 'team/lib',
        upstreamUrl: 'job/team/job/lib/',
      },
    ]);
  });

  it('lists upstream and downstream projects in api/json, in Jenkins\' shape, and on the job page', async () => {
    const a = (await (await server.fetch('/job/a/api/json')).json()) as { downstreamProjects: unknown[]; upstreamProjects: unknown[] };
    expect(a.upstreamProjects).toEqual([]);
    expect(a.downstreamProjects).toEqual([
      { _class: 'hudson.model.FreeStyleProject', name: 'b', url: `${server.url}job/b/`, color: 'blue' },
      { _class: 'hudson.model.FreeStyleProject', name: 'c', url: `${server.url}job/c/`, color: 'blue' },
    ]);
    const app = (await (await server.fetch('/job/team/job/app/api/json?tree=upstreamProjects[name,url]')).json()) as { upstreamProjects: unknown[] };
    expect(app.upstreamProjects).toEqual([{ _class: 'hudson.model.FreeStyleProject', name: 'lib', url: `${server.url}job/team/job/lib/` }]);
    const page = await (await server.fetch('/job/a/', { headers: { accept: 'text/html' } })).text();
    expect(page).toContain('Downstream projects');
    expect(page).toMatch(/<a href="\/job\/b\/">b<\/a>/);
  });

  it('rewrites the names other jobs use for a renamed job, keeping its edges', async () => {
    expect((await server.fetch('/job/team/job/lib/doRename?newName=core', { method: 'POST' })).status).toBe(302);
    const xml = await (await server.fetch('/job/team/job/app/config.xml')).text();
    expect(xml).toContain('<upstreamProjects>core</upstreamProjects>');
    const app = (await (await server.fetch('/job/team/job/app/api/json?tree=upstreamProjects[name]')).json()) as { upstreamProjects: Array<{ name: string }> };
    expect(app.upstreamProjects.map((project) => project.name)).toEqual(['core']);
  });

  it('refuses a cycle with 400 naming its path, and a name that is no job', async () => {
    const cycle = await server.fetch('/job/c/config.xml', { method: 'POST', headers: { 'content-type': 'application/xml' }, body: jobXml({ extra: buildOther('b', 'SUCCESS') + after('b', 'SUCCESS') }) });
    expect(cycle.status).toBe(400);
    expect(cycle.headers.get('x-steward-reason')).toBe('config_invalid');
    // c would build b, and b builds after c.
    expect(await cycle.text()).toContain('c → b → c');
    const loop = await server.fetch('/job/c/config.xml', { method: 'POST', headers: { 'content-type': 'application/xml' }, body: jobXml({ extra: buildOther('a', 'FAILURE') }) });
    expect(loop.status).toBe(400);
    expect(await loop.text()).toContain('c → a → c');
    const unknown = await server.fetch('/job/c/config.xml', { method: 'POST', headers: { 'content-type': 'application/xml' }, body: jobXml({ extra: after('nope', 'SUCCESS') }) });
    expect(unknown.status).toBe(400);
    expect(await unknown.text()).toContain('No such project "nope"');
    // Nothing was saved.
    const c = (await (await server.fetch('/job/c/api/json')).json()) as { upstreamProjects: Array<{ name: string }>; downstreamProjects: unknown[] };
    expect(c.upstreamProjects.map((project) => project.name)).toEqual(['a']);
    expect(c.downstreamProjects).toEqual([]);
  });

  it('needs Job/Build on a job its configurer names downstream, and only read access to an upstream one', async () => {
    const native = (path: string, method: string, body: unknown) => server.fetch(`/steward/api/v1${path}`, { method, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    expect((await native('/users', 'POST', { id: 'carol', password: 'carol-password' })).status).toBe(201);
    const carol = basicAuth('carol', await createApiToken(server.url, 'carol', 'carol-password', 'edges'));
    const grants = { 'user:admin': ['Overall/Administer'], 'user:carol': ['Overall/Read', 'Job/Read', 'Job/Configure'] };
    expect((await native('/security', 'PATCH', { authorization: 'matrix', grants })).status).toBeLessThan(300);
    const save = (extra: string) => server.fetch('/job/c/config.xml', { method: 'POST', auth: carol, headers: { 'content-type': 'application/xml' }, body: jobXml({ extra }) });
    const refused = await save(buildOther('team/core', 'SUCCESS'));
    expect(refused.status).toBe(403);
    expect(refused.headers.get('x-steward-reason')).toBe('permission_missing');
    expect((await save(after('team/core', 'SUCCESS'))).status).toBe(200);
  });
});

describe('build triggers in the configuration file', () => {
  it('may name jobs declared later in the file, relative to the folder or by full name', async () => {
    const config = [
      'jobs:',
      '  - name: first',
      '    downstream: { projects: "second", threshold: UNSTABLE }',
      '  - name: second',
      'folders:',
      '  - name: team',
      '    jobs:',
      '      - name: x',
      '        upstream: { projects: [/first] }',
    ].join('\n');
    const configured = await startTestServer({ config });
    try {
      const first = (await (await configured.fetch('/job/first/api/json?tree=downstreamProjects[name]')).json()) as { downstreamProjects: Array<{ name: string }> };
      expect(first.downstreamProjects.map((project) => project.name)).toEqual(['second', 'x']);
      const xml = await (await configured.fetch('/job/first/config.xml')).text();
      expect(xml).toContain('<hudson.tasks.BuildTrigger><childProjects>second</childProjects><threshold><name>UNSTABLE</name>');
    } finally {
      await configured.stop();
    }
  });
});

