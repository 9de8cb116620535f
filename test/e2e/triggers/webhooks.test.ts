import { createHmac, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jobXml, startTestServer, stringParameter, type TestServer, waitFor } from '../../support/server.js';

/** Signed webhooks: GitHub, GitLab and generic HMAC deliveries, filters, parameter mapping, replays. */
let server: TestServer;
const GITHUB_SECRET = 'github-secret-0123456789';
const GENERIC_SECRET = 'generic-secret-0123456789';

const CONFIG = `webhooks:
  - name: gitlab-main
    kind: gitlab
    secret: \${GITLAB_SECRET}
    jobs: [deploy]
    events: [Push Hook]
  - name: generic
    kind: hmac
    secret: ${GENERIC_SECRET}
    signature: { header: X-Signature, algorithm: sha512, prefix: "", encoding: base64 }
    deliveryHeader: X-Delivery
    eventHeader: X-Event
    jobs: [deploy]
    parameters: { SHA: head.sha }
`;

beforeAll(async () => {
  server = await startTestServer({ config: CONFIG, env: { GITLAB_SECRET: 'gitlab-secret-0123456789' } });
  await server.createJob('deploy', jobXml({ parameters: stringParameter('SHA', 'none') + stringParameter('BRANCH', 'none'), steps: ['echo "deploying $SHA from $BRANCH"'], extra: '<quietPeriod>3600</quietPeriod>' }));
  const defined = await server.fetch('/steward/api/v1/webhooks/github-main', {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ kind: 'github', secret: GITHUB_SECRET, jobs: ['deploy'], events: ['push'], refs: ['refs/heads/main', 'refs/tags/**'], parameters: { SHA: 'after', BRANCH: 'ref' } }),
  });
  expect(defined.status).toBe(200);
});
afterAll(async () => {
  await server.stop();
});

function github(event: string, payload: unknown, options: { delivery?: string; secret?: string; signature?: string | null } = {}): Promise<Response> {
  const body = JSON.stringify(payload);
  const signature = options.signature === undefined ? `sha256=${createHmac('sha256', options.secret ?? GITHUB_SECRET).update(body).digest('hex')}` : options.signature;
  const headers: Record<string, string> = { 'content-type': 'application/json', 'x-github-event': event, 'x-github-delivery': options.delivery ?? randomUUID() };
  if (signature !== null) headers['x-hub-signature-256'] = signature;
  return server.fetch('/steward/hooks/github-main', { method: 'POST', auth: null, headers, body });
}

async function parametersOf(queueUrl: string): Promise<Record<string, string>> {
  const item = (await (await server.fetch(`${new URL(queueUrl).pathname}api/json`)).json()) as { actions: Array<{ parameters?: Array<{ name: string; value: string }>; causes?: unknown[] }> };
  return Object.fromEntries((item.actions.find((action) => action.parameters)?.parameters ?? []).map((parameter) => [parameter.name, parameter.value]));
}

