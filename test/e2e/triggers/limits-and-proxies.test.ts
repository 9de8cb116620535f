import { request } from 'node:http';
import { afterAll, describe, expect, it } from 'vitest';
import { queueIdOf, startTestServer, type TestServer } from '../../support/server.js';

/** Coalescing policy, the queue cap, trigger rate limits, and which forwarding headers are believed. */
const servers: TestServer[] = [];
afterAll(async () => {
  await Promise.all(servers.map((server) => server.stop()));
});

async function serve(config: string): Promise<TestServer> {
  const server = await startTestServer({ config });
  servers.push(server);
  return server;
}

async function triggerToken(server: TestServer, items: string[], extra: Record<string, unknown> = {}): Promise<string> {
  const response = await server.fetch('/steward/api/v1/trigger-tokens', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'limited', items, ...extra }) });
  expect(response.status).toBe(201);
  return ((await response.json()) as { value: string }).value;
}

/** A GET from a chosen loopback address with chosen headers. */
function from(server: TestServer, localAddress: string, path: string, headers: Record<string, string> = {}): Promise<{ status: number; headers: Record<string, string | string[] | undefined> }> {
  return new Promise((resolve, reject) => {
    const url = new URL(path, server.url);
    const outgoing = request({ host: url.hostname, port: url.port, path: url.pathname + url.search, localAddress, headers }, (response) => {
      response.resume();
      response.on('end', () => resolve({ status: response.statusCode ?? 0, headers: response.headers }));
    });
    outgoing.on('error', reject);
    outgoing.end();
  });
}

describe('identical triggers', () => {
  it('fold into the waiting item by default, and queue builds of their own when the job says so', async () => {
    const server = await serve(`jobs:
  - name: folding
    quietPeriod: 1h
  - name: separate
    quietPeriod: 1h
    coalesce: false
`);
    const a = await server.fetch('/job/folding/build', { method: 'POST' });
    const b = await server.fetch('/job/folding/build', { method: 'POST' });
    expect(queueIdOf(b)).toBe(queueIdOf(a));
    const c = await server.fetch('/job/separate/build', { method: 'POST', headers: { accept: 'application/json' } });
    const d = await server.fetch('/job/separate/build', { method: 'POST', headers: { accept: 'application/json' } });
    expect(d.status).toBe(201);
    expect(queueIdOf(d)).not.toBe(queueIdOf(c));
    expect(await d.json()).toMatchObject({ coalesced: false });
    // A config.xml write keeps the setting, which Jenkins' format has no place for.
    const xml = await (await server.fetch('/job/separate/config.xml')).text();
    expect((await server.fetch('/job/separate/config.xml', { method: 'POST', headers: { 'content-type': 'application/xml' }, body: xml })).status).toBe(200);
    expect(queueIdOf(await server.fetch('/job/separate/build', { method: 'POST' }))).not.toBe(queueIdOf(d));
  });
});

describe('the queue cap', () => {
  it('answers 503 with the reason once a job has its most queued builds, and still folds identical ones', async () => {
    const server = await serve('settings:\n  maxQueuedPerJob: 2\njobs:\n  - name: capped\n    quietPeriod: 1h\n    parameters: [{ name: P }]\n');
    expect((await server.fetch('/job/capped/buildWithParameters?P=1', { method: 'POST' })).status).toBe(201);
    expect((await server.fetch('/job/capped/buildWithParameters?P=2', { method: 'POST' })).status).toBe(201);
    const full = await server.fetch('/job/capped/buildWithParameters?P=3', { method: 'POST' });
    expect(full.status).toBe(503);
    expect(full.headers.get('x-steward-reason')).toBe('queue_full');
    expect(full.headers.get('x-error')).toBe('The queue already holds 2 builds of this job, its limit.');
    expect((await server.fetch('/job/capped/buildWithParameters?P=1', { method: 'POST' })).status).toBe(303);
  });
});

