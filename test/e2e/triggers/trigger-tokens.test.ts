import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { basicAuth, createApiToken, FOLDER_XML, jobXml, queueIdOf, startTestServer, type TestServer, waitFor, waitForBuild } from '../../support/server.js';

/** Trigger tokens: made, used (query, Bearer, X-Steward-Token), scoped, limited, expired, revoked, rotated. */
let server: TestServer;
const JSON_HEADERS = { 'content-type': 'application/json' };

async function makeToken(body: Record<string, unknown>, auth?: string): Promise<{ uuid: string; value: string; status: number; json: Record<string, unknown> }> {
  const response = await server.fetch('/steward/api/v1/trigger-tokens', { method: 'POST', headers: JSON_HEADERS, body: JSON.stringify(body), ...(auth ? { auth } : {}) });
  const json = (await response.json()) as Record<string, unknown>;
  return { uuid: json.uuid as string, value: json.value as string, status: response.status, json };
}

function bearer(value: string): Record<string, string> {
  return { authorization: `Bearer ${value}` };
}

async function causesOf(response: Response): Promise<Array<Record<string, unknown>>> {
  const item = (await (await server.fetch(`/queue/item/${queueIdOf(response)}/api/json`)).json()) as { actions: Array<{ causes?: Array<Record<string, unknown>> }> };
  return item.actions.find((action) => action.causes)?.causes ?? [];
}

beforeAll(async () => {
  server = await startTestServer({ config: 'security:\n  failedAuthentications: { attempts: 1000, window: 1min }\n' });
  await server.createJob('team', FOLDER_XML);
  await server.createJob('team/deploy', jobXml({ steps: ['echo deploying'] }));
  await server.createJob('team/inner', FOLDER_XML);
  await server.createJob('team/inner/nested', jobXml({ steps: ['echo nested'], extra: '<quietPeriod>3600</quietPeriod>' }));
  await server.createJob('other', jobXml({ steps: ['echo other'] }));
  await server.createJob('slow', jobXml({ steps: ['echo slow start', 'sleep 30'] }));
});
afterAll(async () => {
  await server.stop();
});

describe('making a trigger token', () => {
  it('shows the value once, with a prefix scanners know, and lists the token with its scope', async () => {
    const made = await makeToken({ name: 'deploy-bot', items: ['team/deploy'] });
    expect(made.status).toBe(201);
    expect(made.value).toMatch(/^stwt_[0-9A-Za-z]{32}_[0-9A-Za-z]{6}$/);
    expect(made.json).toMatchObject({ name: 'deploy-bot', items: ['team/deploy'], createdBy: 'admin', canCancel: false, allowedNetworks: [], useCount: 0 });
    const listed = await (await server.fetch('/steward/api/v1/trigger-tokens?item=team/deploy')).text();
    expect(listed).toContain('deploy-bot');
    expect(listed).not.toContain(made.value);
  });

  it('needs Job/Configure on every item of its scope', async () => {
    expect((await server.fetch('/steward/api/v1/users', { method: 'POST', headers: JSON_HEADERS, body: JSON.stringify({ id: 'dev', password: 'dev-password' }) })).status).toBe(201);
    const dev = basicAuth('dev', await createApiToken(server.url, 'dev', 'dev-password', 'own'));
    const policy = (body: unknown) => server.fetch('/steward/api/v1/security', { method: 'PATCH', headers: JSON_HEADERS, body: JSON.stringify(body) });
    await policy({ authorization: 'matrix', grants: { 'user:admin': ['Overall/Administer'], 'user:dev': ['Overall/Read', 'Job/Read'] } });
    await server.fetch('/steward/api/v1/security/grants?item=team', { method: 'PUT', headers: JSON_HEADERS, body: JSON.stringify({ grants: { 'user:dev': ['Job/Configure'] } }) });
    try {
      expect((await makeToken({ name: 'mine', items: ['team/deploy'] }, dev)).status).toBe(201);
      const refused = await makeToken({ name: 'not mine', items: ['team/deploy', 'other'] }, dev);
      expect(refused.status).toBe(403);
      expect(refused.json).toMatchObject({ error: 'permission_missing' });
    } finally {
      await policy({ authorization: 'loggedInUsersCanDoAnything' });
    }
  });

  it('refuses a malformed network, a past expiry and an empty scope', async () => {
    expect((await makeToken({ name: 'x', items: ['other'], allowedNetworks: ['10.0.0.0/33'] })).json).toMatchObject({ error: 'config_invalid', message: '"10.0.0.0/33" is not a network.' });
    expect((await makeToken({ name: 'x', items: ['other'], expiresAt: '2001-01-01T00:00:00Z' })).json).toMatchObject({ error: 'config_invalid' });
    expect((await makeToken({ name: 'x', items: [] })).status).toBe(400);
    expect((await makeToken({ name: 'x', items: ['nowhere'] })).status).toBe(404);
  });
});

