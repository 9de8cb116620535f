import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { basicAuth, createApiToken, FOLDER_XML, jobXml, startTestServer, type TestServer, waitForBuild } from '../../support/server.js';

/**
 * The permission model, table-driven: every principal against every endpoint under each strategy,
 * checking the status and the reason code Jenkins clients and people see. Expectations are written
 * out, not computed, so a change in the rules shows up here as a changed row.
 */
const PRINCIPALS = ['anonymous', 'reader', 'builder', 'admin', 'folderBuilder', 'discoverer', 'revoked', 'expired'] as const;
type Principal = (typeof PRINCIPALS)[number];

interface Endpoint {
  readonly name: string;
  readonly request: (index: number) => { path: string; init: RequestInit };
}

const get = (path: string) => () => ({ path, init: {} });
const post = (path: string) => () => ({ path, init: { method: 'POST' } });

const ENDPOINTS: Endpoint[] = [
  { name: 'GET /api/json', request: get('/api/json') },
  { name: 'GET team/app api', request: get('/job/team/job/app/api/json') },
  { name: 'GET solo api', request: get('/job/solo/api/json') },
  { name: 'POST team/app build', request: post('/job/team/job/app/build') },
  { name: 'POST solo build', request: post('/job/solo/build') },
  { name: 'GET team/app config.xml', request: get('/job/team/job/app/config.xml') },
  { name: 'POST team/app 1 stop', request: post('/job/team/job/app/1/stop') },
  { name: 'GET crumbIssuer', request: get('/crumbIssuer/api/json') },
  { name: 'GET whoAmI', request: get('/whoAmI/api/json') },
  { name: 'GET queue', request: get('/queue/api/json') },
  {
    name: 'POST createItem',
    request: (index) => ({ path: `/createItem?name=made-${index}`, init: { method: 'POST', headers: { 'content-type': 'application/xml' }, body: jobXml() } }),
  },
];

// Columns: anonymous, reader, builder, admin, folderBuilder, discoverer, revoked, expired.
const AUTH_REQUIRED = '403 authentication_required';
const REVOKED = '401 token_revoked';
const EXPIRED = '401 token_expired';
type Row = readonly [string, string, string, string, string, string, string, string];

/** "logged-in users can do anything", anonymous may not read (the default). */
const LOGGED_IN: Record<string, Row> = {
  'GET /api/json': [AUTH_REQUIRED, '200', '200', '200', '200', '200', REVOKED, EXPIRED],
  'GET team/app api': [AUTH_REQUIRED, '200', '200', '200', '200', '200', REVOKED, EXPIRED],
  'GET solo api': [AUTH_REQUIRED, '200', '200', '200', '200', '200', REVOKED, EXPIRED],
  'POST team/app build': [AUTH_REQUIRED, '201', '201', '201', '201', '201', REVOKED, EXPIRED],
  'POST solo build': [AUTH_REQUIRED, '201', '201', '201', '201', '201', REVOKED, EXPIRED],
  'GET team/app config.xml': [AUTH_REQUIRED, '200', '200', '200', '200', '200', REVOKED, EXPIRED],
  'POST team/app 1 stop': [AUTH_REQUIRED, '302', '302', '302', '302', '302', REVOKED, EXPIRED],
  'GET crumbIssuer': [AUTH_REQUIRED, '200', '200', '200', '200', '200', REVOKED, EXPIRED],
  'GET whoAmI': ['200', '200', '200', '200', '200', '200', REVOKED, EXPIRED],
  'GET queue': [AUTH_REQUIRED, '200', '200', '200', '200', '200', REVOKED, EXPIRED],
  'POST createItem': [AUTH_REQUIRED, '200', '200', '200', '200', '200', REVOKED, EXPIRED],
};

/** The same with anonymous read: anonymous reads, but every POST of it needs a crumb first. */
const LOGGED_IN_ANONYMOUS_READ: Record<string, Row> = {
  ...LOGGED_IN,
  'GET /api/json': ['200', '200', '200', '200', '200', '200', REVOKED, EXPIRED],
  'GET team/app api': ['200', '200', '200', '200', '200', '200', REVOKED, EXPIRED],
  'GET solo api': ['200', '200', '200', '200', '200', '200', REVOKED, EXPIRED],
  'POST team/app build': ['403 crumb_missing', '201', '201', '201', '201', '201', REVOKED, EXPIRED],
  'POST solo build': ['403 crumb_missing', '201', '201', '201', '201', '201', REVOKED, EXPIRED],
  'GET team/app config.xml': ['403 authentication_required', '200', '200', '200', '200', '200', REVOKED, EXPIRED],
  'POST team/app 1 stop': ['403 crumb_missing', '302', '302', '302', '302', '302', REVOKED, EXPIRED],
  'GET crumbIssuer': ['200', '200', '200', '200', '200', '200', REVOKED, EXPIRED],
  'GET queue': ['200', '200', '200', '200', '200', '200', REVOKED, EXPIRED],
  'POST createItem': ['403 crumb_missing', '200', '200', '200', '200', '200', REVOKED, EXPIRED],
};

/**
 * The matrix: reader has Overall/Read and Job/Read; builder adds Job/Build and Job/Cancel; admin has
 * Overall/Administer; folderBuilder has Overall/Read and, on the folder team only, Job/Read and
 * Job/Build (inherited by team/app); discoverer has Overall/Read and Job/Discover.
 */