describe('trigger rate limits', () => {
  it('limit each trigger token, and each address when configured, with 429 and Retry-After', async () => {
    const server = await serve('security:\n  triggerLimits:\n    perToken: { triggers: 3, window: 2s }\n    perAddress: { triggers: 6, window: 2s }\njobs:\n  - name: limited\n    quietPeriod: 1h\n    authToken: job-token\n');
    const first = await triggerToken(server, ['limited']);
    const second = await triggerToken(server, ['limited']);
    for (let i = 0; i < 3; i++) expect((await server.fetch(`/buildByToken/build?job=limited&token=${first}`, { auth: null })).status).toBeLessThan(400);
    const limited = await server.fetch(`/buildByToken/build?job=limited&token=${first}`, { auth: null });
    expect(limited.status).toBe(429);
    expect(limited.headers.get('x-steward-reason')).toBe('too_many_triggers');
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    // Another token is not limited by the first one's count, but the address is, after 6 triggers.
    for (let i = 0; i < 3; i++) expect((await server.fetch(`/buildByToken/build?job=limited&token=${second}`, { auth: null })).status).toBeLessThan(400);
    const byAddress = await server.fetch('/buildByToken/build?job=limited&token=job-token', { auth: null });
    expect(byAddress.status).toBe(429);
    expect(byAddress.headers.get('x-error')).toMatch(/^Too many triggers from 127\.0\.0\.1: 6 in the last 2 s\.$/);
    expect((await from(server, '127.0.0.2', '/buildByToken/build?job=limited&token=job-token')).status).toBeLessThan(400);
  });
});

describe('forwarded headers', () => {
  it('are believed from a trusted proxy only, taking the nearest address that is not a trusted proxy', async () => {
    const server = await serve('settings:\n  trustedProxies: [127.0.0.1]\njobs:\n  - name: seen\n    quietPeriod: 1h\n    authToken: seen-token\n    parameters: [{ name: N }]\n');
    const addressOf = async (localAddress: string, headers: Record<string, string>, n: string) => {
      const response = await from(server, localAddress, `/buildByToken/buildWithParameters?job=seen&token=seen-token&N=${n}`, headers);
      expect(response.status).toBe(201);
      const id = /\/queue\/item\/(\d+)\/$/.exec(String(response.headers.location))?.[1];
      const item = (await (await server.fetch(`/queue/item/${id}/api/json`)).json()) as { actions: Array<{ causes?: Array<{ addr: string }> }> };
      return item.actions.find((action) => action.causes)?.causes?.[0]?.addr;
    };
    expect(await addressOf('127.0.0.1', { 'x-forwarded-for': '203.0.113.7' }, '1')).toBe('203.0.113.7');
    expect(await addressOf('127.0.0.1', { 'x-forwarded-for': '10.6.6.6, 203.0.113.8, 127.0.0.1' }, '2')).toBe('203.0.113.8');
    expect(await addressOf('127.0.0.1', { forwarded: 'for="[2001:db8::1]:4711";proto=https' }, '3')).toBe('2001:db8::1');
    expect(await addressOf('127.0.0.2', { 'x-forwarded-for': '203.0.113.9' }, '4')).toBe('127.0.0.2');
  });

  it('decide the Secure cookie by the proxy\'s proto, and the network of a token', async () => {
    const server = await serve('settings:\n  trustedProxies: [127.0.0.1]\njobs:\n  - name: guarded\n    quietPeriod: 1h\n');
    const login = await from(server, '127.0.0.1', '/login', { 'x-forwarded-proto': 'https' });
    expect(String(login.headers['set-cookie'])).toMatch(/; Secure/);
    const plain = await from(server, '127.0.0.2', '/login', { 'x-forwarded-proto': 'https' });
    expect(String(plain.headers['set-cookie'])).not.toMatch(/; Secure/);
    const token = await triggerToken(server, ['guarded'], { allowedNetworks: ['198.51.100.0/24'] });
    expect((await from(server, '127.0.0.1', `/buildByToken/build?job=guarded&token=${token}`, { 'x-forwarded-for': '198.51.100.20' })).status).toBe(201);
    expect((await from(server, '127.0.0.2', `/buildByToken/build?job=guarded&token=${token}`, { 'x-forwarded-for': '198.51.100.20' })).status).toBe(403);
  });
});
