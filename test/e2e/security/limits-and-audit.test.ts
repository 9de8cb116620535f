import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { basicAuth, jobXml, queueIdOf, startTestServer, type TestServer, waitFor } from '../../support/server.js';

/** Failed authentications slow down guessing per address; everything security-relevant is audited. */
let server: TestServer;

beforeAll(async () => {
  server = await startTestServer({ config: 'security:\n  failedAuthentications: { attempts: 3, window: 2s }\n' });
  await server.createJob('demo', jobXml({ extra: '<authToken>demo-job-token</authToken><quietPeriod>3600</quietPeriod>' }));
});
afterAll(async () => {
  await server.stop();
});

/** A GET from a chosen loopback address, so that the server sees another client. */
function getFrom(localAddress: string, path: string, authorization: string): Promise<{ status: number; headers: Record<string, string | string[] | undefined> }> {
  return new Promise((resolve, reject) => {
    const url = new URL(path, server.url);
    const outgoing = request({ host: url.hostname, port: url.port, path: url.pathname, localAddress, headers: { authorization } }, (response) => {
      response.resume();
      response.on('end', () => resolve({ status: response.statusCode ?? 0, headers: response.headers }));
    });
    outgoing.on('error', reject);
    outgoing.end();
  });
}

type AuditEvent = { id: number; action: string; outcome: string; reason: string | null; actor: string; credential: string; address: string | null; item: string | null; queueId: number | null; detail: Record<string, unknown> };

async function audit(query = ''): Promise<{ events: AuditEvent[]; next: string | null }> {
  const response = await server.fetch(`/steward/api/v1/audit${query}`);
  expect(response.status).toBe(200);
  return (await response.json()) as { events: AuditEvent[]; next: string | null };
}

describe('failed authentications', () => {
  it('lock out only the address they came from, until the window passes', async () => {
    const good = basicAuth('admin', server.adminToken);
    const bad = basicAuth('mallory', 'guess-guess');
    for (let i = 0; i < 3; i++) expect((await getFrom('127.0.0.1', '/api/json', bad)).status).toBe(401);
    const locked = await getFrom('127.0.0.1', '/api/json', good);
    expect(locked.status).toBe(429);
    expect(locked.headers['x-steward-reason']).toBe('too_many_failures');
    expect(Number(locked.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect(Number(locked.headers['retry-after'])).toBeLessThanOrEqual(2);
    expect((await getFrom('127.0.0.2', '/api/json', good)).status).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, Number(locked.headers['retry-after']) * 1000 + 100));
    expect((await getFrom('127.0.0.1', '/api/json', good)).status).toBe(200);
  });

  it('count wrong job tokens too', async () => {
    for (let i = 0; i < 3; i++) expect((await server.fetch('/job/demo/build?token=wrong', { method: 'POST' })).status).toBe(403);
    const locked = await server.fetch('/job/demo/build?token=demo-job-token', { method: 'POST' });
    expect(locked.status).toBe(429);
    await new Promise((resolve) => setTimeout(resolve, Number(locked.headers.get('retry-after')) * 1000 + 100));
  });
});

describe('the audit log', () => {
  it('records failed authentications with the name they claimed, never the secret', async () => {
    const { events } = await audit('?action=authenticate&outcome=refused');
    expect(events.filter((event) => event.actor === 'mallory' && event.reason === 'credentials_invalid')).toHaveLength(3);
    expect(events).toContainEqual(expect.objectContaining({ reason: 'too_many_failures', address: '127.0.0.1' }));
    expect(JSON.stringify(events)).not.toContain('guess-guess');
  });

  it('records accepted triggers with who, how, from where and the queue item', async () => {
    const response = await server.fetch('/job/demo/build', { method: 'POST' });
    expect(response.status).toBe(201);
    const { events } = await audit('?action=trigger&outcome=accepted&item=demo&limit=1');
    expect(events[0]).toMatchObject({ actor: 'admin', credential: 'api_token', address: '127.0.0.1', item: 'demo', queueId: queueIdOf(response), detail: { apiToken: 'tests' } });
    const byToken = await server.fetch('/job/demo/build?token=demo-job-token', { method: 'POST' });
    expect(byToken.status).toBe(201);
    const latest = (await audit('?action=trigger&limit=1')).events[0];
    expect(latest).toMatchObject({ credential: 'job_token', detail: { jobToken: true, tokenInQuery: true } });
    expect(JSON.stringify(latest)).not.toContain('demo-job-token');
  });

  it('records refused triggers with the reason, for jobs that exist or not', async () => {
    await server.fetch('/job/demo/build?token=wrong', { method: 'POST' });
    await server.fetch('/job/ghost/build', { method: 'POST' });
    await server.fetch('/job/demo/build', { method: 'POST', auth: null });
    // Refusals are audited without holding up the answer, so they may land a moment later.
    const { events } = await waitFor(async () => {
      const page = await audit('?action=trigger&outcome=refused');
      return page.events[0]?.actor === 'anonymous' ? page : undefined;
    });
    expect(events.slice(0, 3).map((event) => [event.item, event.reason, event.actor])).toEqual([
      ['demo', 'authentication_required', 'anonymous'],
      ['ghost', 'item_not_found', 'admin'],
      ['demo', 'job_token_invalid', 'admin'],
    ]);
    const byReason = await audit('?reason=item_not_found&action=trigger');
    expect(byReason.events.map((event) => event.item)).toEqual(['ghost']);
  });

  it('records token, user and policy changes', async () => {
    const json = { 'content-type': 'application/json' };
    expect((await server.fetch('/steward/api/v1/users', { method: 'POST', headers: json, body: JSON.stringify({ id: 'frank', password: 'frank-password' }) })).status).toBe(201);
    expect((await server.fetch('/steward/api/v1/users/admin/tokens', { method: 'POST', headers: json, body: JSON.stringify({ name: 'audited' }) })).status).toBe(201);
    expect((await server.fetch('/steward/api/v1/security', { method: 'PATCH', headers: json, body: JSON.stringify({ allowAnonymousRead: false }) })).status).toBe(200);
    expect((await server.fetch('/steward/api/v1/users/frank', { method: 'DELETE' })).status).toBe(204);
    const actions = (await audit('?actor=admin&outcome=accepted')).events.map((event) => event.action);
    expect(actions.slice(0, 4)).toEqual(['user.delete', 'security.update', 'api_token.create', 'user.create']);
    const created = (await audit('?action=api_token.create&limit=1')).events[0];
    expect(created?.detail).toMatchObject({ owner: 'admin', tokenName: 'audited' });
  });

  it('pages back with next, and filters by time', async () => {
    const first = await audit('?limit=2');
    expect(first.events).toHaveLength(2);
    expect(first.next).toMatch(/^\/steward\/api\/v1\/audit\?limit=2&before=\d+$/);
    const second = await audit((first.next as string).replace('/steward/api/v1/audit', ''));
    const ids = [...first.events, ...second.events].map((event) => event.id);
    expect(ids).toEqual([...ids].sort((a, b) => b - a));
    expect(new Set(ids).size).toBe(4);
    expect((await audit(`?since=${encodeURIComponent(new Date(Date.now() + 60_000).toISOString())}`)).events).toEqual([]);
    const bad = await server.fetch('/steward/api/v1/audit?since=yesterday');
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ error: 'parameter_invalid' });
  });
});
