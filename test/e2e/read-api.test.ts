import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FOLDER_XML, jobXml, queueIdOf, startTestServer, stringParameter, type TestServer, waitFor, waitForBuild } from '../support/server.js';

let server: TestServer;
const json = async (path: string) => (await (await server.fetch(path)).json()) as Record<string, unknown>;

beforeAll(async () => {
  server = await startTestServer({ executors: 2 });
  await server.createJob('team', FOLDER_XML);
  await server.createJob('team/app', jobXml({ parameters: stringParameter('FOO', 'bar'), steps: ['test "$FOO" != fail'] }));
  await server.createJob('solo', jobXml());
  for (const value of ['a', 'fail', 'b']) {
    const id = queueIdOf(await server.fetch(`/job/team/job/app/buildWithParameters?FOO=${value}`, { method: 'POST' }));
    await waitFor(async () => ((await json(`/queue/item/${id}/api/json`)).executable ? true : undefined));
  }
  await waitForBuild(server, '/job/team/job/app', 3);
});
afterAll(async () => {
  await server.stop();
});

describe('root, folder and job JSON', () => {
  it('answers the root with hudson.model.Hudson and readable top-level items', async () => {
    const root = await json('/api/json');
    expect(root).toMatchObject({
      _class: 'hudson.model.Hudson',
      mode: 'NORMAL',
      nodeName: '',
      numExecutors: 2,
      useCrumbs: true,
      useSecurity: true,
      quietingDown: false,
      primaryView: { _class: 'hudson.model.AllView', name: 'all', url: server.url },
      views: [{ _class: 'hudson.model.AllView', name: 'all', url: server.url }],
      jobs: [
        { _class: 'hudson.model.FreeStyleProject', name: 'solo', url: `${server.url}job/solo/`, color: 'notbuilt' },
        { _class: 'com.cloudbees.hudson.plugins.folder.Folder', name: 'team', url: `${server.url}job/team/` },
      ],
    });
    expect(Object.keys((root.jobs as object[])[1] as object)).toEqual(['_class', 'name', 'url']);
  });

  it('gives a job no jobs key, actions as an array, and the parameter definitions', async () => {
    const job = await json('/job/team/job/app/api/json');
    expect(job).not.toHaveProperty('jobs');
    expect(Array.isArray(job.actions)).toBe(true);
    expect(job).toMatchObject({
      _class: 'hudson.model.FreeStyleProject',
      name: 'app',
      fullName: 'team/app',
      buildable: true,
      color: 'blue',
      inQueue: false,
      nextBuildNumber: 4,
      builds: [
        { _class: 'hudson.model.FreeStyleBuild', number: 3, url: `${server.url}job/team/job/app/3/` },
        { number: 2 },
        { number: 1 },
      ],
      lastBuild: { number: 3 },
      lastSuccessfulBuild: { number: 3 },
      lastFailedBuild: { number: 2 },
      lastUnsuccessfulBuild: { number: 2 },
      lastUnstableBuild: null,
      firstBuild: { number: 1 },
      property: [
        {
          _class: 'hudson.model.ParametersDefinitionProperty',
          parameterDefinitions: [
            {
              _class: 'hudson.model.StringParameterDefinition',
              defaultParameterValue: { _class: 'hudson.model.StringParameterValue', name: 'FOO', value: 'bar' },
              name: 'FOO',
              type: 'StringParameterDefinition',
            },
          ],
        },
      ],
      healthReport: [{ score: 67, description: 'Build stability: 1 out of the last 3 builds failed.' }],
    });
    // Inside actions the definition is one level deeper, so (as in Jenkins) its default value lacks the name.
    expect((job.actions as Array<Record<string, unknown>>)[0]).toMatchObject({ parameterDefinitions: [{ defaultParameterValue: { value: 'bar' } }] });
    expect((job.actions as Array<{ parameterDefinitions: Array<{ defaultParameterValue: object }> }>)[0]?.parameterDefinitions[0]?.defaultParameterValue).not.toHaveProperty('name');
    expect(job).not.toHaveProperty('allBuilds');
  });

  it('shows a build with its actions and queue id', async () => {
    const build = await json('/job/team/job/app/2/api/json');
    expect(build).toMatchObject({
      _class: 'hudson.model.FreeStyleBuild',
      building: false,
      inProgress: false,
      result: 'FAILURE',
      number: 2,
      id: '2',
      fullDisplayName: 'team » app #2',
      url: `${server.url}job/team/job/app/2/`,
      executor: null,
      builtOn: '',
      actions: [
        { _class: 'hudson.model.ParametersAction', parameters: [{ _class: 'hudson.model.StringParameterValue', name: 'FOO', value: 'fail' }] },
        { _class: 'hudson.model.CauseAction', causes: [{ _class: 'hudson.model.Cause$UserIdCause', userId: 'admin' }] },
      ],
    });
    expect(typeof build.queueId).toBe('number');
    expect(typeof build.timestamp).toBe('number');
    expect(build.estimatedDuration as number).toBeGreaterThan(0);
  });

  it('resolves permalinks, and answers 404 for one with no build', async () => {
    expect(await json('/job/team/job/app/lastFailedBuild/api/json')).toMatchObject({ number: 2 });
    expect(await json('/job/team/job/app/lastSuccessfulBuild/api/json')).toMatchObject({ number: 3 });
    expect(await json('/job/team/job/app/lastCompletedBuild/api/json')).toMatchObject({ number: 3 });
    const missing = await server.fetch('/job/team/job/app/lastUnstableBuild/api/json');
    expect(missing.status).toBe(404);
    expect(missing.headers.get('x-steward-reason')).toBe('build_not_found');
    expect((await server.fetch('/job/team/job/app/99/api/json')).status).toBe(404);
    expect(await (await server.fetch('/job/team/job/app/lastBuild/consoleText')).text()).toContain('Finished: SUCCESS');
  });

  it('shows the folder with its jobs, and answers HEAD like GET without a body', async () => {
    expect(await json('/job/team/api/json')).toMatchObject({ _class: 'com.cloudbees.hudson.plugins.folder.Folder', jobs: [{ name: 'app', color: 'blue' }], fullName: 'team' });
    const head = await server.fetch('/job/team/job/app/api/json', { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(await head.text()).toBe('');
    expect((await server.fetch('/job/team/job/nope/api/json', { method: 'HEAD' })).status).toBe(404);
  });

  it('colours a running job with _anime over its last result', async () => {
    await server.createJob('anime', jobXml({ steps: ['sleep 2'] }));
    const id = queueIdOf(await server.fetch('/job/anime/build', { method: 'POST' }));
    await waitFor(async () => ((await json(`/queue/item/${id}/api/json`)).executable ? true : undefined));
    expect(await json('/job/anime/api/json?tree=color')).toMatchObject({ color: 'notbuilt_anime' });
    // The executor view comes from the scheduler, which learns the build's number a moment after the
    // queue shows it (once the start is on disk), so it may lag by that moment.
    const executors = await waitFor(
      async () => {
        const view = (await json('/computer/api/json?depth=2')) as { busyExecutors: number; computer: Array<{ executors: Array<{ currentExecutable: { number: number } | null }> }> };
        return view.busyExecutors === 1 ? view : undefined;
      },
      2000,
      'the executor to show the build',
    );
    expect(executors.computer[0]?.executors.some((executor) => executor.currentExecutable?.number === 1)).toBe(true);
    await server.fetch('/job/anime/1/kill', { method: 'POST' });
    await waitForBuild(server, '/job/anime', 1);
  });
});

describe('tree, depth and pretty', () => {
  it('applies Backstage\'s tree with nesting, * and ranges, keeping _class', async () => {
    const tree =
      'jobs[actions[*],lastBuild[number,url,fullDisplayName,displayName,building,result,timestamp,duration,actions[*[*[*[*]]]]],jobs{0,1},url,name,fullName,displayName,fullDisplayName,inQueue]{0,50}';
    const folder = (await json(`/job/team/api/json?tree=${encodeURIComponent(tree)}`)) as { jobs: Array<Record<string, unknown>> };
    expect(Object.keys(folder)).toEqual(['_class', 'jobs']);
    const app = folder.jobs[0] as Record<string, unknown>;
    expect(app).toMatchObject({ _class: 'hudson.model.FreeStyleProject', name: 'app', fullName: 'team/app', inQueue: false, lastBuild: { number: 3, result: 'SUCCESS', building: false } });
    expect(app).not.toHaveProperty('jobs');
    expect((app.lastBuild as { actions: unknown[] }).actions).toContainEqual({ _class: 'hudson.model.CauseAction', causes: [{ _class: 'hudson.model.Cause$UserIdCause', shortDescription: 'Started by user admin', userId: 'admin', userName: 'admin' }] });
  });

  it('slices arrays with {N}, {N,}, {,M} and {N,M}, and reaches allBuilds only through tree', async () => {
    const numbers = async (range: string) => ((await json(`/job/team/job/app/api/json?tree=${encodeURIComponent(`builds[number]${range}`)}`)).builds as Array<{ number: number }>).map((build) => build.number);
    expect(await numbers('{1}')).toEqual([2]);
    expect(await numbers('{1,}')).toEqual([2, 1]);
    expect(await numbers('{,2}')).toEqual([3, 2]);
    expect(await numbers('{0,2}')).toEqual([3, 2]);
    const all = await json('/job/team/job/app/api/json?tree=allBuilds[id,result]');
    expect(all.allBuilds).toEqual([
      { _class: 'hudson.model.FreeStyleBuild', id: '3', result: 'SUCCESS' },
      { _class: 'hudson.model.FreeStyleBuild', id: '2', result: 'FAILURE' },
      { _class: 'hudson.model.FreeStyleBuild', id: '1', result: 'SUCCESS' },
    ]);
    expect(await json('/job/team/job/app/api/json?tree=*')).not.toHaveProperty('allBuilds');
  });

  it('renders a named object field without sub-tree as {_class} only, and ignores unknown names', async () => {
    expect(await json('/job/team/job/app/api/json?tree=lastBuild,nothingHere,name')).toEqual({ _class: 'hudson.model.FreeStyleProject', lastBuild: { _class: 'hudson.model.FreeStyleBuild' }, name: 'app' });
  });

  it('expands nested objects with depth=1', async () => {
    const job = (await json('/job/team/job/app/api/json?depth=1')) as { builds: Array<Record<string, unknown>> };
    expect(job.builds[0]).toMatchObject({ number: 3, result: 'SUCCESS', building: false, actions: expect.any(Array) });
    const shallow = (await json('/job/team/job/app/api/json')) as { builds: Array<Record<string, unknown>> };
    expect(Object.keys(shallow.builds[0] as object)).toEqual(['_class', 'number', 'url']);
  });

  it('pretty-prints when pretty is present, whatever its value', async () => {
    const text = await (await server.fetch('/job/solo/api/json?pretty=false&tree=name')).text();
    expect(text).toBe('{\n  "_class": "hudson.model.FreeStyleProject",\n  "name": "solo"\n}');
  });

  it('refuses a malformed tree or depth with 400 saying what is allowed (Jenkins: 500)', async () => {
    for (const query of ['tree=jobs[name', 'tree=a{1}{2}', 'tree=builds{x}', 'tree=,', 'depth=abc', 'depth=-1', 'depth=99']) {
      const response = await server.fetch(`/api/json?${query}`);
      expect(response.status, query).toBe(400);
      expect(['tree_invalid', 'depth_invalid']).toContain(response.headers.get('x-steward-reason'));
    }
    expect(await (await server.fetch('/api/json?tree=jobs[name')).text()).toContain('Malformed tree expression');
  });
});

describe('api/xml and xpath', () => {
  it('renders XML with the decapitalised class as root and _class as an attribute', async () => {
    const response = await server.fetch('/job/solo/api/xml?tree=name,color');
    expect(response.headers.get('content-type')).toBe('application/xml;charset=UTF-8');
    expect(await response.text()).toBe("<freeStyleProject _class='hudson.model.FreeStyleProject'><name>solo</name><color>notbuilt</color></freeStyleProject>");
    expect(await (await server.fetch('/api/xml?tree=jobs[name]')).text()).toBe(
      "<hudson _class='hudson.model.Hudson'><job _class='hudson.model.FreeStyleProject'><name>anime</name></job><job _class='hudson.model.FreeStyleProject'><name>solo</name></job><job _class='com.cloudbees.hudson.plugins.folder.Folder'><name>team</name></job></hudson>",
    );
  });

  it('selects a node with xpath, 404s on no match, 400s on many without wrapper', async () => {
    expect(await (await server.fetch('/job/team/job/app/api/xml?xpath=//lastBuild/number')).text()).toBe('<number>3</number>');
    const none = await server.fetch('/api/xml?xpath=//nothing');
    expect(none.status).toBe(404);
    const many = await server.fetch('/api/xml?xpath=//job/name');
    expect(many.status).toBe(400);
    expect(many.headers.get('x-steward-reason')).toBe('xpath_ambiguous');
    expect(await (await server.fetch('/api/xml?xpath=//job/name&wrapper=names')).text()).toBe('<names><name>anime</name><name>solo</name><name>team</name></names>');
    expect((await server.fetch('/api/xml?xpath=//job/name&wrapper=1bad')).status).toBe(400);
    expect((await server.fetch('/api/xml?xpath=((')).status).toBe(400);
  });

  it('refuses primitive xpath results (403) except the crumb recipes, which answer text/plain', async () => {
    const primitive = await server.fetch('/api/xml?xpath=count(//job)');
    expect(primitive.status).toBe(403);
    expect(primitive.headers.get('x-steward-reason')).toBe('xpath_primitive_forbidden');
    const crumb = await server.fetch(`/crumbIssuer/api/xml?xpath=${encodeURIComponent('concat(//crumbRequestField,":",//crumb)')}`);
    expect(crumb.status).toBe(200);
    expect(crumb.headers.get('content-type')).toBe('text/plain;charset=UTF-8');
    expect(await crumb.text()).toMatch(/^Jenkins-Crumb:[0-9a-f]{64}$/);
    expect(await json('/crumbIssuer/api/json')).toMatchObject({ _class: 'hudson.security.csrf.DefaultCrumbIssuer', crumbRequestField: 'Jenkins-Crumb', crumb: expect.stringMatching(/^[0-9a-f]{64}$/) });
  });

  it('removes nodes with exclude', async () => {
    const text = await (await server.fetch('/api/xml?tree=jobs[name]&exclude=//job[name="solo"]')).text();
    expect(text).not.toContain('solo');
    expect(text).toContain('team');
  });

  it('refuses jsonp (403)', async () => {
    expect((await server.fetch('/api/json?jsonp=steal')).status).toBe(403);
  });
});

describe('other endpoints and headers', () => {
  it('answers /computer, whoAmI, me, user and pluginManager', async () => {
    expect(await json('/computer/api/json')).toMatchObject({ _class: 'hudson.model.ComputerSet', totalExecutors: 2, displayName: 'Nodes', computer: [{ _class: 'hudson.model.Hudson$MasterComputer', displayName: 'Built-In Node', offline: false, numExecutors: 2 }] });
    expect(await json('/computer/(master)/api/json')).toMatchObject({ displayName: 'Built-In Node' });
    expect(await json('/whoAmI/api/json')).toEqual({ _class: 'hudson.security.WhoAmI', anonymous: false, authenticated: true, authorities: ['authenticated'], name: 'admin' });
    expect(await (await server.fetch('/whoAmI/api/json', { auth: null })).json()).toEqual({ _class: 'hudson.security.WhoAmI', anonymous: true, authenticated: true, authorities: ['anonymous'], name: 'anonymous' });
    expect(await json('/me/api/json')).toMatchObject({ _class: 'hudson.model.User', id: 'admin', fullName: 'admin', absoluteUrl: `${server.url}user/admin` });
    expect((await server.fetch('/user/nobody/api/json')).status).toBe(404);
    expect(await json('/pluginManager/api/json?depth=1')).toEqual({ _class: 'hudson.LocalPluginManager', plugins: [] });
  });

  it('sends X-Jenkins on every response, errors included', async () => {
    for (const [path, auth] of [['/', undefined], ['/api/json', undefined], ['/job/nope/', undefined], ['/api/json', null], ['/api/json', 'Basic eDp5']] as const) {
      const response = await server.fetch(path, { auth });
      expect(response.headers.get('x-jenkins'), `${path} ${auth}`).toBe('2.548');
      expect(response.headers.get('x-steward')).toMatch(/^\d+\.\d+\.\d+$/);
    }
  });

  it('answers unknown URLs with 404 and a reason', async () => {
    const response = await server.fetch('/no/such/thing', { headers: { accept: 'application/json' } });
    expect(response.status).toBe(404);
    expect(await response.json()).toMatchObject({ error: 'not_found', message: 'Nothing is at /no/such/thing.' });
  });
});
