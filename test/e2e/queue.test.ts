import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jobXml, queueIdOf, startTestServer, stringParameter, type TestServer, waitFor, waitForBuild } from '../support/server.js';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ executors: 1 });
  await server.createJob('q', jobXml({ parameters: stringParameter('P'), steps: ['sleep 0.3'] }));
  await server.createJob('other', jobXml({ steps: ['true'] }));
});
afterAll(async () => {
  await server.stop();
});

const item = async (id: number) => (await (await server.fetch(`/queue/item/${id}/api/json`)).json()) as Record<string, unknown>;

describe('queue items', () => {
  it('progress from waiting to LeftItem with the executable build, and stay readable afterwards', async () => {
    const id = queueIdOf(await server.fetch('/job/q/buildWithParameters?P=a&delay=300ms', { method: 'POST' }));
    const waiting = await item(id);
    expect(waiting).toMatchObject({
      _class: 'hudson.model.Queue$WaitingItem',
      blocked: false,
      buildable: false,
      id,
      params: '\nP=a',
      stuck: false,
      task: { _class: 'hudson.model.FreeStyleProject', name: 'q', url: `${server.url}job/q/`, color: 'notbuilt' },
      url: `queue/item/${id}/`,
    });
    expect(waiting).not.toHaveProperty('executable');
    expect(waiting.actions).toEqual([
      { _class: 'hudson.model.ParametersAction', parameters: [{ _class: 'hudson.model.StringParameterValue', name: 'P', value: 'a' }] },
      { _class: 'hudson.model.CauseAction', causes: [{ _class: 'hudson.model.Cause$UserIdCause', shortDescription: 'Started by user admin', userId: 'admin', userName: 'admin' }] },
    ]);
    const left = await waitFor(async () => {
      const current = await item(id);
      return current._class === 'hudson.model.Queue$LeftItem' ? current : undefined;
    });
    expect(left).toMatchObject({ cancelled: false, why: null, executable: { _class: 'hudson.model.FreeStyleBuild', number: 1, url: `${server.url}job/q/1/` } });
    const build = await waitForBuild(server, '/job/q', 1);
    expect(build.queueId).toBe(id);
    expect((await server.fetch(`/queue/item/${id}/api/json?tree=cancelled,executable[url]`)).status).toBe(200);
    const text = await server.fetch(`/queue/item/${id}/`);
    expect(text.headers.get('content-type')).toBe('text/plain;charset=UTF-8');
    expect(await text.text()).toContain('Queue item exists.');
  });

  it('says why an item waits: blocked by a running build, then waiting for the executor', async () => {
    const first = queueIdOf(await server.fetch('/job/q/buildWithParameters?P=b', { method: 'POST' }));
    const second = queueIdOf(await server.fetch('/job/q/buildWithParameters?P=c', { method: 'POST' }));
    const other = queueIdOf(await server.fetch('/job/other/build', { method: 'POST' }));
    await waitFor(async () => ((await item(first))._class === 'hudson.model.Queue$LeftItem' ? true : undefined));
    const blocked = await item(second);
    expect(blocked).toMatchObject({ _class: 'hudson.model.Queue$BlockedItem', blocked: true, buildable: false });
    expect(blocked.why).toMatch(/^Build #\d+ is already in progress/);
    const buildable = await item(other);
    expect(buildable).toMatchObject({ _class: 'hudson.model.Queue$BuildableItem', buildable: true, pending: false, why: 'Waiting for next available executor' });
    const queue = (await (await server.fetch('/queue/api/json')).json()) as { _class: string; items: Array<{ id: number }> };
    expect(queue._class).toBe('hudson.model.Queue');
    expect(queue.items.map((entry) => entry.id)).toEqual([second, other]);
    await waitFor(async () => ((await item(other))._class === 'hudson.model.Queue$LeftItem' ? true : undefined));
  });

  it('cancels with POST /queue/cancelItem?id= (204), leaving a cancelled LeftItem', async () => {
    const id = queueIdOf(await server.fetch('/job/q/buildWithParameters?P=d&delay=1h', { method: 'POST' }));
    const response = await server.fetch(`/queue/cancelItem?id=${id}`, { method: 'POST' });
    expect(response.status).toBe(204);
    expect(await item(id)).toMatchObject({ _class: 'hudson.model.Queue$LeftItem', cancelled: true, executable: null });
    const again = await server.fetch(`/queue/cancelItem?id=${id}`, { method: 'POST' });
    expect(again.status).toBe(409);
    expect(again.headers.get('x-steward-reason')).toBe('queue_item_not_waiting');
  });

  it('answers 404 for an unknown id, 400 for a malformed one, 405 for GET', async () => {
    const unknown = await server.fetch('/queue/cancelItem?id=99999', { method: 'POST' });
    expect(unknown.status).toBe(404);
    expect(unknown.headers.get('x-error')).toBe('Provided id (99999) not found.');
    expect((await server.fetch('/queue/item/99999/api/json')).status).toBe(404);
    expect((await server.fetch('/queue/cancelItem?id=abc', { method: 'POST' })).status).toBe(400);
    expect((await server.fetch('/queue/cancelItem?id=1')).status).toBe(405);
  });

  it('cancels with POST /queue/item/N/cancelQueue answering 302 (DESIGN §5.6)', async () => {
    const id = queueIdOf(await server.fetch('/job/q/buildWithParameters?P=e&delay=1h', { method: 'POST' }));
    const response = await server.fetch(`/queue/item/${id}/cancelQueue`, { method: 'POST' });
    expect(response.status).toBe(302);
    expect(await item(id)).toMatchObject({ cancelled: true });
    expect((await server.fetch(response.headers.get('location') ?? '')).status).toBe(200);
  });

  it('shows the waiting item on the job as queueItem and inQueue', async () => {
    const id = queueIdOf(await server.fetch('/job/q/buildWithParameters?P=f&delay=1h', { method: 'POST' }));
    const job = (await (await server.fetch('/job/q/api/json?tree=inQueue,queueItem[id,why]')).json()) as Record<string, unknown>;
    expect(job).toMatchObject({ inQueue: true, queueItem: { _class: 'hudson.model.Queue$WaitingItem', id } });
    await server.fetch(`/queue/cancelItem?id=${id}`, { method: 'POST' });
    expect(await (await server.fetch('/job/q/api/json?tree=inQueue,queueItem')).json()).toMatchObject({ inQueue: false, queueItem: null });
  });

  it('cancels queued items when the job is disabled', async () => {
    const id = queueIdOf(await server.fetch('/job/q/buildWithParameters?P=g&delay=1h', { method: 'POST' }));
    await server.fetch('/job/q/disable', { method: 'POST' });
    expect(await item(id)).toMatchObject({ cancelled: true });
    await server.fetch('/job/q/enable', { method: 'POST' });
  });
});
