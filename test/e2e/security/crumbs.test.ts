import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_PASSWORD, basicAuth, jobXml, startTestServer, type TestServer } from '../../support/server.js';

/** Which requests need a CSRF crumb, what a crumb is bound to, and the setting that turns them off. */
let server: TestServer;
const admin = basicAuth('admin', ADMIN_PASSWORD);
const bob = basicAuth('bob', 'bob-password');

async function crumbFor(authorization: string | null, cookie?: string): Promise<{ crumb: string; cookie: string | null }> {
  const response = await server.fetch('/crumbIssuer/api/json', { auth: authorization, headers: cookie ? { cookie } : {} });
  expect(response.status).toBe(200);
  const body = (await response.json()) as { _class: string; crumb: string; crumbRequestField: string };
  expect(body).toMatchObject({ _class: 'hudson.security.csrf.DefaultCrumbIssuer', crumbRequestField: 'Jenkins-Crumb' });
  const setCookie = response.headers.getSetCookie()[0];
  return { crumb: body.crumb, cookie: setCookie ? (setCookie.split(';')[0] as string) : null };
}

async function policy(body: unknown): Promise<void> {
  const response = await server.fetch('/steward/api/v1/security', { method: 'PATCH', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  expect(response.status).toBe(200);
}

beforeAll(async () => {
  server = await startTestServer();
  await server.createJob('demo', jobXml({ extra: '<quietPeriod>3600</quietPeriod>' }));
  const created = await server.fetch('/steward/api/v1/users', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ id: 'bob', password: 'bob-password' }) });
  expect(created.status).toBe(201);
});
afterAll(async () => {
  await server.stop();
});

describe('a crumb fetched with a password and no session', () => {
  it('is bound to the user, comes with a session cookie as in Jenkins, and is accepted as header, query or form field', async () => {
    const { crumb, cookie } = await crumbFor(admin);
    expect(crumb).toMatch(/^[0-9a-f]{64}$/);
    expect(cookie).toMatch(/^JSESSIONID\.[0-9a-f]{8}=/);
    expect((await server.fetch('/job/demo/build', { method: 'POST', auth: admin, headers: { 'Jenkins-Crumb': crumb } })).status).toBe(201);
    expect((await server.fetch(`/job/demo/build?Jenkins-Crumb=${crumb}`, { method: 'POST', auth: admin })).status).toBe(201);
    const form = await server.fetch('/job/demo/build', { method: 'POST', auth: admin, headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: `Jenkins-Crumb=${crumb}` });
    expect(form.status).toBe(201);
  });

  it('works with the session it started, for clients that keep cookies, and the session stays the same on the next fetch', async () => {
    const { crumb, cookie } = await crumbFor(admin);
    // The cookie alone (no password) is a session of admin's; the crumb fetched with the password is accepted.
    const withSession = await server.fetch('/job/demo/build', { method: 'POST', auth: null, headers: { cookie: cookie as string, 'Jenkins-Crumb': crumb } });
    expect(withSession.status).toBe(201);
    expect((await server.fetch('/me/api/json', { auth: null, headers: { cookie: cookie as string } })).status).toBe(200);
    // Both together, as curl --cookie-jar sends them, work too; a fetch with a live session cookie starts no new one.
    expect((await server.fetch('/job/demo/build', { method: 'POST', auth: admin, headers: { cookie: cookie as string, 'Jenkins-Crumb': crumb } })).status).toBe(201);
    expect((await crumbFor(admin, cookie as string)).cookie).toBeNull();
    // Without the crumb the session's POST is still refused: the cookie is no ambient authority.
    const bare = await server.fetch('/job/demo/build', { method: 'POST', auth: null, headers: { cookie: cookie as string } });
    expect(bare.status).toBe(403);
    expect(bare.headers.get('x-steward-reason')).toBe('crumb_missing');
  });

  it("is refused for another user, saying so", async () => {
    const { crumb } = await crumbFor(admin);
    const response = await server.fetch('/job/demo/build', { method: 'POST', auth: bob, headers: { 'Jenkins-Crumb': crumb } });
    expect(response.status).toBe(403);
    expect(response.headers.get('x-steward-reason')).toBe('crumb_mismatch');
    expect(await response.text()).toBe(
      'No valid crumb was included in the request: the crumb was issued to another user or session, or more than a day ago.\n' +
        'Use an API token instead of the password (no crumb needed), or fetch one from /crumbIssuer/api/json with the same credentials and send it as Jenkins-Crumb.\n',
    );
  });

  it('is checked before routing, as in Jenkins: a password POST anywhere needs one', async () => {
    const response = await server.fetch('/no/such/url', { method: 'POST', auth: admin });
    expect(response.status).toBe(403);
    expect(response.headers.get('x-steward-reason')).toBe('crumb_missing');
  });
});

describe('an API token', () => {
  it('needs no crumb, and a wrong one does not matter', async () => {
    expect((await server.fetch('/job/demo/build', { method: 'POST' })).status).toBe(201);
    expect((await server.fetch('/job/demo/build', { method: 'POST', headers: { 'Jenkins-Crumb': 'nonsense' } })).status).toBe(201);
  });
});

describe('anonymous callers', () => {
  beforeAll(async () => {
    await policy({ authorization: 'matrix', grants: { 'user:admin': ['Overall/Administer'], anonymous: ['Overall/Read', 'Job/Read', 'Job/Build'] } });
  });
  afterAll(async () => {
    await policy({ authorization: 'loggedInUsersCanDoAnything' });
  });

  it('get a crumb bound to a cookie issued with it, and need both', async () => {
    const { crumb, cookie } = await crumbFor(null);
    expect(cookie).toMatch(/^JSESSIONID\.[0-9a-f]{8}=/);
    expect((await server.fetch('/job/demo/build', { method: 'POST', auth: null, headers: { 'Jenkins-Crumb': crumb, cookie: cookie as string } })).status).toBe(201);
    const again = await crumbFor(null, cookie as string);
    expect(again).toEqual({ crumb, cookie: null });
    const withoutCookie = await server.fetch('/job/demo/build', { method: 'POST', auth: null, headers: { 'Jenkins-Crumb': crumb } });
    expect(withoutCookie.status).toBe(403);
    expect(withoutCookie.headers.get('x-steward-reason')).toBe('crumb_mismatch');
    expect(withoutCookie.headers.get('x-error')).toBe('No valid crumb was included in the request: the crumb was sent without the session cookie it was issued with.');
    const withoutCrumb = await server.fetch('/job/demo/build', { method: 'POST', auth: null });
    expect(withoutCrumb.headers.get('x-steward-reason')).toBe('crumb_missing');
    expect(await withoutCrumb.text()).toContain('this POST is anonymous, so it needs a crumb bound to its session cookie');
  });
});

describe('turning crumbs off', () => {
  it('is for administrators, shows in the root API, and lets password POSTs through', async () => {
    await policy({ crumbs: false });
    try {
      expect(((await (await server.fetch('/api/json?tree=useCrumbs')).json()) as { useCrumbs: boolean }).useCrumbs).toBe(false);
      expect((await server.fetch('/job/demo/build', { method: 'POST', auth: admin })).status).toBe(201);
      // Clients that always fetch one still get one.
      expect((await crumbFor(admin)).crumb).toMatch(/^[0-9a-f]{64}$/);
    } finally {
      await policy({ crumbs: true });
    }
    expect(((await (await server.fetch('/api/json?tree=useCrumbs')).json()) as { useCrumbs: boolean }).useCrumbs).toBe(true);
    expect((await server.fetch('/job/demo/build', { method: 'POST', auth: admin })).status).toBe(403);
  });
});
