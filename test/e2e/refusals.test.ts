import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { basicAuth, jobXml, startTestServer, type TestServer } from '../support/server.js';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
  await server.createJob('demo', jobXml());
});
afterAll(async () => {
  await server.stop();
});

describe('who may ask', () => {
  it.each([
    ['GET', '/api/json'],
    ['GET', '/job/demo/api/json'],
    ['GET', '/job/missing/api/json'],
    ['POST', '/job/demo/build'],
    ['GET', '/queue/api/json'],
    ['GET', '/crumbIssuer/api/json'],
    ['GET', '/'],
  ])('refuses anonymous %s %s with 403 and the permission it lacks, never revealing whether a job exists', async (method, path) => {
    const response = await server.fetch(path, { method, auth: null });
    expect(response.status).toBe(403);
    expect(response.headers.get('x-steward-reason')).toBe('authentication_required');
    expect(response.headers.get('x-you-are-authenticated-as')).toBe('anonymous');
    expect(response.headers.get('x-required-permission')).toBe('hudson.model.Hudson.Read');
    expect(response.headers.get('x-permission-implied-by')).toBe('hudson.security.Permission.GenericRead, hudson.model.Hudson.Administer');
    const body = await response.text();
    expect(response.headers.get('content-type')).toBe('text/html;charset=UTF-8');
    const from = new URLSearchParams({ from: path }).toString();
    expect(body).toContain(`<meta http-equiv='refresh' content='1;url=/login?${from}'/>`);
    expect(body).toContain(
      [
        'Authentication required',
        '<!--',
        'You are authenticated as: anonymous',
        'Groups that you are in:',
        '  anonymous',
        "Permission you need to have (but didn't): hudson.model.Hudson.Read",
        ' ... which is implied by: hudson.security.Permission.GenericRead',
        ' ... which is implied by: hudson.model.Hudson.Administer',
        '-->',
        '<p>Authentication required: anonymous requests may not read this server.</p>',
        '<p>Send credentials with HTTP Basic, e.g. curl -u USER:API_TOKEN (an API token needs no crumb; a password does).</p>',
      ].join('\n'),
    );
  });

  it('answers a bare 403 to XMLHttpRequest, with the headers', async () => {
    const response = await server.fetch('/api/json', { auth: null, headers: { 'x-requested-with': 'XMLHttpRequest' } });
    expect(response.status).toBe(403);
    expect(await response.text()).toBe('');
    expect(response.headers.get('x-steward-reason')).toBe('authentication_required');
    expect(response.headers.get('x-required-permission')).toBe('hudson.model.Hudson.Read');
  });

  it('keeps secrets out of the login link it renders', async () => {
    const body = await (await server.fetch('/job/demo/build?token=s3cr3t&delay=0', { auth: null })).text();
    expect(body).toContain(`url=/login?from=${encodeURIComponent('/job/demo/build?delay=0')}'`);
    expect(body).not.toContain('s3cr3t');
  });

  it('answers JSON refusals to clients that accept JSON', async () => {
    const response = await server.fetch('/api/json', { auth: null, headers: { accept: 'application/json' } });
    expect(response.status).toBe(403);
    expect(response.headers.get('content-type')).toBe('application/json;charset=UTF-8');
    expect(await response.json()).toEqual({
      error: 'authentication_required',
      message: 'Authentication required: anonymous requests may not read this server.',
      hint: 'Send credentials with HTTP Basic, e.g. curl -u USER:API_TOKEN (an API token needs no crumb; a password does).',
    });
  });

  it('lets anonymous ask who it is', async () => {
    expect((await server.fetch('/whoAmI/api/json', { auth: null })).status).toBe(200);
  });

  it.each([
    ['a wrong password', basicAuth('admin', 'nope')],
    ['an unknown user', basicAuth('mallory', 'x')],
    ['no colon', `Basic ${Buffer.from('admin').toString('base64')}`],
  ])('answers %s with 401 and WWW-Authenticate on any URL', async (_what, auth) => {
    for (const path of ['/api/json', '/whoAmI/api/json', '/job/demo/build']) {
      const response = await server.fetch(path, { auth, method: path.endsWith('build') ? 'POST' : 'GET' });
      expect(response.status, path).toBe(401);
      expect(response.headers.get('www-authenticate')).toBe('Basic realm="Steward"');
      expect(response.headers.get('x-steward-reason')).toBe('credentials_invalid');
    }
  });
});

describe('bad input', () => {
  it('refuses semicolons in the URI with 400', async () => {
    expect((await server.fetch('/job/demo;x=1/api/json')).status).toBe(400);
    expect((await server.fetch('/job/demo%3Bx/api/json')).status).toBe(400);
  });

  it('refuses a body over the limit with 413, creating nothing', async () => {
    const huge = jobXml({ description: 'x'.repeat(1024 * 1024 + 10) });
    const response = await server.fetch('/createItem?name=huge', { method: 'POST', headers: { 'content-type': 'application/xml' }, body: huge });
    expect(response.status).toBe(413);
    expect(response.headers.get('x-steward-reason')).toBe('payload_too_large');
    expect((await server.fetch('/job/huge/api/json')).status).toBe(404);
  });

  it('refuses a badly encoded path with 404, not 500', async () => {
    expect((await server.fetch('/job/%E0%A4%A/api/json')).status).toBe(404);
  });

  it('refuses an unsupported build step with 400 and says what works', async () => {
    const response = await server.fetch('/createItem?name=maven', {
      method: 'POST',
      headers: { 'content-type': 'application/xml' },
      body: '<project><builders><hudson.tasks.Maven><targets>install</targets></hudson.tasks.Maven></builders></project>',
    });
    expect(response.status).toBe(400);
    expect(await response.text()).toContain('Steward runs shell build steps');
  });

  it('never logged a stack trace or an unhandled error for any of this', () => {
    const log = server.logLines.join('\n');
    expect(log).not.toMatch(/unhandled error/);
    expect(log).not.toMatch(/\n\s+at /);
    expect(log).not.toContain('admin-secret-pw');
  });
});