describe('using a trigger token', () => {
  it('triggers through Build Token Root in the query, as Bearer, or as X-Steward-Token, naming itself in the cause', async () => {
    const { value, uuid } = await makeToken({ name: 'deploy-bot', items: ['team/deploy'] });
    const viaQuery = await server.fetch(`/buildByToken/build?job=team/deploy&token=${value}`, { auth: null });
    expect(viaQuery.status).toBe(201);
    const causes = await causesOf(viaQuery);
    expect(causes[0]).toEqual({
      _class: 'hudson.model.Cause$RemoteCause',
      shortDescription: "Started by trigger token 'deploy-bot' (created by admin) from 127.0.0.1",
      addr: '127.0.0.1',
      note: null,
      token: 'deploy-bot',
      tokenCreatedBy: 'admin',
    });
    expect([201, 303]).toContain((await server.fetch('/buildByToken/build?job=team/deploy', { auth: null, headers: bearer(value), method: 'POST' })).status);
    expect([201, 303]).toContain((await server.fetch('/job/team/job/deploy/build', { auth: null, headers: { 'X-Steward-Token': value }, method: 'POST' })).status);
    const tokens = (await (await server.fetch('/steward/api/v1/trigger-tokens')).json()) as Array<{ uuid: string; useCount: number; lastUsedAddress: string }>;
    expect(tokens.find((token) => token.uuid === uuid)).toMatchObject({ useCount: 3, lastUsedAddress: '127.0.0.1' });
    const audit = (await (await server.fetch('/steward/api/v1/audit?action=trigger&outcome=accepted&item=team/deploy&limit=3')).json()) as { events: Array<Record<string, unknown>> };
    expect(audit.events.map((event) => event.detail)).toEqual([
      { triggerToken: 'deploy-bot', tokenInQuery: false },
      { triggerToken: 'deploy-bot', tokenInQuery: false },
      { triggerToken: 'deploy-bot', tokenInQuery: true },
    ]);
    expect(JSON.stringify(audit)).not.toContain(value);
  });

  it('is accepted as token= on the job URL, where Jenkins reads the job token (read access still needed)', async () => {
    const { value } = await makeToken({ name: 'job-url', items: ['other'] });
    expect([201, 303]).toContain((await server.fetch(`/job/other/build?token=${value}`)).status);
    expect((await server.fetch(`/job/other/build?token=${value}`, { auth: null })).status).toBe(403);
  });

  it('covers a folder subtree, and nothing outside its scope', async () => {
    const { value } = await makeToken({ name: 'team-wide', items: ['team'] });
    expect((await server.fetch(`/buildByToken/build?job=team/inner/nested&token=${value}`, { auth: null })).status).toBe(201);
    const outside = await server.fetch(`/buildByToken/build?job=other&token=${value}`, { auth: null });
    expect(outside.status).toBe(403);
    expect(outside.headers.get('x-steward-reason')).toBe('token_scope');
    // The same token in a header is held to the same scope on every trigger URL.
    const next = async () => ((await (await server.fetch('/job/other/api/json?tree=nextBuildNumber')).json()) as { nextBuildNumber: number }).nextBuildNumber;
    const before = await next();
    for (const headers of [bearer(value), { 'X-Steward-Token': value }]) {
      for (const path of ['/buildByToken/build?job=other', '/buildByToken/polling?job=other']) {
        const refused = await server.fetch(path, { auth: null, headers, method: 'POST' });
        expect(refused.status, path).toBe(403);
        expect(refused.headers.get('x-steward-reason')).toBe('token_scope');
      }
    }
    expect(await next()).toBe(before);
    expect(((await (await server.fetch('/queue/api/json')).json()) as { items: Array<{ task: { name: string } }> }).items.filter((item) => item.task.name === 'other')).toEqual([]);
  });

  it('may be limited to source networks', async () => {
    const allowed = await makeToken({ name: 'loopback', items: ['team/deploy'], allowedNetworks: ['127.0.0.0/8'] });
    expect([201, 303]).toContain((await server.fetch(`/buildByToken/build?job=team/deploy&token=${allowed.value}`, { auth: null })).status);
    const denied = await makeToken({ name: 'office', items: ['team/deploy'], allowedNetworks: ['10.0.0.0/8', '2001:db8::/32'] });
    const refused = await server.fetch(`/buildByToken/build?job=team/deploy&token=${denied.value}`, { auth: null });
    expect(refused.status).toBe(403);
    expect(refused.headers.get('x-steward-reason')).toBe('token_network_denied');
    expect(refused.headers.get('x-error')).toBe('The trigger token "office" may not be used from 127.0.0.1.');
    const fromOther = await new Promise<number>((resolve, reject) => {
      const url = new URL(`/buildByToken/build?job=team/deploy&token=${allowed.value}`, server.url);
      const outgoing = request({ host: url.hostname, port: url.port, path: url.pathname + url.search, localAddress: '127.0.0.2' }, (response) => {
        response.resume();
        resolve(response.statusCode ?? 0);
      });
      outgoing.on('error', reject);
      outgoing.end();
    });
    expect([201, 303]).toContain(fromOther);
  });

  it('stops working when it expires or is revoked; two live tokens make a rotation without downtime', async () => {
    const old = await makeToken({ name: 'rotate-old', items: ['team/deploy'] });
    const fresh = await makeToken({ name: 'rotate-new', items: ['team/deploy'] });
    for (const token of [old, fresh]) expect([201, 303]).toContain((await server.fetch(`/buildByToken/build?job=team/deploy&token=${token.value}`, { auth: null })).status);
    expect((await server.fetch(`/steward/api/v1/trigger-tokens/${old.uuid}`, { method: 'DELETE' })).status).toBe(204);
    const revoked = await server.fetch(`/buildByToken/build?job=team/deploy&token=${old.value}`, { auth: null });
    expect(revoked.status).toBe(401);
    expect(revoked.headers.get('x-steward-reason')).toBe('token_revoked');
    expect([201, 303]).toContain((await server.fetch(`/buildByToken/build?job=team/deploy&token=${fresh.value}`, { auth: null })).status);

    const brief = await makeToken({ name: 'brief', items: ['team/deploy'], expiresAt: new Date(Date.now() + 700).toISOString() });
    expect([201, 303]).toContain((await server.fetch('/buildByToken/build?job=team/deploy', { auth: null, headers: bearer(brief.value) })).status);
    await new Promise((resolve) => setTimeout(resolve, 800));
    const expired = await server.fetch('/buildByToken/build?job=team/deploy', { auth: null, headers: bearer(brief.value) });
    expect(expired.status).toBe(401);
    expect(expired.headers.get('x-steward-reason')).toBe('token_expired');
  });

  it('refuses an unknown token of the right shape: as a credential 401, as token= on a trigger URL 403', async () => {
    const unknown = 'stwt_00000000000000000000000000000000_000000';
    const asCredential = await server.fetch('/api/json', { auth: null, headers: bearer(unknown) });
    expect(asCredential.status).toBe(401);
    expect(asCredential.headers.get('x-error')).toBe('Invalid trigger token.');
    // A Bearer value that is not a trigger token is ignored, as Jenkins ignores Bearer (a proxy may send its own).
    const foreign = await server.fetch('/api/json', { auth: null, headers: bearer('eyJhbGciOiJSUzI1NiJ9.e30.c2ln') });
    expect(foreign.status).toBe(403);
    expect(foreign.headers.get('x-steward-reason')).toBe('authentication_required');
    const asParameter = await server.fetch(`/buildByToken/build?job=team/deploy&token=${unknown}`, { auth: null });
    expect(asParameter.status).toBe(403);
    expect(asParameter.headers.get('x-steward-reason')).toBe('job_token_invalid');
  });
});

