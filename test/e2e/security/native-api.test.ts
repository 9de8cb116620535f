import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { basicAuth, createApiToken, FOLDER_XML, jobXml, startTestServer, type TestServer } from '../../support/server.js';

/** Steward's native API for users, groups, passwords and the access policy. */
let server: TestServer;
const JSON_HEADERS = { 'content-type': 'application/json' };

function api(path: string, init: RequestInit & { auth?: string | null } = {}): Promise<Response> {
  return server.fetch(`/steward/api/v1${path}`, { ...init, headers: { ...JSON_HEADERS, ...(init.headers as Record<string, string>) } });
}

async function refusal(response: Response, status: number, error: string): Promise<Record<string, unknown>> {
  expect(response.status).toBe(status);
  expect(response.headers.get('content-type')).toBe('application/json;charset=UTF-8');
  const body = (await response.json()) as Record<string, unknown>;
  expect(body).toMatchObject({ error });
  expect(typeof body.message).toBe('string');
  return body;
}

beforeAll(async () => {
  server = await startTestServer();
  await server.createJob('team', FOLDER_XML);
  await server.createJob('team/app', jobXml({ extra: '<quietPeriod>3600</quietPeriod>' }));
});
afterAll(async () => {
  await server.stop();
});

describe('users', () => {
  it('are created, read, listed and changed by administrators', async () => {
    const created = await api('/users', { method: 'POST', body: JSON.stringify({ id: 'gina', fullName: 'Gina G', password: 'gina-password', groups: ['devs'] }) });
    expect(created.status).toBe(201);
    expect(created.headers.get('location')).toBe('/steward/api/v1/users/gina');
    expect(await created.json()).toMatchObject({ id: 'gina', fullName: 'Gina G', groups: ['devs'] });
    expect(((await (await api('/users')).json()) as Array<{ id: string }>).map((user) => user.id)).toEqual(['admin', 'gina']);
    const patched = await api('/users/GINA', { method: 'PATCH', body: JSON.stringify({ groups: ['devs', 'ops'] }) });
    expect(await patched.json()).toMatchObject({ id: 'gina', groups: ['devs', 'ops'] });
  });

  it('are refused with reasons: missing field, short password, taken id, bad id, unknown user', async () => {
    const missing = await refusal(await api('/users', { method: 'POST', body: JSON.stringify({ id: 'x' }) }), 400, 'body_invalid');
    expect(missing.message).toMatch(/^password: /);
    await refusal(await api('/users', { method: 'POST', body: JSON.stringify({ id: 'hal', password: 'short' }) }), 400, 'password_rejected');
    await refusal(await api('/users', { method: 'POST', body: JSON.stringify({ id: 'Gina', password: 'long-enough' }) }), 400, 'user_exists');
    await refusal(await api('/users', { method: 'POST', body: JSON.stringify({ id: 'a b', password: 'long-enough' }) }), 400, 'config_invalid');
    await refusal(await api('/users', { method: 'POST', body: JSON.stringify({ id: 'anonymous', password: 'long-enough' }) }), 400, 'config_invalid');
    await refusal(await api('/users', { method: 'POST', body: 'not json' }), 400, 'body_invalid');
    await refusal(await api('/users', { method: 'POST', headers: { 'content-type': 'text/plain' }, body: '{}' }), 415, 'media_type_unsupported');
    await refusal(await api('/users/nobody'), 404, 'user_not_found');
    await refusal(await api('/nothing/here'), 404, 'not_found');
  });

  it('refuse anonymous callers, in JSON', async () => {
    await refusal(await api('/users', { auth: null }), 403, 'authentication_required');
    const who = (await (await api('/whoami', { auth: null })).json()) as Record<string, unknown>;
    expect(who).toEqual({ id: null, fullName: null, anonymous: true, authorities: ['anonymous'], credential: 'none', apiToken: null, triggerToken: null, permissions: [] });
  });

  it('change their own password with the current one; administrators set anyone’s', async () => {
    const gina = basicAuth('gina', await createApiToken(server.url, 'gina', 'gina-password', 'own'));
    await refusal(await api('/users/gina/password', { method: 'PUT', auth: gina, body: JSON.stringify({ password: 'gina-new-password', currentPassword: 'wrong' }) }), 403, 'password_wrong');
    expect((await api('/users/gina/password', { method: 'PUT', auth: gina, body: JSON.stringify({ password: 'gina-new-password', currentPassword: 'gina-password' }) })).status).toBe(204);
    expect((await server.fetch('/api/json', { auth: basicAuth('gina', 'gina-password') })).status).toBe(401);
    expect((await server.fetch('/api/json', { auth: basicAuth('gina', 'gina-new-password') })).status).toBe(200);
    expect((await server.fetch('/api/json', { auth: gina })).status).toBe(200);
    expect((await api('/users/gina/password', { method: 'PUT', body: JSON.stringify({ password: 'gina-password' }) })).status).toBe(204);
    expect((await server.fetch('/api/json', { auth: basicAuth('gina', 'gina-password') })).status).toBe(200);
  });

  it('are deleted with their tokens, but never by themselves', async () => {
    expect((await api('/users', { method: 'POST', body: JSON.stringify({ id: 'ivan', password: 'ivan-password' }) })).status).toBe(201);
    const ivan = basicAuth('ivan', await createApiToken(server.url, 'ivan', 'ivan-password', 'soon-gone'));
    await refusal(await api('/users/admin', { method: 'DELETE' }), 409, 'user_delete_self');
    expect((await api('/users/ivan', { method: 'DELETE' })).status).toBe(204);
    expect((await server.fetch('/api/json', { auth: ivan })).status).toBe(401);
    await refusal(await api('/users/ivan', { method: 'DELETE' }), 404, 'user_not_found');
  });
});

