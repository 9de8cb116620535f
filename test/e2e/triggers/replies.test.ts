import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { basicAuth, createApiToken, jobXml, queueIdOf, startTestServer, stringParameter, type TestServer, waitFor } from '../../support/server.js';

/** What a trigger answers: Jenkins' 201/303 + Location, the JSON body, waiting, and Idempotency-Key. */
let server: TestServer;
const JSON_ACCEPT = { accept: 'application/json' };

beforeAll(async () => {
  server = await startTestServer({ executors: 4 });
  await server.createJob('quick', jobXml({ steps: ['echo quick'], extra: '<authToken>quick-token</authToken><concurrentBuild>true</concurrentBuild>' }));
  await server.createJob('failing', jobXml({ steps: ['echo failing', 'exit 3'] }));
  await server.createJob('quiet', jobXml({ parameters: stringParameter('P', 'x'), extra: '<quietPeriod>3600</quietPeriod><authToken>quiet-token</authToken>' }));
  await server.createJob('counted', jobXml({ parameters: stringParameter('P', 'x'), steps: ['echo "counted $P"'], extra: '<concurrentBuild>true</concurrentBuild>' }));
});
afterAll(async () => {
  await server.stop();
});

describe('the JSON reply', () => {
  it('gives the queue item, the build once known, and whether the trigger was folded', async () => {
    const first = await server.fetch('/job/quiet/buildWithParameters?P=json', { method: 'POST', headers: JSON_ACCEPT });
    expect(first.status).toBe(201);
    const body = (await first.json()) as Record<string, unknown>;
    expect(body).toEqual({ queueId: queueIdOf(first), queueUrl: first.headers.get('location'), build: null, coalesced: false });
    const second = await server.fetch('/job/quiet/buildWithParameters?P=json', { method: 'POST', headers: JSON_ACCEPT });
    expect(second.status).toBe(303);
    expect(await second.json()).toMatchObject({ queueId: queueIdOf(first), coalesced: true });
  });
});

describe('wait=', () => {
  it('start: answers once the build has started, with its number and URL', async () => {
    const response = await server.fetch('/job/quick/build?wait=start', { method: 'POST', headers: JSON_ACCEPT });
    expect(response.status).toBe(201);
    const body = (await response.json()) as { build: { number: number; url: string }; wait: string };
    expect(body.wait).toMatch(/^(started|finished)$/);
    expect(body.build.url).toBe(`${server.url}job/quick/${body.build.number}/`);
    expect(response.headers.get('x-steward-build-number')).toBe(String(body.build.number));
  });

  it('finish: answers with the result and duration, in headers for curl and in JSON', async () => {
    const ok = await server.fetch('/buildByToken/build?job=quick&token=quick-token&wait=finish', { auth: null });
    expect(ok.status).toBe(201);
    expect(ok.headers.get('x-steward-wait')).toBe('finished');
    expect(ok.headers.get('x-steward-build-result')).toBe('SUCCESS');
    const failed = await server.fetch('/job/failing/build?wait=finish&timeout=30s', { method: 'POST', headers: JSON_ACCEPT });
    const body = (await failed.json()) as { build: { result: string; durationMs: number; building: boolean }; wait: string };
    expect(body).toMatchObject({ wait: 'finished', build: { result: 'FAILURE', building: false } });
    expect(body.build.durationMs).toBeGreaterThan(0);
  });

  it('gives up after timeout=, saying so', async () => {
    const started = Date.now();
    const response = await server.fetch('/job/quiet/buildWithParameters?P=timeout&wait=start&timeout=1', { method: 'POST', headers: JSON_ACCEPT });
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
    expect(await response.json()).toMatchObject({ build: null, wait: 'timeout' });
  });

  it('says when the item was cancelled while waiting', async () => {
    const waiting = server.fetch('/job/quiet/buildWithParameters?P=cancel-me&wait=finish&timeout=20', { method: 'POST', headers: JSON_ACCEPT });
    const id = await waitFor(async () => {
      const queue = (await (await server.fetch('/queue/api/json')).json()) as { items: Array<{ id: number; params: string }> };
      return queue.items.find((item) => item.params.includes('cancel-me'))?.id;
    });
    expect((await server.fetch(`/queue/cancelItem?id=${id}`, { method: 'POST' })).status).toBe(204);
    expect(await (await waiting).json()).toMatchObject({ queueId: id, wait: 'cancelled' });
  });

  it('refuses what it cannot wait for', async () => {
    const response = await server.fetch('/job/quick/build?wait=forever', { method: 'POST' });
    expect(response.status).toBe(400);
    expect(response.headers.get('x-steward-reason')).toBe('parameter_invalid');
    expect((await server.fetch('/job/quick/build?wait=finish&timeout=2h', { method: 'POST' })).status).toBe(400);
  });
});