describe('GitHub', () => {
  it('answers ping', async () => {
    const response = await github('ping', { zen: 'Keep it logically awesome.' });
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ status: 'pong', webhook: 'github-main', event: 'ping' });
  });

  it('triggers on a signed push, with payload fields as parameters and a cause naming the webhook', async () => {
    const delivery = randomUUID();
    const response = await github('push', { ref: 'refs/heads/main', after: 'abc123' }, { delivery });
    expect(response.status).toBe(201);
    const body = (await response.json()) as { status: string; triggered: Array<{ job: string; queueUrl: string }> };
    expect(body).toMatchObject({ status: 'triggered', event: 'push', delivery, triggered: [{ job: 'deploy', coalesced: false, duplicate: false }] });
    expect(response.headers.get('location')).toBe(body.triggered[0]?.queueUrl);
    expect(await parametersOf(body.triggered[0]?.queueUrl as string)).toEqual({ SHA: 'abc123', BRANCH: 'refs/heads/main' });
    const item = (await (await server.fetch(`${new URL(body.triggered[0]?.queueUrl as string).pathname}api/json`)).json()) as { actions: Array<{ causes?: Array<Record<string, unknown>> }> };
    expect(item.actions.find((action) => action.causes)?.causes?.[0]).toMatchObject({
      _class: 'hudson.model.Cause$RemoteCause',
      shortDescription: "Started by webhook 'github-main' (push) from 127.0.0.1",
      webhook: 'github-main',
      event: 'push',
      delivery,
    });
  });

  it('treats a redelivery of the same delivery id as a duplicate, not a second build', async () => {
    const delivery = randomUUID();
    const first = await github('push', { ref: 'refs/heads/main', after: 'replayed-1' }, { delivery });
    const again = await github('push', { ref: 'refs/heads/main', after: 'replayed-1' }, { delivery });
    expect(first.status).toBe(201);
    expect(again.status).toBe(200);
    const [a, b] = [(await first.json()) as { triggered: Array<{ queueId: number }> }, (await again.json()) as { status: string; triggered: Array<{ queueId: number; duplicate: boolean }> }];
    expect(b).toMatchObject({ status: 'duplicate', triggered: [{ queueId: a.triggered[0]?.queueId, duplicate: true }] });
  });

  it('refuses a delivery signed with another secret, or not signed, and records it', async () => {
    const wrong = await github('push', { ref: 'refs/heads/main', after: 'evil' }, { secret: 'not-the-secret-at-all' });
    expect(wrong.status).toBe(403);
    expect(wrong.headers.get('x-steward-reason')).toBe('webhook_signature_invalid');
    expect(wrong.headers.get('x-error')).toBe('This delivery to webhook github-main is not signed with its secret: its X-Hub-Signature-256 does not match the body signed with the secret.');
    const unsigned = await github('push', { ref: 'refs/heads/main' }, { signature: null });
    expect(unsigned.status).toBe(403);
    expect(unsigned.headers.get('x-error')).toContain('it has no X-Hub-Signature-256 header');
    // Refusals are audited without holding up the answer, so they may land a moment later.
    const audit = await waitFor(async () => {
      const page = (await (await server.fetch('/steward/api/v1/audit?action=webhook.delivery&outcome=refused&limit=2')).json()) as { events: Array<Record<string, unknown>> };
      return page.events.length === 2 ? page : undefined;
    });
    expect(audit.events[0]).toMatchObject({ actor: 'webhook:github-main', reason: 'webhook_signature_invalid' });
  });

  it('acknowledges events and refs it filters out with 202, triggering nothing', async () => {
    const issue = await github('issues', { action: 'opened' });
    expect(issue.status).toBe(202);
    expect(await issue.json()).toMatchObject({ status: 'ignored', reason: 'Nothing triggered: the event issues is not one of push.' });
    const branch = await github('push', { ref: 'refs/heads/feature/x', after: 'f' });
    expect(branch.status).toBe(202);
    expect(((await branch.json()) as { reason: string }).reason).toBe('Nothing triggered: the ref refs/heads/feature/x matches none of refs/heads/main, refs/tags/**.');
    expect((await github('push', { ref: 'refs/tags/release/1.2', after: 't' })).status).toBe(201);
  });
});

describe('GitLab', () => {
  it('takes the secret token, and refuses another', async () => {
    const send = (token: string, event = 'Push Hook') =>
      server.fetch('/steward/hooks/gitlab-main', { method: 'POST', auth: null, headers: { 'content-type': 'application/json', 'x-gitlab-token': token, 'x-gitlab-event': event, 'x-gitlab-event-uuid': randomUUID() }, body: JSON.stringify({ ref: 'refs/heads/main' }) });
    expect((await send('gitlab-secret-0123456789')).status).toBe(201);
    const wrong = await send('wrong-token-0123456789');
    expect(wrong.status).toBe(403);
    expect(wrong.headers.get('x-steward-reason')).toBe('webhook_signature_invalid');
    expect((await send('gitlab-secret-0123456789', 'Tag Push Hook')).status).toBe(202);
  });
});

describe('generic HMAC', () => {
  it('checks the configured header, algorithm and encoding, and replays by the configured delivery header', async () => {
    const body = JSON.stringify({ head: { sha: 'generic-sha' } });
    const signature = createHmac('sha512', GENERIC_SECRET).update(body).digest('base64');
    const send = (sig: string, delivery: string) => server.fetch('/steward/hooks/generic', { method: 'POST', auth: null, headers: { 'content-type': 'application/json', 'X-Signature': sig, 'X-Delivery': delivery, 'X-Event': 'release' }, body });
    const first = await send(signature, 'd-1');
    expect(first.status).toBe(201);
    const json = (await first.json()) as { event: string; triggered: Array<{ queueUrl: string }> };
    expect(json.event).toBe('release');
    expect((await parametersOf(json.triggered[0]?.queueUrl as string)).SHA).toBe('generic-sha');
    expect((await send(signature, 'd-1')).status).toBe(200);
    expect((await send(createHmac('sha256', GENERIC_SECRET).update(body).digest('base64'), 'd-2')).status).toBe(403);
  });
});

describe('the endpoint', () => {
  it('answers an unknown webhook with 404, a GET with 405, and lists webhooks without their secrets', async () => {
    expect((await server.fetch('/steward/hooks/nope', { method: 'POST', auth: null, body: '{}' })).status).toBe(404);
    const get = await server.fetch('/steward/hooks/github-main', { auth: null });
    expect(get.status).toBe(405);
    expect(get.headers.get('allow')).toBe('POST');
    const listed = await (await server.fetch('/steward/api/v1/webhooks')).text();
    expect(JSON.parse(listed)).toEqual(expect.arrayContaining([expect.objectContaining({ name: 'github-main', kind: 'github', url: `${server.url}steward/hooks/github-main` })]));
    for (const secret of [GITHUB_SECRET, GENERIC_SECRET, 'gitlab-secret-0123456789']) expect(listed).not.toContain(secret);
  });
});
