import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FOLDER_XML, jobXml, startTestServer, type TestServer, waitForBuild } from '../support/server.js';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server.stop();
});

function create(path: string, body: string, contentType = 'application/xml') {
  return server.fetch(path, { method: 'POST', headers: contentType ? { 'content-type': contentType } : {}, body });
}

describe('creating items', () => {
  it('creates a job from config.xml with 200 and an empty body, then finds it ignoring case', async () => {
    const response = await create('/createItem?name=demo', jobXml());
    expect(response.status).toBe(200);
    expect(await response.text()).toBe('');
    const job = await server.fetch('/job/DEMO/api/json');
    expect(job.status).toBe(200);
    expect(job.headers.get('content-type')).toBe('application/json;charset=UTF-8');
    expect(await job.json()).toMatchObject({ _class: 'hudson.model.FreeStyleProject', name: 'demo', fullName: 'demo' });
  });

  it('refuses a duplicate name (ignoring case) with 400 and X-Error', async () => {
    await create('/createItem?name=dup', jobXml());
    const response = await create('/createItem?name=DUP', jobXml());
    expect(response.status).toBe(400);
    // Jenkins' exact words (Hudson.JobAlreadyExists, curly quotes sent as ?); ours stay in the body.
    expect(response.headers.get('x-error')).toBe('A job already exists with the name ?DUP?');
    expect(response.headers.get('x-steward-reason')).toBe('name_taken');
    expect(await response.text()).toContain('A job already exists with the name "DUP".');
  });

  it.each([
    ['a%2Fb', '/'],
    ['x%3F', '?'],
    ['what%21', '!'],
    ['semi%40', '@'],
  ])('refuses the unsafe name %s naming the character', async (name, character) => {
    const response = await create(`/createItem?name=${name}`, jobXml());
    expect(response.status).toBe(400);
    expect(response.headers.get('x-steward-reason')).toBe('name_invalid');
    expect(response.headers.get('x-error')).toBe(`?${character}? is an unsafe character`);
    expect(await response.text()).toContain(`"${character}" is an unsafe character`);
  });

  it('refuses a trailing dot, "." and ".."', async () => {
    const words: Record<string, string> = { 'trail.': 'A name cannot end with ?.?', '.': '?.? is not an allowed name', '..': '?..? is not an allowed name' };
    for (const name of ['trail.', '.', '..']) {
      const response = await create(`/createItem?name=${name}`, jobXml());
      expect(response.status, name).toBe(400);
      expect(response.headers.get('x-steward-reason')).toBe('name_invalid');
      expect(response.headers.get('x-error'), name).toBe(words[name]);
    }
  });

  it('accepts names Jenkins accepts: spaces, unicode, + = , ( ) ~', async () => {
    const name = 'my job (ü) +=,~';
    expect((await create(`/createItem?name=${encodeURIComponent(name)}`, jobXml())).status).toBe(200);
    const response = await server.fetch(`/job/${encodeURIComponent(name)}/api/json?tree=name,url`);
    expect(await response.json()).toMatchObject({ name, url: `${server.url}job/${encodeURIComponent(name)}/` });
  });

  it('requires a name and a Content-Type', async () => {
    const noName = await create('/createItem', jobXml());
    expect(noName.status).toBe(400);
    expect(noName.headers.get('x-steward-reason')).toBe('name_missing');
    const noType = await server.fetch('/createItem?name=typeless', { method: 'POST', body: new Uint8Array(Buffer.from(jobXml())) });
    expect(noType.status).toBe(400);
    expect(noType.headers.get('x-error')).toBe('No Content-Type header set.');
  });

  it('answers 405 to a GET of createItem', async () => {
    const response = await server.fetch('/createItem?name=x');
    expect(response.status).toBe(405);
    expect(response.headers.get('allow')).toBe('POST');
  });

  it('creates folders nested to any depth and jobs inside them', async () => {
    expect((await create('/createItem?name=team', FOLDER_XML)).status).toBe(200);
    expect((await create('/job/team/createItem?name=app', FOLDER_XML)).status).toBe(200);
    expect((await create('/job/team/job/app/createItem?name=deploy', jobXml())).status).toBe(200);
    const deploy = await (await server.fetch('/job/Team/job/APP/job/deploy/api/json')).json();
    expect(deploy).toMatchObject({ name: 'deploy', fullName: 'team/app/deploy', fullDisplayName: 'team » app » deploy', url: `${server.url}job/team/job/app/job/deploy/` });
    const folder = await (await server.fetch('/job/team/api/json')).json();
    expect(folder).toMatchObject({ _class: 'com.cloudbees.hudson.plugins.folder.Folder', jobs: [{ _class: 'com.cloudbees.hudson.plugins.folder.Folder', name: 'app' }] });
  });

  it('answers 404 for a missing parent folder and 400 for creating inside a job', async () => {
    expect((await create('/job/nowhere/createItem?name=x', jobXml())).status).toBe(404);
    const inJob = await create('/job/demo/createItem?name=x', jobXml());
    expect(inJob.status).toBe(404);
  });

  it('copies a job with mode=copy (302 to its configure page, which answers 200)', async () => {
    const response = await server.fetch('/createItem?name=demo-copy&mode=copy&from=demo', { method: 'POST', headers: { 'content-type': 'text/xml; charset=utf-8' } });
    expect(response.status).toBe(302);
    expect(response.headers.get('location')).toBe(`${server.url}job/demo-copy/configure`);
    expect((await server.fetch('/job/demo-copy/configure')).status).toBe(200);
    const missing = await server.fetch('/createItem?name=x&mode=copy&from=nope', { method: 'POST' });
    expect(missing.status).toBe(400);
    expect(missing.headers.get('x-error')).toBe('No such job: nope.');
  });

  it('creates an empty job or folder from a mode with 302', async () => {
    const response = await server.fetch('/createItem?name=empty&mode=hudson.model.FreeStyleProject', { method: 'POST' });
    expect(response.status).toBe(302);
    expect((await server.fetch('/job/empty/api/json')).status).toBe(200);
  });

  it('refuses item types Steward does not run, saying what it runs', async () => {
    const response = await create('/createItem?name=pipe', '<flow-definition plugin="workflow-job"><definition/></flow-definition>');
    expect(response.status).toBe(400);
    expect(response.headers.get('x-steward-reason')).toBe('item_type_unsupported');
    expect(await response.text()).toContain('Pipeline job');
    expect((await server.fetch('/job/pipe/api/json')).status).toBe(404);
  });

  it('refuses a DOCTYPE and malformed XML with 400, naming the line, and leaves nothing behind', async () => {
    const doctype = await create('/createItem?name=xxe', '<?xml version="1.0"?><!DOCTYPE project [<!ENTITY x SYSTEM "file:///etc/passwd">]><project><description>&x;</description></project>');
    expect(doctype.status).toBe(400);
    expect(doctype.headers.get('x-steward-reason')).toBe('xml_doctype_forbidden');
    const malformed = await create('/createItem?name=broken', '<project>\n  <description>\n</project>');
    expect(malformed.status).toBe(400);
    expect(malformed.headers.get('x-steward-reason')).toBe('xml_malformed');
    expect(malformed.headers.get('x-error')).toMatch(/line 2, column \d+: Opening and ending tag mismatch/);
    expect((await server.fetch('/job/xxe/api/json')).status).toBe(404);
    expect((await server.fetch('/job/broken/api/json')).status).toBe(404);
  });
});

