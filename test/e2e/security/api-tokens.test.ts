import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { basicAuth, createApiToken, jobXml, startTestServer, type TestServer } from '../../support/server.js';

/** API tokens through Jenkins' endpoints and the native API: creation, use, statistics, expiry, revocation. */
let server: TestServer;
const DESCRIPTOR = 'descriptorByName/jenkins.security.ApiTokenProperty';

beforeAll(async () => {
  server = await startTestServer();
  await server.createJob('demo', jobXml({ steps: ['true'], extra: '<quietPeriod>3600</quietPeriod>' }));
  for (const id of ['dave', 'erin']) {
    const created = await server.fetch('/steward/api/v1/users', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ id, password: `${id}-password` }) });
    expect(created.status).toBe(201);
  }
});
afterAll(async () => {
  await server.stop();
});

function as(user: string, token: string, path: string, init: RequestInit = {}): Promise<Response> {
  return server.fetch(path, { ...init, auth: basicAuth(user, token) });
}

async function tokensOf(user: string): Promise<Array<{ uuid: string; name: string; useCount: number; lastUsedAt: string | null; lastUsedAddress: string | null; expiresAt: string | null }>> {
  return (await (await server.fetch(`/steward/api/v1/users/${user}/tokens`)).json()) as never;
}

describe("Jenkins' generateNewToken", () => {
  it('answers Jenkins\' shape with a prefixed token of at least 128 bits, shown once', async () => {
    const daveToken = await createApiToken(server.url, 'dave', 'dave-password', 'ci');
    expect(daveToken).toMatch(/^stwu_[0-9A-Za-z]{32}_[0-9A-Za-z]{6}$/);
    const listed = await tokensOf('dave');
    expect(listed.map((token) => token.name)).toContain('ci');
    expect(JSON.stringify(listed)).not.toContain(daveToken);
  });

  it('answers the fields Jenkins clients read', async () => {
    const crumb = ((await (await server.fetch('/crumbIssuer/api/json', { auth: basicAuth('erin', 'erin-password') })).json()) as { crumb: string }).crumb;
    const response = await server.fetch(`/user/erin/${DESCRIPTOR}/generateNewToken`, {
      method: 'POST',
      auth: basicAuth('erin', 'erin-password'),
      headers: { 'Jenkins-Crumb': crumb, 'content-type': 'application/x-www-form-urlencoded' },
      body: 'newTokenName=laptop&expirationDuration=30',
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    const body = (await response.json()) as { status: string; data: Record<string, unknown> };
    expect(body).toEqual({
      status: 'ok',
      data: { tokenName: 'laptop', tokenUuid: expect.stringMatching(/^[0-9a-f-]{36}$/), tokenValue: expect.stringMatching(/^stwu_/), expirationDate: expect.stringMatching(/^\d{4}-\d{2}-\d{2}$/), aboutToExpire: false },
    });
  });

  it('names a token created without a name, as Jenkins does', async () => {
    const token = await createApiToken(server.url, 'dave', 'dave-password', '');
    expect(token).toMatch(/^stwu_/);
    expect((await tokensOf('dave')).some((one) => one.name.startsWith('Token created on '))).toBe(true);
  });

  it('answers a past expiration date with status error, as Jenkins does', async () => {
    const crumb = ((await (await server.fetch('/crumbIssuer/api/json', { auth: basicAuth('dave', 'dave-password') })).json()) as { crumb: string }).crumb;
    const response = await server.fetch(`/me/${DESCRIPTOR}/generateNewToken`, {
      method: 'POST',
      auth: basicAuth('dave', 'dave-password'),
      headers: { 'Jenkins-Crumb': crumb, 'content-type': 'application/x-www-form-urlencoded' },
      body: 'newTokenName=old&expirationDuration=custom&tokenExpiration=2001-01-01',
    });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: 'error', message: 'The expiration date must be in the future.' });
  });

  it('lets only the owner create tokens, not even an administrator', async () => {
    const response = await server.fetch(`/user/dave/${DESCRIPTOR}/generateNewToken`, { method: 'POST' });
    expect(response.status).toBe(403);
    expect(response.headers.get('x-steward-reason')).toBe('token_owner_only');
  });

  it('needs POST', async () => {
    const response = await server.fetch(`/user/admin/${DESCRIPTOR}/generateNewToken`);
    expect(response.status).toBe(405);
    expect(response.headers.get('allow')).toBe('POST');
  });
});