const MISSING = '403 permission_missing';
const MATRIX: Record<string, Row> = {
  'GET /api/json': [AUTH_REQUIRED, '200', '200', '200', '200', '200', REVOKED, EXPIRED],
  'GET team/app api': [AUTH_REQUIRED, '200', '200', '200', '200', MISSING, REVOKED, EXPIRED],
  'GET solo api': [AUTH_REQUIRED, '200', '200', '200', '404 item_not_found', MISSING, REVOKED, EXPIRED],
  'POST team/app build': [AUTH_REQUIRED, MISSING, '201', '201', '201', MISSING, REVOKED, EXPIRED],
  'POST solo build': [AUTH_REQUIRED, MISSING, '201', '201', '404 item_not_found', MISSING, REVOKED, EXPIRED],
  'GET team/app config.xml': [AUTH_REQUIRED, MISSING, MISSING, '200', MISSING, MISSING, REVOKED, EXPIRED],
  'POST team/app 1 stop': [AUTH_REQUIRED, MISSING, '302', '302', MISSING, MISSING, REVOKED, EXPIRED],
  'GET crumbIssuer': [AUTH_REQUIRED, '200', '200', '200', '200', '200', REVOKED, EXPIRED],
  'GET whoAmI': ['200', '200', '200', '200', '200', '200', REVOKED, EXPIRED],
  'GET queue': [AUTH_REQUIRED, '200', '200', '200', '200', '200', REVOKED, EXPIRED],
  'POST createItem': [AUTH_REQUIRED, MISSING, MISSING, '200', MISSING, MISSING, REVOKED, EXPIRED],
};

let server: TestServer;
const auth: Partial<Record<Principal, string | null>> = { anonymous: null };

async function native(path: string, method: string, body: unknown): Promise<void> {
  const response = await server.fetch(`/steward/api/v1${path}`, { method, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  if (response.status >= 300) throw new Error(`${method} ${path}: ${response.status} ${await response.text()}`);
}

beforeAll(async () => {
  // Every revoked and expired token request is a failed authentication from this one address.
  server = await startTestServer({ config: 'security:\n  failedAuthentications: { attempts: 100000, window: 1min }\n' });
  await server.createJob('team', FOLDER_XML);
  await server.createJob('team/app', jobXml({ steps: ['true'] }));
  await server.createJob('solo', jobXml({ steps: ['true'] }));
  expect((await server.fetch('/job/team/job/app/build', { method: 'POST' })).status).toBe(201);
  await waitForBuild(server, '/job/team/job/app', 1);
  auth.admin = basicAuth('admin', server.adminToken);
  for (const user of ['reader', 'builder', 'folderBuilder', 'discoverer']) {
    await native('/users', 'POST', { id: user, password: `${user}-password` });
    auth[user as Principal] = basicAuth(user, await createApiToken(server.url, user, `${user}-password`, 'table'));
  }
  const revoked = await createApiToken(server.url, 'builder', 'builder-password', 'to-revoke');
  const tokens = (await (await server.fetch('/steward/api/v1/users/builder/tokens')).json()) as Array<{ uuid: string; name: string }>;
  const uuid = tokens.find((token) => token.name === 'to-revoke')?.uuid;
  expect((await server.fetch(`/steward/api/v1/users/builder/tokens/${uuid}`, { method: 'DELETE' })).status).toBe(204);
  auth.revoked = basicAuth('builder', revoked);
  const soon = new Date(Date.now() + 1000).toISOString();
  const expiring = await server.fetch('/steward/api/v1/users/builder/tokens', { method: 'POST', auth: auth.builder ?? null, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'short', expiresAt: soon }) });
  expect(expiring.status).toBe(201);
  auth.expired = basicAuth('builder', ((await expiring.json()) as { value: string }).value);
  await new Promise((resolve) => setTimeout(resolve, 1100));
});
afterAll(async () => {
  await server.stop();
});

let made = 0;
async function outcome(principal: Principal, endpoint: Endpoint): Promise<string> {
  const { path, init } = endpoint.request(made++);
  const response = await server.fetch(path, { ...init, auth: auth[principal] ?? null });
  await response.arrayBuffer();
  const reason = response.headers.get('x-steward-reason');
  return reason ? `${response.status} ${reason}` : String(response.status);
}

function table(name: string, rows: Record<string, Row>, setUp: () => Promise<void>): void {
  describe(name, () => {
    beforeAll(setUp);
    const cases = ENDPOINTS.flatMap((endpoint) => PRINCIPALS.map((principal, column) => ({ endpoint, principal, expected: (rows[endpoint.name] as Row)[column] as string })));
    it.each(cases)('$principal: $endpoint.name → $expected', async ({ endpoint, principal, expected }) => {
      expect(await outcome(principal, endpoint)).toBe(expected);
    });
  });
}

table('logged-in users can do anything (anonymous read off)', LOGGED_IN, async () => {
  await native('/security', 'PATCH', { authorization: 'loggedInUsersCanDoAnything', allowAnonymousRead: false });
});

table('logged-in users can do anything, with anonymous read', LOGGED_IN_ANONYMOUS_READ, async () => {
  await native('/security', 'PATCH', { authorization: 'loggedInUsersCanDoAnything', allowAnonymousRead: true });
});

table('matrix with a folder grant inherited by its job', MATRIX, async () => {
  await native('/security', 'PATCH', {
    authorization: 'matrix',
    grants: {
      'user:admin': ['Overall/Administer'],
      'user:reader': ['Overall/Read', 'Job/Read'],
      'user:builder': ['Overall/Read', 'Job/Read', 'Job/Build', 'Job/Cancel'],
      'user:folderBuilder': ['Overall/Read'],
      'user:discoverer': ['Overall/Read', 'Job/Discover'],
    },
  });
  await native('/security/grants?item=team', 'PUT', { grants: { 'user:folderBuilder': ['Job/Read', 'Job/Build'] } });
});

describe('the table', () => {
  it('has at least 150 cases', () => {
    expect(ENDPOINTS.length * PRINCIPALS.length * 3).toBeGreaterThanOrEqual(150);
  });
});