describe('config.xml', () => {
  const config = `<?xml version='1.1' encoding='UTF-8'?>
<project>
  <actions/>
  <description>round trip</description>
  <keepDependencies>false</keepDependencies>
  <properties>
    <com.example.UnknownProperty><setting>kept</setting></com.example.UnknownProperty>
    <hudson.model.ParametersDefinitionProperty>
      <parameterDefinitions>
        <hudson.model.StringParameterDefinition><name>FOO</name><description>d</description><defaultValue>bar</defaultValue><trim>true</trim></hudson.model.StringParameterDefinition>
        <hudson.model.ChoiceParameterDefinition><name>ENV</name><choices class="java.util.Arrays$ArrayList"><a class="string-array"><string>dev</string><string>prod</string></a></choices></hudson.model.ChoiceParameterDefinition>
      </parameterDefinitions>
    </hudson.model.ParametersDefinitionProperty>
  </properties>
  <scm class="hudson.scm.SubversionSCM" plugin="subversion@2.17"><locations/></scm>
  <disabled>false</disabled>
  <concurrentBuild>true</concurrentBuild>
  <quietPeriod>3</quietPeriod>
  <builders><hudson.tasks.Shell><command>echo "$FOO"</command><unstableReturn>3</unstableReturn></hudson.tasks.Shell></builders>
  <publishers><hudson.tasks.Mailer plugin="mailer"><recipients>a@example.com</recipients></hudson.tasks.Mailer></publishers>
  <buildWrappers/>
</project>`;

  it('round-trips a config, keeping elements Steward does not use, and warns about them', async () => {
    const created = await create('/createItem?name=rt', config);
    expect(created.status).toBe(200);
    expect(created.headers.get('x-steward-warning')).toContain('scm (hudson.scm.SubversionSCM)');
    expect(created.headers.get('x-steward-warning')).toContain('publishers/hudson.tasks.Mailer');
    const response = await server.fetch('/job/rt/config.xml');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/xml;charset=UTF-8');
    const xml = await response.text();
    expect(xml.startsWith("<?xml version='1.1' encoding='UTF-8'?>")).toBe(true);
    for (const fragment of ['<com.example.UnknownProperty><setting>kept</setting></com.example.UnknownProperty>', '<recipients>a@example.com</recipients>', '<locations/>', '<quietPeriod>3</quietPeriod>', '<concurrentBuild>true</concurrentBuild>', '<unstableReturn>3</unstableReturn>', '<string>prod</string>']) {
      expect(xml).toContain(fragment);
    }
    const job = await (await server.fetch('/job/rt/api/json')).json();
    expect(job).toMatchObject({ description: 'round trip', concurrentBuild: true, property: [{ parameterDefinitions: [{ name: 'FOO', defaultParameterValue: { name: 'FOO', value: 'bar' } }, { name: 'ENV', choices: ['dev', 'prod'] }] }] });
  });

  it('says what of the config it does not run on the job page, the configure page, the API and in every build log', async () => {
    const ignored = ['scm (hudson.scm.SubversionSCM)', 'publishers/hudson.tasks.Mailer', 'properties/com.example.UnknownProperty'];
    const job = (await (await server.fetch('/job/rt/api/json')).json()) as { actions: Array<{ _class?: string; ignoredSettings?: string[] }> };
    expect(job.actions.find((action) => action._class === 'io.steward.model.IgnoredSettingsAction')?.ignoredSettings).toEqual(ignored);
    for (const page of ['/job/rt/', '/job/rt/configure']) {
      const html = await (await server.fetch(page, { headers: { accept: 'text/html' } })).text();
      expect(html).toContain('Steward keeps but does not run these settings');
      for (const setting of ignored) expect(html).toContain(`<code>${setting}</code>`);
    }
    expect((await server.fetch('/job/rt/buildWithParameters?delay=0sec', { method: 'POST' })).status).toBe(201);
    await waitForBuild(server, '/job/rt', 1, 15_000);
    const log = await (await server.fetch('/job/rt/1/consoleText')).text();
    expect(log).toContain(`\nignored: ${ignored.join(', ')} (Steward keeps these settings of the job's config.xml but does not run them)\n`);
  });

  it('updates a job from POST config.xml (200) and shows settings changed elsewhere', async () => {
    const xml = (await (await server.fetch('/job/rt/config.xml')).text()).replace('round trip', 'updated');
    const response = await server.fetch('/job/rt/config.xml', { method: 'POST', headers: { 'content-type': 'application/xml' }, body: xml });
    expect(response.status).toBe(200);
    expect(await (await server.fetch('/job/rt/api/json?tree=description')).json()).toMatchObject({ description: 'updated' });
    await server.fetch('/job/rt/disable', { method: 'POST' });
    expect(await (await server.fetch('/job/rt/config.xml')).text()).toContain('<disabled>true</disabled>');
    await server.fetch('/job/rt/enable', { method: 'POST' });
  });

  it('refuses a config of another kind and a malformed one, changing nothing', async () => {
    const folderOnJob = await server.fetch('/job/rt/config.xml', { method: 'POST', headers: { 'content-type': 'application/xml' }, body: FOLDER_XML });
    expect(folderOnJob.status).toBe(400);
    expect(folderOnJob.headers.get('x-steward-reason')).toBe('item_kind_mismatch');
    const malformed = await server.fetch('/job/rt/config.xml', { method: 'POST', headers: { 'content-type': 'application/xml' }, body: '<project><description>x</project>' });
    expect(malformed.status).toBe(400);
    expect(await (await server.fetch('/job/rt/api/json?tree=description')).json()).toMatchObject({ description: 'updated' });
  });

  it('tolerates a trailing /api/json after config.xml (jenkins-api)', async () => {
    const response = await server.fetch('/job/rt/config.xml/api/json');
    expect(response.status).toBe(200);
    expect(await response.text()).toContain('<project>');
  });

  it('never shows the trigger token, and keeps it when its placeholder is sent back', async () => {
    await create('/createItem?name=tokened', jobXml({ extra: '<authToken>s3cret-token</authToken>' }));
    const xml = await (await server.fetch('/job/tokened/config.xml')).text();
    expect(xml).not.toContain('s3cret-token');
    const placeholder = /<authToken>(\{steward-token:[0-9a-f]+\})<\/authToken>/.exec(xml)?.[1];
    expect(placeholder).toBeDefined();
    await server.fetch('/job/tokened/config.xml', { method: 'POST', headers: { 'content-type': 'application/xml' }, body: xml });
    expect(await (await server.fetch('/job/tokened/config.xml')).text()).toContain(`<authToken>${placeholder}</authToken>`);
  });
});

