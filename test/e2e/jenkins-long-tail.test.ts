import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_PASSWORD, basicAuth, jobXml, startTestServer, type TestServer } from '../support/server.js';

/**
 * The Jenkins behaviour clients depend on beyond triggers and reads: renaming, list views, the
 * console and rebuild URLs, Jenkins' words in X-Error, and URLs Steward knows and does not answer.
 */
let server: TestServer;

const form = { 'content-type': 'application/x-www-form-urlencoded' };
const xml = { 'content-type': 'application/xml' };

async function json<T>(path: string): Promise<T> {
  const response = await server.fetch(path);
  expect(response.status, path).toBe(200);
  return (await response.json()) as T;
}

async function consoleOf(path: string): Promise<string> {
  return (await server.fetch(`${path}consoleText`)).text();
}

beforeAll(async () => {
  server = await startTestServer();
  expect((await server.fetch('/createItem?name=team', { method: 'POST', headers: xml, body: '<com.cloudbees.hudson.plugins.folder.Folder/>' })).status).toBe(200);
});
afterAll(async () => {
  await server.stop();
});

describe('renaming (doRename)', () => {
  it('moves a job with its builds, workspace, URLs, grants and webhooks, and answers 302 to the new URL', async () => {
    await server.createJob('team/old', jobXml({ steps: ['echo "WS=$WORKSPACE"', 'touch kept-file'] }));
    expect((await server.fetch('/job/team/job/old/build?wait=finish', { method: 'POST' })).status).toBe(201);
    const workspace = /WS=(\S+)/.exec(await consoleOf('/job/team/job/old/1/'))?.[1] as string;
    expect(existsSync(`${workspace}/kept-file`)).toBe(true);
    const grant = await server.fetch('/steward/api/v1/security/grants?item=team/old', { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ grants: { 'user:carol': ['Job/Read'] } }) });
    expect(grant.status).toBe(200);
    const hook = await server.fetch('/steward/api/v1/webhooks/rename-hook', { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ kind: 'gitlab', secret: 'gitlab-secret-0123456789', jobs: ['team/old', 'other'] }) });
    expect(hook.status).toBe(200);

    const renamed = await server.fetch('/job/team/job/old/doRename?newName=New', { method: 'POST' });
    expect(renamed.status).toBe(302);
    expect(renamed.headers.get('location')).toBe(`${server.url}job/team/job/New/`);
    expect((await json<{ fullName: string; lastBuild: { number: number; url: string } }>('/job/team/job/New/api/json'))).toMatchObject({
      fullName: 'team/New',
      lastBuild: { number: 1, url: `${server.url}job/team/job/New/1/` },
    });
    expect((await server.fetch('/job/team/job/old/api/json')).status).toBe(404);
    expect(await consoleOf('/job/team/job/New/1/')).toContain('WS=');
    expect(existsSync(workspace)).toBe(false);
    expect(existsSync(`${workspace.replace(/old$/, 'New')}/kept-file`)).toBe(true);
    expect(await (await server.fetch('/steward/api/v1/security/grants?item=team/New')).json()).toMatchObject({ grants: { 'user:carol': ['Job/Read'] } });
    const hooks = (await (await server.fetch('/steward/api/v1/webhooks')).json()) as Array<{ name: string; jobs: string[] }>;
    expect(hooks.find((webhook) => webhook.name === 'rename-hook')?.jobs).toEqual(['team/New', 'other']);
    // The next build continues the numbering and runs in the moved workspace.
    expect((await server.fetch('/job/team/job/New/build?wait=finish', { method: 'POST' })).status).toBe(201);
    expect(await consoleOf('/job/team/job/New/2/')).toContain(`WS=${workspace.replace(/old$/, 'New')}`);
  });

  it('renames a folder, moving everything below it', async () => {
    expect((await server.fetch('/createItem?name=outer', { method: 'POST', headers: xml, body: '<com.cloudbees.hudson.plugins.folder.Folder/>' })).status).toBe(200);
    await server.createJob('outer/inner', jobXml());
    const renamed = await server.fetch('/job/outer/doRename', { method: 'POST', headers: form, body: 'newName=moved' });
    expect(renamed.status).toBe(302);
    expect((await json<{ fullName: string }>('/job/moved/job/inner/api/json')).fullName).toBe('moved/inner');
  });

  it('refuses a taken name in Jenkins’ words, a bad name, a missing newName and a running job', async () => {
    await server.createJob('first', jobXml());
    await server.createJob('second', jobXml({ steps: ['sleep 30'] }));
    const taken = await server.fetch('/job/first/doRename?newName=SECOND', { method: 'POST' });
    expect(taken.status).toBe(400);
    expect(taken.headers.get('x-error')).toBe('A job already exists with the name ?SECOND?');
    expect(taken.headers.get('x-steward-reason')).toBe('name_taken');
    const unsafe = await server.fetch('/job/first/doRename?newName=a%3Fb', { method: 'POST' });
    expect(unsafe.headers.get('x-error')).toBe('??? is an unsafe character');
    expect((await server.fetch('/job/first/doRename', { method: 'POST' })).headers.get('x-steward-reason')).toBe('name_missing');
    expect((await server.fetch('/job/second/build?wait=start', { method: 'POST' })).status).toBe(201);
    const busy = await server.fetch('/job/second/doRename?newName=third', { method: 'POST' });
    expect(busy.status).toBe(409);
    expect(busy.headers.get('x-steward-reason')).toBe('build_running');
    expect(await busy.text()).toContain('second cannot be renamed while second is building');
    await server.fetch('/job/second/1/stop', { method: 'POST' });
  });
});


