import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { basicAuth, createApiToken, jobXml, queueIdOf, startTestServer, stringParameter, type TestServer } from '../../support/server.js';

/** The job's "Trigger builds remotely" token, as Jenkins' BuildAuthorizationToken.checkPermission. */
let server: TestServer;
let reader: string;

async function policy(body: unknown): Promise<void> {
  const response = await server.fetch('/steward/api/v1/security', { method: 'PATCH', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  expect(response.status).toBe(200);
}

async function causesOf(response: Response): Promise<unknown[]> {
  const item = (await (await server.fetch(`/queue/item/${queueIdOf(response)}/api/json`)).json()) as { actions: Array<{ causes?: unknown[] }> };
  return item.actions.find((action) => action.causes)?.causes ?? [];
}

beforeAll(async () => {
  server = await startTestServer({ config: 'security:\n  failedAuthentications: { attempts: 1000, window: 1min }\n' });
  const quiet = '<quietPeriod>3600</quietPeriod>';
  await server.createJob('guarded', jobXml({ extra: `<authToken>s3cret-job-token</authToken>${quiet}` }));
  await server.createJob('open', jobXml({ extra: quiet }));
  await server.createJob('guarded-params', jobXml({ parameters: stringParameter('WHO', 'world'), extra: `<authToken>s3cret-job-token</authToken>${quiet}` }));
  const created = await server.fetch('/steward/api/v1/users', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ id: 'reader', password: 'reader-password' }) });
  expect(created.status).toBe(201);
  reader = basicAuth('reader', await createApiToken(server.url, 'reader', 'reader-password', 't'));
  await policy({ authorization: 'matrix', grants: { 'user:admin': ['Overall/Administer'], 'user:reader': ['Overall/Read', 'Job/Read'] } });
});
afterAll(async () => {
  await server.stop();
});

describe('a correct token', () => {
  it('replaces Job/Build, and allows GET', async () => {
    const response = await server.fetch('/job/guarded/build?token=s3cret-job-token', { auth: reader });
    expect(response.status).toBe(201);
    expect(await causesOf(response)).toEqual([{ _class: 'hudson.model.Cause$RemoteCause', shortDescription: 'Started by remote host 127.0.0.1', addr: '127.0.0.1', note: null }]);
  });

  it('records the cause note', async () => {
    const response = await server.fetch('/job/guarded-params/buildWithParameters?token=s3cret-job-token&WHO=note&cause=nightly%20run', { auth: reader, method: 'POST' });
    expect(response.status).toBe(201);
    expect(await causesOf(response)).toEqual([
      { _class: 'hudson.model.Cause$RemoteCause', shortDescription: 'Started by remote host 127.0.0.1 with note: nightly run', addr: '127.0.0.1', note: 'nightly run' },
    ]);
  });

  it('is read from a form body too', async () => {
    const response = await server.fetch('/job/guarded-params/buildWithParameters', {
      auth: reader,
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'token=s3cret-job-token&WHO=form',
    });
    expect(response.status).toBe(201);
  });

  it('does not replace Job/Read: a caller who cannot see the job gets 404', async () => {
    await policy({ grants: { 'user:admin': ['Overall/Administer'], 'user:reader': ['Overall/Read'] } });
    try {
      const response = await server.fetch('/job/guarded/build?token=s3cret-job-token', { auth: reader });
      expect(response.status).toBe(404);
      expect(response.headers.get('x-steward-reason')).toBe('item_not_found');
    } finally {
      await policy({ grants: { 'user:admin': ['Overall/Administer'], 'user:reader': ['Overall/Read', 'Job/Read'] } });
    }
  });

  it('still sees a parameterized /build GET answered 405, as Jenkins does', async () => {
    const response = await server.fetch('/job/guarded-params/build?token=s3cret-job-token', { auth: reader });
    expect(response.status).toBe(405);
    expect(response.headers.get('x-steward-reason')).toBe('parameters_form_required');
  });

  it('builds through /polling, which answers 302 to the job', async () => {
    const before = ((await (await server.fetch('/queue/api/json')).json()) as { items: unknown[] }).items.length;
    const response = await server.fetch('/job/open/polling', { method: 'POST' });
    expect(response.status).toBe(302);
    expect(response.headers.get('location')).toBe(`${server.url}job/open/`);
    const viaToken = await server.fetch('/job/guarded-params/polling?token=s3cret-job-token', { auth: reader });
    expect(viaToken.status).toBe(302);
    const after = ((await (await server.fetch('/queue/api/json')).json()) as { items: unknown[] }).items.length;
    expect(after).toBeGreaterThan(before);
  });
});

