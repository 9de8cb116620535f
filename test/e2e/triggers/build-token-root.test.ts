import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { basicAuth, FOLDER_XML, jobXml, queueIdOf, startTestServer, stringParameter, type TestServer, waitFor } from '../../support/server.js';

/**
 * The Build Authorization Token Root plugin's URLs, behaviour by behaviour as the reference lists
 * them (remote-triggers-and-peers.md, Part 1.2), with the default security: anonymous may not read.
 */
let server: TestServer;
const QUIET = '<quietPeriod>3600</quietPeriod>';

function btr(path: string, init: RequestInit & { auth?: string | null } = {}): Promise<Response> {
  return server.fetch(`/buildByToken/${path}`, { auth: null, ...init });
}

async function causesOf(response: Response): Promise<unknown[]> {
  const item = (await (await server.fetch(`/queue/item/${queueIdOf(response)}/api/json`)).json()) as { actions: Array<{ causes?: unknown[] }> };
  return item.actions.find((action) => action.causes)?.causes ?? [];
}

beforeAll(async () => {
  server = await startTestServer({ config: 'security:\n  failedAuthentications: { attempts: 1000, window: 1min }\n' });
  await server.createJob('plain', jobXml({ extra: `<authToken>plain-token</authToken>${QUIET}` }));
  await server.createJob('tokenless', jobXml({ extra: QUIET }));
  await server.createJob('Folder', FOLDER_XML);
  await server.createJob('Folder/NAME', jobXml({ parameters: stringParameter('Type', 'plain'), extra: `<authToken>TOKEN</authToken>${QUIET}` }));
  await server.createJob('waiting', jobXml({ extra: '<authToken>waiting-token</authToken><quietPeriod>5</quietPeriod>' }));
  await server.createJob('off', jobXml({ extra: '<authToken>off-token</authToken><disabled>true</disabled>' }));
});
afterAll(async () => {
  await server.stop();
});

describe('/buildByToken/build', () => {
  it('triggers with GET, no user, no crumb and no read access: 201 and the queue item', async () => {
    const response = await btr('build?job=plain&token=plain-token');
    expect(response.status).toBe(201);
    expect(response.headers.get('location')).toMatch(new RegExp(`^${server.url}queue/item/\\d+/$`));
    expect(await response.text()).toBe('');
    expect(await causesOf(response)).toEqual([{ _class: 'hudson.model.Cause$RemoteCause', shortDescription: 'Started by remote host 127.0.0.1', addr: '127.0.0.1', note: null }]);
  });

  it('takes POST with the fields in a form body, and answers 303 to the waiting item when folded', async () => {
    const first = await btr('build?job=plain&token=plain-token');
    const second = await btr('build', { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'job=plain&token=plain-token&cause=from%20CI' });
    expect(second.status).toBe(303);
    expect(second.headers.get('location')).toBe(first.headers.get('location'));
    expect(await causesOf(second)).toContainEqual(expect.objectContaining({ note: 'from CI', shortDescription: 'Started by remote host 127.0.0.1 with note: from CI' }));
  });

  it('answers an unknown job and a job without a token with the same 404', async () => {
    const unknown = await btr('build?job=nothing-here&token=x');
    const tokenless = await btr('build?job=tokenless&token=x');
    expect(unknown.status).toBe(404);
    expect(tokenless.status).toBe(404);
    expect(tokenless.headers.get('x-steward-reason')).toBe(unknown.headers.get('x-steward-reason'));
    expect(await tokenless.text()).toBe((await unknown.text()).replace('nothing-here', 'tokenless'));
    expect((await btr('build?job=Folder&token=x')).status).toBe(404);
  });

  it('answers a wrong token with 403, and a missing one with 403 naming Job/Build', async () => {
    const wrong = await btr('build?job=plain&token=nope');
    expect(wrong.status).toBe(403);
    expect(wrong.headers.get('x-steward-reason')).toBe('job_token_invalid');
    expect(wrong.headers.get('x-error')).toBe('Invalid token provided.');
    const missing = await btr('build?job=plain');
    expect(missing.status).toBe(403);
    expect(missing.headers.get('x-steward-reason')).toBe('authentication_required');
    expect(missing.headers.get('x-required-permission')).toBe('hudson.model.Item.Build');
  });

  it('without a token, lets a caller with Job/Build POST (not GET), and never a session cookie', async () => {
    const get = await btr('build?job=plain', { auth: basicAuth('admin', server.adminToken) });
    expect(get.status).toBe(405);
    expect(get.headers.get('allow')).toBe('POST');
    // plain already has a waiting item (quiet period 1 h), so this one is folded into it.
    expect((await btr('build?job=plain', { method: 'POST', auth: basicAuth('admin', server.adminToken) })).status).toBe(303);
    const login = await server.fetch('/j_spring_security_check', { method: 'POST', auth: null, headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'j_username=admin&j_password=admin-secret-pw' });
    const cookie = (login.headers.getSetCookie()[0] as string).split(';')[0] as string;
    const bySession = await btr('build?job=plain', { method: 'POST', headers: { cookie } });
    expect(bySession.status).toBe(403);
    expect(bySession.headers.get('x-steward-reason')).toBe('authentication_required');
  });

  it('refuses the wrong endpoint kind and a disabled job with 400, saying which', async () => {
    const parameterized = await btr('build?job=Folder/NAME&token=TOKEN');
    expect(parameterized.status).toBe(400);
    expect(parameterized.headers.get('x-error')).toBe('Use /buildByToken/buildWithParameters for this job since it takes parameters.');
    const plain = await btr('buildWithParameters?job=plain&token=plain-token');
    expect(plain.status).toBe(400);
    expect(plain.headers.get('x-error')).toBe('Use /buildByToken/build for this job since it takes no parameters.');
    const disabled = await btr('build?job=off&token=off-token');
    expect(disabled.status).toBe(400);
    expect(disabled.headers.get('x-steward-reason')).toBe('job_not_buildable');
  });

  it('uses the job quiet period in seconds when no delay is given (not the plugin\'s milliseconds bug), and delay= otherwise', async () => {
    const byDefault = await btr('build?job=waiting&token=waiting-token');
    const item = (await (await server.fetch(`/queue/item/${queueIdOf(byDefault)}/api/json`)).json()) as { timestamp: number; inQueueSince: number };
    expect(item.timestamp - item.inQueueSince).toBeGreaterThanOrEqual(4900);
    expect(item.timestamp - item.inQueueSince).toBeLessThanOrEqual(5100);
    await server.fetch(`/queue/cancelItem?id=${queueIdOf(byDefault)}`, { method: 'POST' });
    const delayed = await btr('build?job=waiting&token=waiting-token&delay=20sec');
    const later = (await (await server.fetch(`/queue/item/${queueIdOf(delayed)}/api/json`)).json()) as { timestamp: number; inQueueSince: number };
    expect(later.timestamp - later.inQueueSince).toBeGreaterThanOrEqual(19_900);
    await server.fetch(`/queue/cancelItem?id=${queueIdOf(delayed)}`, { method: 'POST' });
  });

  it('needs job=', async () => {
    const response = await btr('build?token=x');
    expect(response.status).toBe(400);
    expect(response.headers.get('x-steward-reason')).toBe('parameter_missing');
  });
});