describe('list views', () => {
  it('are created as the npm clients do (mode=), filled with addJobToView, listed, and deleted', async () => {
    await server.createJob('web-app', jobXml());
    await server.createJob('web-api', jobXml());
    const created = await server.fetch('/createView', { method: 'POST', headers: form, body: `name=Web&mode=hudson.model.ListView&json=${encodeURIComponent('{"name":"Web","mode":"hudson.model.ListView"}')}` });
    expect(created.status).toBe(302);
    expect(created.headers.get('location')).toBe(`${server.url}view/Web/`);
    expect((await server.fetch('/view/Web/addJobToView?name=web-app', { method: 'POST' })).status).toBe(200);
    expect((await server.fetch('/view/web/addJobToView?name=team/New', { method: 'POST' })).status).toBe(200);
    const missing = await server.fetch('/view/Web/addJobToView?name=nope', { method: 'POST' });
    expect(missing.status).toBe(404);
    expect(missing.headers.get('x-steward-reason')).toBe('item_not_found');
    const view = await json<{ _class: string; name: string; url: string; jobs: Array<{ name: string; color: string }> }>('/view/Web/api/json');
    expect(view).toMatchObject({ _class: 'hudson.model.ListView', name: 'Web', url: `${server.url}view/Web/` });
    expect(view.jobs.map((job) => job.name)).toEqual(['web-app']);
    const root = await json<{ views: Array<{ _class: string; name: string; url: string }> }>('/api/json?tree=views[name,url]');
    expect(root.views).toEqual([
      { _class: 'hudson.model.AllView', name: 'all', url: server.url },
      { _class: 'hudson.model.ListView', name: 'Web', url: `${server.url}view/Web/` },
    ]);
    // A job through its view: the same job.
    expect((await json<{ fullName: string }>('/view/Web/job/web-app/api/json')).fullName).toBe('web-app');
    // Renaming a job keeps it in the view.
    expect((await server.fetch('/job/web-app/doRename?newName=web-frontend', { method: 'POST' })).status).toBe(302);
    expect((await json<{ jobs: Array<{ name: string }> }>('/view/Web/api/json')).jobs.map((job) => job.name)).toEqual(['web-frontend']);
    expect((await server.fetch('/view/Web/removeJobFromView?name=web-frontend', { method: 'POST' })).status).toBe(200);
    expect((await json<{ jobs: unknown[] }>('/view/Web/api/json')).jobs).toEqual([]);
    const duplicate = await server.fetch('/createView?name=web', { method: 'POST', headers: form, body: 'mode=hudson.model.ListView' });
    expect(duplicate.status).toBe(400);
    expect(duplicate.headers.get('x-error')).toBe('A view already exists with the name "web"');
    expect((await server.fetch('/createView?name=all', { method: 'POST', headers: form, body: 'mode=hudson.model.ListView' })).status).toBe(400);
    const deleted = await server.fetch('/view/Web/doDelete', { method: 'POST' });
    expect(deleted.status).toBe(302);
    expect((await server.fetch('/view/Web/api/json')).status).toBe(404);
  });

  it('select by expression, live in folders, answer at /view/all/, and refuse other types and runaway expressions', async () => {
    const body = '<hudson.model.ListView><name>ignored</name><jobNames/><includeRegex>web-.*</includeRegex></hudson.model.ListView>';
    expect((await server.fetch('/createView?name=byregex', { method: 'POST', headers: xml, body })).status).toBe(200);
    expect((await json<{ jobs: Array<{ name: string }> }>('/view/byregex/api/json')).jobs.map((job) => job.name)).toEqual(['web-api', 'web-frontend']);
    expect((await server.fetch('/job/team/createView?name=mine', { method: 'POST', headers: xml, body: '<hudson.model.ListView><jobNames><string>New</string></jobNames></hudson.model.ListView>' })).status).toBe(200);
    expect(await json('/job/team/view/mine/api/json')).toMatchObject({ name: 'mine', url: `${server.url}job/team/view/mine/`, jobs: [{ name: 'New' }] });
    expect((await json<{ views: Array<{ name: string }> }>('/job/team/api/json')).views.map((view) => view.name)).toEqual(['all', 'mine']);
    const all = await json<{ _class: string; jobs: Array<{ name: string }> }>('/view/all/api/json');
    expect(all._class).toBe('hudson.model.AllView');
    expect(all.jobs.map((job) => job.name)).toContain('team');
    const pipeline = await server.fetch('/createView?name=pipes', { method: 'POST', headers: xml, body: '<au.com.centrumsystems.hudson.plugin.buildpipeline.BuildPipelineView/>' });
    expect(pipeline.status).toBe(400);
    expect(pipeline.headers.get('x-steward-reason')).toBe('item_type_unsupported');
    const runaway = await server.fetch('/createView?name=slow', { method: 'POST', headers: xml, body: '<hudson.model.ListView><includeRegex>(a+)+b</includeRegex></hudson.model.ListView>' });
    expect(runaway.status).toBe(400);
    expect(runaway.headers.get('x-steward-reason')).toBe('config_invalid');
    expect(await runaway.text()).toContain('could take exponential time');
    const reread = await (await server.fetch('/view/byregex/config.xml')).text();
    expect(reread).toContain('<name>byregex</name>');
    expect(reread).toContain('<includeRegex>web-.*</includeRegex>');
  });

  it('show as tabs on the dashboard, the selected one marked', async () => {
    const session = await signIn();
    const page = await (await server.fetch('/view/byregex/', { auth: null, headers: { cookie: session } })).text();
    expect(page).toMatch(/<nav class="view-tabs" aria-label="Views">.*<a href="\/">all<\/a>.*<a href="\/view\/byregex\/" aria-current="page">byregex<\/a>/s);
    expect(page).toContain('web-frontend');
    expect(page).not.toContain('>team<');
  });
});

