import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pythonJenkins } from '../../support/python-jenkins.js';
import { basicAuth, jobXml, startTestServer, type TestServer } from '../../support/server.js';

/**
 * Debian's python-jenkins 1.4 (python3-jenkins, installed by `npm test`'s first step), unmodified,
 * against a real server: renaming jobs and every view call it makes. Each case runs a short Python
 * program and prints JSON for the assertions.
 */
let server: TestServer;

function python(body: string): Promise<unknown> {
  return pythonJenkins(server, body);
}

beforeAll(async () => {
  server = await startTestServer();
  await server.createJob('alpha', jobXml());
  await server.createJob('beta', jobXml());
  await server.createJob('deploy-web', jobXml());
  expect((await server.fetch('/createItem?name=team', { method: 'POST', headers: { 'content-type': 'application/xml' }, body: '<com.cloudbees.hudson.plugins.folder.Folder/>' })).status).toBe(200);
  await server.createJob('team/app', jobXml());
});
afterAll(async () => {
  await server.stop();
});

describe('python-jenkins 1.4', () => {
  it('renames a job, with its builds, and a job in a folder', async () => {
    const build = await server.fetch('/job/alpha/build?wait=finish', { method: 'POST' });
    expect(build.status).toBe(201);
    const result = await python(`
server.rename_job('alpha', 'gamma')
server.rename_job('team/app', 'team/application')
print(json.dumps({
  'gamma': bool(server.job_exists('gamma')), 'alpha': bool(server.job_exists('alpha')),
  'last': server.get_job_info('gamma')['lastBuild']['number'],
  'inFolder': bool(server.job_exists('team/application')), 'oldInFolder': bool(server.job_exists('team/app')),
}))`);
    expect(result).toEqual({ gamma: true, alpha: false, last: 1, inFolder: true, oldInFolder: false });
    const console = await server.fetch('/job/gamma/1/consoleText');
    expect(await console.text()).toContain('hello');
  });

  it('sees the all view and its jobs', async () => {
    const result = await python(`
print(json.dumps({
  'exists': bool(server.view_exists('all')),
  'views': [view['name'] for view in server.get_views()],
  'jobs': sorted(job['name'] for job in server.get_jobs(view_name='all')),
}))`);
    expect(result).toEqual({ exists: true, views: ['all'], jobs: ['beta', 'deploy-web', 'gamma', 'team'] });
  });

  it('creates, reads, reconfigures and deletes a list view', async () => {
    const result = (await python(`
xml = jenkins.EMPTY_VIEW_CONFIG_XML
server.create_view('web', xml.replace('<jobNames>\\n    <comparator class="hudson.util.CaseInsensitiveComparator"/>\\n  </jobNames>',
  '<jobNames><comparator class="hudson.util.CaseInsensitiveComparator"/><string>beta</string></jobNames><includeRegex>deploy-.*</includeRegex>'))
created = {
  'exists': bool(server.view_exists('web')),
  'views': [view['name'] for view in server.get_views()],
  'jobs': sorted(job['name'] for job in server.get_jobs(view_name='web')),
}
config = server.get_view_config('web')
server.reconfig_view('web', jenkins.EMPTY_VIEW_CONFIG_XML)
emptied = [job['name'] for job in server.get_jobs(view_name='web')]
duplicate = None
try:
    server.create_view('web', jenkins.EMPTY_VIEW_CONFIG_XML)
except jenkins.JenkinsException as error:
    duplicate = str(error)
server.delete_view('web')
print(json.dumps({'created': created, 'config': config, 'emptied': emptied, 'duplicate': duplicate, 'after': bool(server.view_exists('web'))}))`)) as { created: unknown; config: string; emptied: string[]; duplicate: string; after: boolean };
    expect(result.created).toEqual({ exists: true, views: ['all', 'web'], jobs: ['beta', 'deploy-web'] });
    expect(result.config).toContain('<string>beta</string>');
    expect(result.config).toContain('<includeRegex>deploy-.*</includeRegex>');
    expect(result.config).toContain('<name>web</name>');
    expect(result.emptied).toEqual([]);
    expect(result.duplicate).toBe('view[web] already exists');
    expect(result.after).toBe(false);
  });

  it('is told that Steward has no script console, with a reason code', async () => {
    const result = await python(`
try:
    server.run_script('println(1)')
    print(json.dumps({'ran': True}))
except jenkins.NotFoundException as error:
    print(json.dumps({'notFound': str(error)}))`);
    expect(result).toHaveProperty('notFound');
    const response = await server.fetch('/scriptText', { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'script=println(1)', auth: basicAuth('admin', server.adminToken) });
    expect(response.status).toBe(404);
    expect(response.headers.get('x-steward-reason')).toBe('not_implemented');
    expect(await response.text()).toMatch(/^Steward does not implement Jenkins' Groovy script console \(\/scriptText\)\.\nSteward runs no code inside the server\./);
  });
});