describe('the access policy', () => {
  it('refuses a matrix that nobody could administer', async () => {
    const body = await refusal(await api('/security', { method: 'PATCH', body: JSON.stringify({ authorization: 'matrix', grants: { authenticated: ['Overall/Read'] } }) }), 400, 'grant_invalid');
    expect(body.message).toBe('This would leave nobody able to administer Steward: no existing user holds Overall/Administer server-wide, by name or through a group.');
    expect(((await (await api('/security')).json()) as { authorization: string }).authorization).toBe('loggedInUsersCanDoAnything');
  });

  it('refuses unknown principals and permissions, and server-wide permissions on items', async () => {
    await refusal(await api('/security', { method: 'PATCH', body: JSON.stringify({ grants: { 'role:x': ['Job/Read'] } }) }), 400, 'grant_invalid');
    await refusal(await api('/security', { method: 'PATCH', body: JSON.stringify({ grants: { authenticated: ['Job/Fly'] } }) }), 400, 'grant_invalid');
    const onItem = await refusal(await api('/security/grants?item=team', { method: 'PUT', body: JSON.stringify({ grants: { 'user:gina': ['Overall/Read'] } }) }), 400, 'grant_invalid');
    expect(onItem.message).toContain('Overall/Read holds for the whole server');
    await refusal(await api('/security/grants?item=nowhere', { method: 'PUT', body: JSON.stringify({ grants: {} }) }), 404, 'item_not_found');
  });

  it('grants to groups, on folders, inherited below, and shows what is inherited', async () => {
    const set = await api('/security', {
      method: 'PATCH',
      body: JSON.stringify({ authorization: 'matrix', grants: { 'user:admin': ['Overall/Administer'], authenticated: ['Overall/Read'], 'group:ops': ['Job/Read'] } }),
    });
    expect(await set.json()).toEqual({ authorization: 'matrix', allowAnonymousRead: false, crumbs: true, grants: { 'user:admin': ['Overall/Administer'], authenticated: ['Overall/Read'], 'group:ops': ['Job/Read'] } });
    expect((await api('/security/grants?item=team', { method: 'PUT', body: JSON.stringify({ grants: { 'group:devs': ['Job/Build', 'Item/Cancel'] } }) })).status).toBe(200);
    expect(await (await api('/security/grants?item=team/app')).json()).toEqual({ item: 'team/app', grants: {}, inherited: [{ item: 'team', grants: { 'group:devs': ['Job/Build', 'Job/Cancel'] } }] });

    const gina = basicAuth('gina', await createApiToken(server.url, 'gina', 'gina-password', 'groups'));
    expect((await server.fetch('/job/team/job/app/build', { method: 'POST', auth: gina })).status).toBe(201);
    const who = (await (await server.fetch('/whoAmI/api/json', { auth: gina })).json()) as { authorities: string[] };
    expect(who.authorities).toEqual(['authenticated', 'devs', 'ops']);
    const native = (await (await api('/whoami', { auth: gina })).json()) as { permissions: string[] };
    expect(native.permissions).toEqual(['Overall/Read', 'Job/Read', 'Job/Discover']);

    const denied = await server.fetch('/job/team/job/app/config.xml', { auth: gina });
    expect(denied.status).toBe(403);
    expect(denied.headers.get('x-required-permission')).toBe('hudson.model.Item.Configure');
    expect(denied.headers.getSetCookie()).toEqual([]);
    const page = await denied.text();
    expect(page).toContain('<h1>Access Denied</h1>\n<p>gina is missing the Job/Configure permission on team/app.</p>');
    expect(page).toContain('Ask an administrator to grant Job/Configure on team/app (or a folder above it) to user:gina or one of their groups');
    expect(page).toContain("Permission you need to have (but didn't): hudson.model.Item.Configure\n ... which is implied by: hudson.security.Permission.GenericConfigure");
    expect(page).not.toContain('http-equiv');

    await refusal(await api('/security', { auth: gina }), 403, 'permission_missing');
    await refusal(await api('/users/gina', { method: 'PATCH', auth: gina, body: JSON.stringify({ groups: ['admins'] }) }), 403, 'permission_missing');
    expect((await api('/users/gina', { method: 'PATCH', auth: gina, body: JSON.stringify({ fullName: 'Gina Renamed' }) })).status).toBe(200);
    expect((await api('/security', { method: 'PATCH', body: JSON.stringify({ authorization: 'loggedInUsersCanDoAnything' }) })).status).toBe(200);
  });

  it('lists the permissions that can be granted', async () => {
    const permissions = (await (await api('/security/permissions')).json()) as Array<{ id: string; title: string; impliedBy: string[] }>;
    expect(permissions).toContainEqual({ id: 'hudson.model.Item.Build', title: 'Job/Build', impliedBy: ['hudson.security.Permission.GenericUpdate', 'hudson.security.Permission.GenericWrite', 'hudson.model.Hudson.Administer'] });
    expect(permissions.some((permission) => permission.title.startsWith('Generic/'))).toBe(false);
  });
});

describe('the OpenAPI description', () => {
  it('describes every route of the native API', async () => {
    const document = (await (await api('/openapi.json', { auth: null })).json()) as { openapi: string; paths: Record<string, Record<string, unknown>> };
    expect(document.openapi).toBe('3.1.0');
    expect(Object.keys(document.paths).sort()).toEqual([
      '/audit',
      '/credentials',
      '/credentials/{id}',
      '/nodes',
      '/nodes/{name}',
      '/nodes/{name}/secret',
      '/nodes/{name}/secret/rotate',
      '/security',
      '/security/grants',
      '/security/permissions',
      '/trigger-tokens',
      '/trigger-tokens/{uuid}',
      '/users',
      '/users/{id}',
      '/users/{id}/password',
      '/users/{id}/tokens',
      '/users/{id}/tokens/{uuid}',
      '/webhooks',
      '/webhooks/{name}',
      '/whoami',
    ]);
    expect(Object.keys(document.paths['/users/{id}/tokens'] ?? {})).toEqual(['get', 'post']);
    expect(Object.keys(document.paths['/nodes/{name}'] ?? {})).toEqual(['get', 'patch', 'delete']);
  });
});