describe('console, rebuild and what Steward does not implement', () => {
  it('answers /job/X/N/console with the build page', async () => {
    await server.createJob('console-job', jobXml({ steps: ['echo printed-line'] }));
    expect((await server.fetch('/job/console-job/build?wait=finish', { method: 'POST' })).status).toBe(201);
    const session = await signIn();
    const page = await server.fetch('/job/console-job/1/console', { auth: null, headers: { cookie: session } });
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('printed-line');
  });

  it('rebuilds with the same parameters, caused "Rebuilt from #N", at …/rebuild and …/replay/rebuild', async () => {
    const parameters = '<hudson.model.StringParameterDefinition><name>WHO</name><defaultValue>nobody</defaultValue></hudson.model.StringParameterDefinition>';
    await server.createJob('again', jobXml({ parameters, steps: ['echo "who=$WHO"'] }));
    expect((await server.fetch('/job/again/buildWithParameters?WHO=alice&wait=finish', { method: 'POST' })).status).toBe(201);
    const rebuilt = await server.fetch('/job/again/1/rebuild', { method: 'POST' });
    expect(rebuilt.status).toBe(302);
    expect(rebuilt.headers.get('location')).toBe(`${server.url}job/again/`);
    const replayed = await server.fetch('/job/again/1/replay/rebuild', { method: 'POST' });
    expect(replayed.status).toBe(302);
    const second = await waitForBuild('/job/again/2/');
    expect(second.actions.flatMap((action) => action.causes ?? [])).toEqual([
      expect.objectContaining({ _class: 'com.sonyericsson.rebuild.RebuildCause', shortDescription: 'Rebuilds build #1', upstreamBuild: 1, upstreamProject: 'again' }),
      expect.objectContaining({ _class: 'hudson.model.Cause$UserIdCause', userId: 'admin' }),
    ]);
    expect(await consoleOf('/job/again/2/')).toMatch(/^Rebuilt from #1 by user .*\n[\s\S]*who=alice/);
    expect((await server.fetch('/job/again/1/rebuild')).status).toBe(405);
  });

  it('says "does not implement" (not_implemented) for Jenkins URLs it lacks, and not_found for the rest', async () => {
    for (const path of ['/scriptText', '/script', '/pluginManager/installNecessaryPlugins', '/job/again/ws/', '/job/again/1/artifact/*zip*/archive.zip', '/job/again/1/testReport/api/json']) {
      const response = await server.fetch(path);
      expect(response.status, path).toBe(404);
      expect(response.headers.get('x-steward-reason'), path).toBe('not_implemented');
      expect(await response.text(), path).toMatch(/^Steward does not implement /);
    }
    const typo = await server.fetch('/job/again/bulid');
    expect(typo.status).toBe(404);
    expect(typo.headers.get('x-steward-reason')).toBe('not_found');
    const noJob = await server.fetch('/job/nope/ws/');
    expect(noJob.headers.get('x-steward-reason')).toBe('item_not_found');
  });
});

/** A session of admin's: fetching a crumb with the password starts one, as in Jenkins. */
async function signIn(): Promise<string> {
  const response = await server.fetch('/crumbIssuer/api/json', { auth: basicAuth('admin', ADMIN_PASSWORD) });
  expect(response.status).toBe(200);
  return response.headers.getSetCookie()[0]?.split(';')[0] as string;
}

async function waitForBuild(path: string): Promise<{ actions: Array<{ causes?: unknown[] }> }> {
  for (let attempt = 0; attempt < 100; attempt++) {
    const response = await server.fetch(`${path}api/json`);
    if (response.status === 200) {
      const build = (await response.json()) as { building: boolean; actions: Array<{ causes?: unknown[] }> };
      if (!build.building) return build;
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`${path} did not finish`);
}

describe('renaming permissions', () => {
  it('needs Job/Configure (or Job/Create here and Job/Delete there), like Jenkins', async () => {
    // Last in this file: it turns the matrix on.
    const matrix = await server.fetch('/steward/api/v1/security', {
      method: 'PATCH',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ authorization: 'matrix', grants: { 'user:admin': ['Overall/Administer'], 'user:reader': ['Overall/Read'] } }),
    });
    expect(matrix.status).toBe(200);
    const created = await server.fetch('/steward/api/v1/users', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ id: 'reader', password: 'reader-password' }) });
    expect(created.status).toBe(201);
    await server.fetch('/steward/api/v1/security/grants?item=first', { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ grants: { 'user:reader': ['Job/Read'] } }) });
    const crumb = (await (await server.fetch('/crumbIssuer/api/json', { auth: basicAuth('reader', 'reader-password') })).json()) as { crumb: string };
    const refused = await server.fetch('/job/first/doRename?newName=by-reader', { method: 'POST', auth: basicAuth('reader', 'reader-password'), headers: { 'Jenkins-Crumb': crumb.crumb } });
    expect(refused.status).toBe(403);
    expect(refused.headers.get('x-required-permission')).toBe('hudson.model.Item.Create');
    expect((await server.fetch('/job/by-reader/api/json')).status).toBe(404);
    // Job/Configure on the job alone is enough.
    await server.fetch('/steward/api/v1/security/grants?item=first', { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ grants: { 'user:reader': ['Job/Read', 'Job/Configure'] } }) });
    const allowed = await server.fetch('/job/first/doRename?newName=by-reader', { method: 'POST', auth: basicAuth('reader', 'reader-password'), headers: { 'Jenkins-Crumb': crumb.crumb } });
    expect(allowed.status).toBe(302);
    expect(allowed.headers.get('location')).toBe(`${server.url}job/by-reader/`);
  });
});