describe('/buildByToken/buildWithParameters', () => {
  it('takes the job\'s parameters from the query or a form, by full name in a folder, ignoring undeclared ones', async () => {
    const query = await btr('buildWithParameters?job=Folder/NAME&token=TOKEN&Type=Mexican&Other=ignored');
    expect(query.status).toBe(201);
    const item = (await (await server.fetch(`/queue/item/${queueIdOf(query)}/api/json`)).json()) as { actions: Array<{ parameters?: unknown[] }> };
    expect(item.actions.find((action) => action.parameters)?.parameters).toEqual([{ _class: 'hudson.model.StringParameterValue', name: 'Type', value: 'Mexican' }]);
    const form = await btr('buildWithParameters', { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'job=Folder%2FNAME&token=TOKEN&Type=Thai' });
    expect(form.status).toBe(201);
    const again = await btr('buildWithParameters?job=Folder/NAME&token=TOKEN&Type=Thai');
    expect(again.status).toBe(303);
  });
});

describe('/buildByToken/polling', () => {
  it('builds the job (Steward jobs have no SCM to poll) and answers 200 Scheduled.', async () => {
    const response = await btr('polling?job=Folder/NAME&token=TOKEN');
    expect(response.status).toBe(200);
    expect(await response.text()).toBe('Scheduled.\n');
    expect(response.headers.get('location')).toMatch(/\/queue\/item\/\d+\/$/);
  });
});

describe('the audit log', () => {
  it('records refused Build Token Root triggers with the job they named', async () => {
    await btr('build?job=plain&token=definitely-wrong');
    // Refusals are audited without holding up the answer, so they may land a moment later.
    const events = await waitFor(async () => {
      const page = (await (await server.fetch('/steward/api/v1/audit?action=trigger&outcome=refused&item=plain&limit=1')).json()) as { events: Array<Record<string, unknown>> };
      return page.events[0]?.reason === 'job_token_invalid' ? page : undefined;
    });
    expect(events.events[0]).toMatchObject({ item: 'plain', reason: 'job_token_invalid', actor: 'anonymous' });
    expect(JSON.stringify(events)).not.toContain('definitely-wrong');
  });
});