describe('Idempotency-Key', () => {
  it('makes exactly one build of 50 concurrent requests with one key, all answered alike', async () => {
    const responses = await Promise.all(
      Array.from({ length: 50 }, () => server.fetch('/job/counted/buildWithParameters?P=once', { method: 'POST', headers: { 'Idempotency-Key': 'deploy-42' } })),
    );
    expect(new Set(responses.map((response) => response.status))).toEqual(new Set([201]));
    expect(new Set(responses.map((response) => response.headers.get('location'))).size).toBe(1);
    await waitFor(async () => {
      const job = (await (await server.fetch('/job/counted/api/json?tree=builds[number],inQueue')).json()) as { builds: unknown[]; inQueue: boolean };
      return job.builds.length === 1 && !job.inQueue ? true : undefined;
    });
    await new Promise((resolve) => setTimeout(resolve, 300));
    const job = (await (await server.fetch('/job/counted/api/json?tree=builds[number]')).json()) as { builds: unknown[] };
    expect(job.builds).toHaveLength(1);
  });

  it('answers a repeat later with the first answer, and a repeat with other parameters with 422', async () => {
    const first = await server.fetch('/job/counted/buildWithParameters?P=later', { method: 'POST', headers: { 'Idempotency-Key': 'k-later', ...JSON_ACCEPT } });
    const again = await server.fetch('/job/counted/buildWithParameters?P=later', { method: 'POST', headers: { 'Idempotency-Key': 'k-later', ...JSON_ACCEPT } });
    expect(again.status).toBe(first.status);
    expect(queueIdOf(again)).toBe(queueIdOf(first));
    const other = await server.fetch('/job/counted/buildWithParameters?P=different', { method: 'POST', headers: { 'Idempotency-Key': 'k-later' } });
    expect(other.status).toBe(422);
    expect(other.headers.get('x-steward-reason')).toBe('idempotency_key_reused');
    expect(other.headers.get('x-error')).toBe(`The Idempotency-Key "k-later" was first used for another trigger (queue item ${queueIdOf(first)}), with other parameters.`);
  });

  it('keeps keys of different credentials apart', async () => {
    expect((await server.fetch('/steward/api/v1/users', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ id: 'ci', password: 'ci-password' }) })).status).toBe(201);
    const ci = basicAuth('ci', await createApiToken(server.url, 'ci', 'ci-password', 'ci'));
    const mine = await server.fetch('/job/counted/buildWithParameters?P=mine', { method: 'POST', headers: { 'Idempotency-Key': 'shared' } });
    // The same key with other parameters would be a 422 from one credential; from another it is a new trigger.
    const theirs = await server.fetch('/job/counted/buildWithParameters?P=theirs', { method: 'POST', auth: ci, headers: { 'Idempotency-Key': 'shared' } });
    expect(mine.status).toBe(201);
    expect(theirs.status).toBe(201);
    expect(queueIdOf(theirs)).not.toBe(queueIdOf(mine));
  });
});