describe('deleting, enabling and disabling', () => {
  it('disables and enables with 302 to the job, reflected in the API', async () => {
    await create('/createItem?name=toggle', jobXml());
    const disabled = await server.fetch('/job/toggle/disable', { method: 'POST' });
    expect(disabled.status).toBe(302);
    expect(disabled.headers.get('location')).toBe(`${server.url}job/toggle/`);
    expect(await (await server.fetch('/job/toggle/api/json?tree=color,buildable,disabled')).json()).toMatchObject({ color: 'disabled', buildable: false, disabled: true });
    expect((await server.fetch('/job/toggle/enable', { method: 'POST' })).status).toBe(302);
    expect(await (await server.fetch('/job/toggle/api/json?tree=color')).json()).toMatchObject({ color: 'notbuilt' });
    expect((await server.fetch('/job/toggle/', { method: 'GET' })).status).toBe(200);
  });

  it('deletes with POST doDelete (302 to the parent) and with DELETE (204)', async () => {
    await create('/createItem?name=gone', FOLDER_XML);
    await create('/job/gone/createItem?name=inner', jobXml());
    const response = await server.fetch('/job/gone/job/inner/doDelete', { method: 'POST' });
    expect(response.status).toBe(302);
    expect(response.headers.get('location')).toBe(`${server.url}job/gone/`);
    expect((await server.fetch('/job/gone/job/inner/api/json')).status).toBe(404);
    expect((await server.fetch('/job/gone/', { method: 'DELETE' })).status).toBe(204);
    expect((await server.fetch('/job/gone/api/json')).status).toBe(404);
    const top = await create('/createItem?name=top', jobXml());
    expect(top.status).toBe(200);
    const topDelete = await server.fetch('/job/top/doDelete/api/json', { method: 'POST' });
    expect(topDelete.status).toBe(302);
    expect(topDelete.headers.get('location')).toBe(server.url);
    expect((await server.fetch('/')).status).toBe(200);
  });

  it('answers 405 with Allow for a GET of a POST-only action, and 404 for unknown items', async () => {
    const response = await server.fetch('/job/demo/doDelete');
    expect(response.status).toBe(405);
    expect(response.headers.get('allow')).toBe('POST');
    expect((await server.fetch('/job/no-such-job/api/json')).status).toBe(404);
    expect((await server.fetch('/job/no-such-job/api/json')).headers.get('x-steward-reason')).toBe('item_not_found');
  });
});