describe('what a trigger token may read', () => {
  it('reads the builds it started, their queue items and logs; nothing else', async () => {
    const { value } = await makeToken({ name: 'reader', items: ['other'] });
    const mine = await server.fetch('/buildByToken/build?job=other', { auth: null, headers: bearer(value) });
    const number = await waitFor(async () => ((await (await server.fetch(`/queue/item/${queueIdOf(mine)}/api/json`)).json()) as { executable?: { number: number } }).executable?.number);
    await waitForBuild(server, '/job/other', number);
    const as = (path: string, init: RequestInit = {}) => server.fetch(path, { ...init, auth: null, headers: bearer(value) });
    expect(((await (await as(`/queue/item/${queueIdOf(mine)}/api/json`)).json()) as { executable: { number: number } }).executable.number).toBe(number);
    expect(((await (await as(`/job/other/${number}/api/json`)).json()) as { result: string }).result).toBe('SUCCESS');
    expect(await (await as(`/job/other/${number}/consoleText`)).text()).toContain('other\nFinished: SUCCESS\n');

    const theirs = await server.fetch('/job/other/build', { method: 'POST' });
    const theirNumber = await waitFor(async () => ((await (await server.fetch(`/queue/item/${queueIdOf(theirs)}/api/json`)).json()) as { executable?: { number: number } }).executable?.number);
    expect((await as(`/job/other/${theirNumber}/api/json`)).status).toBe(404);
    expect((await as(`/queue/item/${queueIdOf(theirs)}/api/json`)).status).toBe(404);
    expect((await as('/job/team/job/deploy/1/api/json')).status).toBe(404);
    for (const path of ['/job/other/api/json', '/api/json', '/queue/api/json', '/crumbIssuer/api/json', '/steward/api/v1/users']) {
      const response = await as(path);
      expect(response.status, path).toBe(403);
      expect(response.headers.get('x-steward-reason'), path).toBe('token_scope');
    }
  });

  it('stops the builds it started only when made with canCancel', async () => {
    const plain = await makeToken({ name: 'no-cancel', items: ['slow'] });
    const cancelling = await makeToken({ name: 'can-cancel', items: ['slow'], canCancel: true });
    for (const token of [plain, cancelling]) {
      const started = await server.fetch('/buildByToken/build?job=slow', { auth: null, headers: bearer(token.value) });
      const number = await waitFor(async () => ((await (await server.fetch(`/queue/item/${queueIdOf(started)}/api/json`)).json()) as { executable?: { number: number } }).executable?.number, 20_000);
      const stop = await server.fetch(`/job/slow/${number}/stop`, { method: 'POST', auth: null, headers: bearer(token.value) });
      if (token === plain) {
        expect(stop.status).toBe(403);
        await server.fetch(`/job/slow/${number}/stop`, { method: 'POST' });
      } else {
        expect(stop.status).toBe(302);
      }
      expect((await waitForBuild(server, '/job/slow', number, 20_000)).result).toBe('ABORTED');
    }
  });
});