describe('using a token', () => {
  it('authenticates Basic requests without a crumb and counts each use with time and address', async () => {
    const token = await createApiToken(server.url, 'dave', 'dave-password', 'counted');
    for (let i = 0; i < 3; i++) expect((await as('dave', token, '/job/demo/build', { method: 'POST' })).status).toBe(201);
    const counted = (await tokensOf('dave')).find((one) => one.name === 'counted');
    expect(counted).toMatchObject({ useCount: 3, lastUsedAddress: '127.0.0.1' });
    expect(Date.now() - Date.parse(counted?.lastUsedAt ?? '')).toBeLessThan(60_000);
    const who = (await (await as('dave', token, '/steward/api/v1/whoami')).json()) as Record<string, unknown>;
    expect(who).toMatchObject({ id: 'dave', credential: 'api_token', apiToken: 'counted' });
  });

  it("is refused with another user's name", async () => {
    const token = await createApiToken(server.url, 'dave', 'dave-password', 'mine');
    const response = await as('erin', token, '/api/json');
    expect(response.status).toBe(401);
    expect(response.headers.get('x-steward-reason')).toBe('credentials_invalid');
  });

  it('stops working once revoked, on the very next request, saying so', async () => {
    const first = await createApiToken(server.url, 'dave', 'dave-password', 'rotate-old');
    const second = await createApiToken(server.url, 'dave', 'dave-password', 'rotate-new');
    expect((await as('dave', first, '/api/json')).status).toBe(200);
    const uuid = (await tokensOf('dave')).find((one) => one.name === 'rotate-old')?.uuid;
    const revoked = await as('dave', second, `/user/dave/${DESCRIPTOR}/revoke`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: `tokenUuid=${uuid}` });
    expect(revoked.status).toBe(200);
    const refused = await as('dave', first, '/api/json');
    expect(refused.status).toBe(401);
    expect(refused.headers.get('x-steward-reason')).toBe('token_revoked');
    expect(refused.headers.get('www-authenticate')).toBe('Basic realm="Steward"');
    expect(refused.headers.get('x-error')).toMatch(/^The API token "rotate-old" of dave was revoked on \d{4}-/);
    expect((await as('dave', second, '/api/json')).status).toBe(200);
    expect((await tokensOf('dave')).map((one) => one.name)).not.toContain('rotate-old');
  });

  it('lets an administrator revoke, and only the owner or an administrator', async () => {
    const token = await createApiToken(server.url, 'dave', 'dave-password', 'admin-revokes');
    const uuid = (await tokensOf('dave')).find((one) => one.name === 'admin-revokes')?.uuid;
    const erin = await createApiToken(server.url, 'erin', 'erin-password', 'erin');
    // Under the default strategy every user administers; a matrix makes erin an ordinary user.
    const policy = (body: unknown) => server.fetch('/steward/api/v1/security', { method: 'PATCH', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    expect((await policy({ authorization: 'matrix', grants: { 'user:admin': ['Overall/Administer'], authenticated: ['Overall/Read'] } })).status).toBe(200);
    const byOther = await as('erin', erin, `/steward/api/v1/users/dave/tokens/${uuid}`, { method: 'DELETE' });
    const byOtherJenkins = await as('erin', erin, `/user/dave/${DESCRIPTOR}/revoke`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: `tokenUuid=${uuid}` });
    expect((await policy({ authorization: 'loggedInUsersCanDoAnything' })).status).toBe(200);
    expect(byOther.status).toBe(403);
    expect(await byOther.json()).toMatchObject({ error: 'permission_missing' });
    expect(byOtherJenkins.status).toBe(403);
    expect(byOtherJenkins.headers.get('x-steward-reason')).toBe('token_owner_only');
    expect((await as('dave', token, '/api/json')).status).toBe(200);
    expect((await server.fetch(`/steward/api/v1/users/dave/tokens/${uuid}`, { method: 'DELETE' })).status).toBe(204);
    expect((await as('dave', token, '/api/json')).status).toBe(401);
    expect((await server.fetch(`/steward/api/v1/users/dave/tokens/${uuid}`, { method: 'DELETE' })).status).toBe(404);
  });

  it('stops working when it expires', async () => {
    const session = await createApiToken(server.url, 'dave', 'dave-password', 'maker');
    const created = await as('dave', session, '/steward/api/v1/users/dave/tokens', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'brief', expiresAt: new Date(Date.now() + 800).toISOString() }),
    });
    expect(created.status).toBe(201);
    const { value, expiresAt } = (await created.json()) as { value: string; expiresAt: string };
    expect(value).toMatch(/^stwu_/);
    expect((await as('dave', value, '/api/json')).status).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, Date.parse(expiresAt) - Date.now()) + 50));
    const refused = await as('dave', value, '/api/json');
    expect(refused.status).toBe(401);
    expect(refused.headers.get('x-steward-reason')).toBe('token_expired');
  });

  it('can be renamed, by Jenkins\' endpoint and the native API', async () => {
    const token = await createApiToken(server.url, 'erin', 'erin-password', 'before');
    const uuid = (await tokensOf('erin')).find((one) => one.name === 'before')?.uuid;
    const renamed = await as('erin', token, `/me/${DESCRIPTOR}/rename`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: `tokenUuid=${uuid}&newName=after` });
    expect(await renamed.json()).toEqual({ status: 'ok' });
    const patched = await as('erin', token, `/steward/api/v1/users/erin/tokens/${uuid}`, { method: 'PATCH', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'final' }) });
    expect(patched.status).toBe(200);
    expect((await tokensOf('erin')).find((one) => one.uuid === uuid)?.name).toBe('final');
  });

  it('is created only by its owner through the native API too', async () => {
    const response = await server.fetch('/steward/api/v1/users/dave/tokens', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    expect(response.status).toBe(403);
    expect(await response.json()).toMatchObject({ error: 'token_owner_only' });
  });
});