describe('a wrong token', () => {
  it('is 403 even for an administrator, and is not retried as a permission', async () => {
    for (const path of ['/job/guarded/build?token=nope', '/job/guarded-params/buildWithParameters?token=nope', '/job/guarded/polling?token=nope']) {
      const response = await server.fetch(path, { method: 'POST' });
      expect(response.status, path).toBe(403);
      expect(response.headers.get('x-steward-reason')).toBe('job_token_invalid');
      expect(response.headers.get('x-error')).toBe('Invalid token provided.');
      expect(await response.text()).not.toContain('s3cret');
    }
  });
});

describe('a token sent to a job without one', () => {
  it('is ignored for a caller with Job/Build', async () => {
    expect((await server.fetch('/job/open/build?token=whatever', { method: 'POST' })).status).toBe(201);
  });

  it('is refused for a caller without Job/Build, saying the job has no token', async () => {
    const response = await server.fetch('/job/open/build?token=whatever', { auth: reader, method: 'POST' });
    expect(response.status).toBe(403);
    expect(response.headers.get('x-steward-reason')).toBe('job_token_not_set');
    expect(response.headers.get('x-required-permission')).toBe('hudson.model.Item.Build');
    expect(response.headers.get('x-error')).toBe('open has no "Trigger builds remotely" token, so token= was ignored, and reader lacks the Job/Build permission it then needs.');
  });

  it('does not exempt a password POST from the crumb', async () => {
    const response = await server.fetch('/job/open/build?token=whatever', { auth: basicAuth('admin', 'admin-secret-pw'), method: 'POST' });
    expect(response.status).toBe(403);
    expect(response.headers.get('x-steward-reason')).toBe('crumb_missing');
    expect(await response.text()).toContain('open has no trigger token, so token= does not exempt this POST.');
  });
});

describe('cancelling without Job/Cancel', () => {
  it('is 422 at /queue/cancelItem, as Jenkins, and 403 at cancelQueue, and cancels nothing', async () => {
    const queued = await server.fetch('/job/guarded-params/buildWithParameters?token=s3cret-job-token&WHO=cancel-me', { auth: reader, method: 'POST' });
    const id = queueIdOf(queued);
    const viaId = await server.fetch(`/queue/cancelItem?id=${id}`, { auth: reader, method: 'POST' });
    expect(viaId.status).toBe(422);
    expect(viaId.headers.get('x-steward-reason')).toBe('queue_item_not_cancellable');
    expect(viaId.headers.get('x-error')).toBe(`Item for id (${id}) is not cancellable: reader is missing the Job/Cancel permission on guarded-params.`);
    const viaItem = await server.fetch(`/queue/item/${id}/cancelQueue`, { auth: reader, method: 'POST' });
    expect(viaItem.status).toBe(403);
    expect(viaItem.headers.get('x-steward-reason')).toBe('permission_missing');
    expect(await (await server.fetch(`/queue/item/${id}/api/json`)).json()).toMatchObject({ _class: 'hudson.model.Queue$WaitingItem' });
  });
});

describe('the token in config.xml', () => {
  it('is never shown: a placeholder stands for it, and sending the placeholder back keeps it', async () => {
    const xml = await (await server.fetch('/job/guarded/config.xml')).text();
    expect(xml).not.toContain('s3cret-job-token');
    expect(xml).toMatch(/<authToken>\{steward-token:[0-9a-f]{12}\}<\/authToken>/);
    expect((await server.fetch('/job/guarded/config.xml', { method: 'POST', headers: { 'content-type': 'application/xml' }, body: xml })).status).toBe(200);
    expect((await server.fetch('/job/guarded/build?token=s3cret-job-token', { auth: reader })).status).toBe(201);
  });

  it('is replaced by a new value written to config.xml', async () => {
    const xml = await (await server.fetch('/job/guarded/config.xml')).text();
    const changed = xml.replace(/<authToken>[^<]*<\/authToken>/, '<authToken>rotated-job-token</authToken>');
    expect((await server.fetch('/job/guarded/config.xml', { method: 'POST', headers: { 'content-type': 'application/xml' }, body: changed })).status).toBe(200);
    expect((await server.fetch('/job/guarded/build?token=s3cret-job-token', { auth: reader })).status).toBe(403);
    expect((await server.fetch('/job/guarded/build?token=rotated-job-token', { auth: reader })).status).toBe(201);
  });
});
