import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jobXml, queueIdOf, startTestServer, stringParameter, type TestServer, waitFor, waitForBuild } from '../support/server.js';

/**
 * One test per deliberate difference from Jenkins that this engine already implements
 * (docs/jenkins-compat.md, "Deliberate differences"; DESIGN §5). The numbers are DESIGN's.
 */
let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
  await server.createJob('p', jobXml({ parameters: stringParameter('X', 'default'), steps: ['echo "X=$X"'] }));
  await server.createJob('plain', jobXml({ steps: ['true'] }));
});
afterAll(async () => {
  await server.stop();
});

async function buildOf(queueId: number): Promise<number> {
  return waitFor(async () => ((await (await server.fetch(`/queue/item/${queueId}/api/json`)).json()) as { executable?: { number: number } }).executable?.number);
}

describe('deliberate differences from Jenkins', () => {
  it('§5.1: a crumb fetched without a session is bound to the user, so it stays the same across requests', async () => {
    const crumb = async () => ((await (await server.fetch('/crumbIssuer/api/json')).json()) as { crumb: string }).crumb;
    expect(await crumb()).toBe(await crumb());
  });

  it('§5.2: /build and /buildWithParameters accept a raw JSON body and a json field', async () => {
    const raw = await server.fetch('/job/p/build', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ parameter: [{ name: 'X', value: 'raw' }] }) });
    expect(raw.status).toBe(201);
    const field = await server.fetch('/job/p/buildWithParameters', { method: 'POST', body: new URLSearchParams({ json: JSON.stringify({ parameter: [{ name: 'X', value: 'field' }] }) }) });
    expect(field.status).toBe(201);
    const number = await buildOf(queueIdOf(field));
    await waitForBuild(server, '/job/p', number);
    expect(await (await server.fetch(`/job/p/${number}/consoleText`)).text()).toContain('\nX=field\n');
  });

  it('§5.3: a queue item stays resolvable for as long as its build exists, not five minutes', async () => {
    const id = queueIdOf(await server.fetch('/job/plain/build', { method: 'POST' }));
    const number = await buildOf(id);
    await waitForBuild(server, '/job/plain', number);
    // The store keeps the item with its build; only deleting the build removes it.
    expect((await server.fetch(`/queue/item/${id}/api/json`)).status).toBe(200);
    await server.fetch(`/job/plain/${number}/doDelete`, { method: 'POST' });
    expect((await server.fetch(`/queue/item/${id}/api/json`)).status).toBe(404);
  });

  it('§5.4: with Accept: application/json a trigger also answers {queueId, queueUrl, build, coalesced}', async () => {
    const response = await server.fetch('/job/p/buildWithParameters?X=json&delay=1h', { method: 'POST', headers: { accept: 'application/json' } });
    expect(response.status).toBe(201);
    expect(await response.json()).toEqual({ queueId: queueIdOf(response), queueUrl: response.headers.get('location'), build: null, coalesced: false });
    await server.fetch(`/queue/cancelItem?id=${queueIdOf(response)}`, { method: 'POST' });
  });

  it('§5.5: delay takes 500ms, 2min and 1h besides 10sec and milliseconds; a malformed one is a 400 naming the forms', async () => {
    const response = await server.fetch('/job/p/buildWithParameters?X=d&delay=2min', { method: 'POST' });
    expect(response.status).toBe(201);
    const item = (await (await server.fetch(`/queue/item/${queueIdOf(response)}/api/json`)).json()) as { timestamp: number; inQueueSince: number };
    expect(item.timestamp - item.inQueueSince).toBe(120_000);
    await server.fetch(`/queue/cancelItem?id=${queueIdOf(response)}`, { method: 'POST' });
    const bad = await server.fetch('/job/p/buildWithParameters?delay=3minutes-ish', { method: 'POST' });
    expect(bad.status).toBe(400);
    expect(await bad.text()).toContain('500ms, 10sec, 10s, 2min, 1h or 1d');
  });

  it('§5.6: /queue/item/N/cancelQueue answers 302, /queue/cancelItem?id=N answers 204', async () => {
    const first = queueIdOf(await server.fetch('/job/p/buildWithParameters?X=c1&delay=1h', { method: 'POST' }));
    const second = queueIdOf(await server.fetch('/job/p/buildWithParameters?X=c2&delay=1h', { method: 'POST' }));
    expect((await server.fetch(`/queue/item/${first}/cancelQueue`, { method: 'POST' })).status).toBe(302);
    expect((await server.fetch(`/queue/cancelItem?id=${second}`, { method: 'POST' })).status).toBe(204);
  });

  it('§5.7: a Location comes from the request Host and never carries user info from a Referer', async () => {
    const number = await buildOf(queueIdOf(await server.fetch('/job/plain/build', { method: 'POST' })));
    const response = await server.fetch(`/job/plain/${number}/stop`, { method: 'POST', headers: { referer: 'http://admin:admin-secret-pw@evil.example/' } });
    expect(response.status).toBe(302);
    expect(response.headers.get('location')).toBe(`${server.url}job/plain/${number}/`);
  });

  it('§5.9: the default quiet period is 0, so a trigger starts its build at once', async () => {
    const before = Date.now();
    const id = queueIdOf(await server.fetch('/job/plain/build', { method: 'POST' }));
    await buildOf(id);
    expect(Date.now() - before).toBeLessThan(1000);
  });

  it('A3: a copied job can be built at once', async () => {
    expect((await server.fetch('/createItem?name=plain-copy&mode=copy&from=plain', { method: 'POST' })).status).toBe(302);
    expect((await server.fetch('/job/plain-copy/build', { method: 'POST' })).status).toBe(201);
  });

  it('A1: bad input Jenkins answers with 500 gets a 400 that says what is wrong', async () => {
    for (const [path, reason] of [
      ['/job/p/build?delay=abc', 'delay_invalid'],
      ['/api/json?tree=jobs[', 'tree_invalid'],
      ['/api/json?depth=x', 'depth_invalid'],
      ['/job/p/buildWithParameters?X=a&X=b', 'parameter_invalid'],
    ] as const) {
      const response = await server.fetch(path, { method: path.includes('build') ? 'POST' : 'GET' });
      expect(response.status, path).toBe(400);
      expect(response.headers.get('x-steward-reason')).toBe(reason);
    }
  });
});
