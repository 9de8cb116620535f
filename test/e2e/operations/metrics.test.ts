import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Scrape } from '../../support/prometheus.js';
import { basicAuth, jobXml, startTestServer, type TestServer, waitFor, waitForBuild } from '../../support/server.js';

const METRICS_TOKEN = 'metrics-token-0123456789abcdef';
const CONFIG = `
security:
  authorization: matrix
  grants:
    user:admin: [Overall/Administer]
    authenticated: [Overall/Read, Job/Read]
users:
  - id: alice
    password: alice-password-1
`;

let server: TestServer;
let secrets: string;

beforeAll(async () => {
  secrets = mkdtempSync(join(tmpdir(), 'steward-metrics-'));
  writeFileSync(join(secrets, 'token'), `${METRICS_TOKEN}\n`, { mode: 0o600 });
  server = await startTestServer({ executors: 3, config: CONFIG, env: { STEWARD_METRICS_TOKEN_FILE: join(secrets, 'token') } });
  await server.createJob('passes', jobXml({ steps: ['echo fine'] }));
  await server.createJob('fails', jobXml({ steps: ['echo broken; exit 1'] }));
  await server.createJob('slow', jobXml({ steps: ['sleep 30'] }));
});
afterAll(async () => {
  await server?.stop();
  rmSync(secrets, { recursive: true, force: true });
});

async function scrape(path = '/prometheus/'): Promise<Scrape> {
  const response = await server.fetch(path, { auth: null, headers: { authorization: `Bearer ${METRICS_TOKEN}` } });
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
  return new Scrape(await response.text());
}

async function build(job: string): Promise<void> {
  const response = await server.fetch(`/job/${job}/build`, { method: 'POST' });
  expect(response.status).toBe(201);
}

describe('/prometheus/', () => {
  it('counts what happened: builds by result, their durations and queue times, triggers accepted and refused', async () => {
    await build('passes');
    await build('fails');
    expect((await waitForBuild(server, '/job/passes', 1)).result).toBe('SUCCESS');
    expect((await waitForBuild(server, '/job/fails', 1)).result).toBe('FAILURE');
    // Anonymous may not read this server, so its trigger is refused, and so is a disabled job's.
    const anonymous = await server.fetch('/job/passes/build', { method: 'POST', auth: null });
    expect(anonymous.status).toBe(403);
    expect(anonymous.headers.get('x-steward-reason')).toBe('authentication_required');
    expect((await server.fetch('/job/fails/disable', { method: 'POST' })).status).toBeLessThan(400);
    const disabled = await server.fetch('/job/fails/build', { method: 'POST' });
    expect(disabled.headers.get('x-steward-reason')).toBe('job_disabled');
    // Refused before identity runs (it was a 500: the audit of the refusal had no principal).
    const method = await server.fetch('/job/passes/build', { method: 'PROPFIND' });
    expect(method.status).toBe(405);

    const metrics = await scrape();
    expect(metrics.value('steward_builds_started_total')).toBe(2);
    expect(metrics.value('steward_builds_finished_total', { result: 'SUCCESS' })).toBe(1);
    expect(metrics.value('steward_builds_finished_total', { result: 'FAILURE' })).toBe(1);
    expect(metrics.value('steward_builds_finished_total', { result: 'ABORTED' })).toBe(0);
    const durations = metrics.histogram('steward_build_duration_seconds');
    expect(durations.count).toBe(2);
    expect(durations.sum).toBeGreaterThan(0);
    expect(metrics.histogram('steward_build_duration_seconds', { result: 'FAILURE' }).count).toBe(1);
    expect(metrics.histogram('steward_queue_time_seconds').count).toBe(2);
    expect(metrics.value('steward_triggers_accepted_total')).toBe(2);
    expect(metrics.value('steward_triggers_refused_total', { reason: 'authentication_required' })).toBe(1);
    expect(metrics.value('steward_triggers_refused_total', { reason: 'job_disabled' })).toBe(1);
    expect(metrics.value('steward_triggers_refused_total', { reason: 'method_not_allowed' })).toBe(1);
    expect(metrics.value('steward_executors', { node: 'built-in' })).toBe(3);
    expect(metrics.value('steward_executors_busy', { node: 'built-in' })).toBe(0);

    // Every byte of both console logs was counted.
    const logs = await Promise.all(['passes', 'fails'].map(async (job) => Buffer.byteLength(await (await server.fetch(`/job/${job}/1/consoleText`)).text())));
    expect(metrics.value('steward_log_written_bytes_total')).toBe(logs[0]! + logs[1]!);
    expect(metrics.histogram('steward_db_commit_duration_seconds').count).toBeGreaterThan(0);
    expect(metrics.value('steward_disk_free_bytes')).toBeGreaterThan(0);
    expect(metrics.value('steward_disk_size_bytes')).toBeGreaterThanOrEqual(metrics.value('steward_disk_free_bytes'));
    expect(metrics.type('steward_nodejs_eventloop_lag_seconds')).toBe('GAUGE');
    expect(metrics.value('steward_nodejs_eventloop_lag_seconds')).toBeGreaterThanOrEqual(0);
  });

  it('labels requests by a bounded route kind, never by their URL', async () => {
    const metrics = await scrape('/prometheus');
    const routes = new Set(metrics.samples('steward_http_request_duration_seconds_count').map((sample) => sample.labels?.route));
    expect(routes).toContain('trigger');
    expect(routes).toContain('job');
    expect(routes).toContain('prometheus');
    for (const route of routes) expect(route).toMatch(/^(steward\/)?[a-zA-Z_]+$/);
    expect(metrics.histogram('steward_http_request_duration_seconds', { route: 'trigger', method: 'POST', code: '2xx' }).count).toBe(2);
    expect(metrics.histogram('steward_http_request_duration_seconds', { route: 'trigger', method: 'POST', code: '4xx' }).count).toBe(2);
    expect(metrics.histogram('steward_http_request_duration_seconds', { route: 'trigger', method: 'other', code: '4xx' }).count).toBe(1);
  });

  it('shows the queue by why items wait, and busy executors', async () => {
    await build('slow');
    await waitFor(async () => ((await scrape()).value('steward_executors_busy', { node: 'built-in' }) === 1 ? true : undefined), 10_000, 'the slow build to start');
    // A second trigger of the running job is blocked by it; a delayed one is in its quiet period.
    expect((await server.fetch('/job/slow/build', { method: 'POST' })).status).toBe(201);
    expect((await server.fetch('/job/passes/build?delay=3600sec', { method: 'POST' })).status).toBe(201);
    const metrics = await scrape();
    expect(metrics.value('steward_queue_items', { reason: 'blocked' })).toBe(1);
    expect(metrics.value('steward_queue_items', { reason: 'quiet' })).toBe(1);
    expect(metrics.value('steward_queue_items', { reason: 'buildable' })).toBe(0);
    expect(metrics.value('steward_executors_busy', { node: 'built-in' })).toBe(1);
    expect((await server.fetch('/job/slow/1/stop', { method: 'POST' })).status).toBeLessThan(400);
  });

  it('is for the metrics token and administrators; anyone else gets an explained refusal', async () => {
    const anonymous = await server.fetch('/prometheus/', { auth: null });
    expect(anonymous.status).toBe(403);
    expect(anonymous.headers.get('x-steward-reason')).toBe('authentication_required');
    expect(await anonymous.text()).toContain('metrics token');
    const wrong = await server.fetch('/prometheus/', { auth: null, headers: { authorization: 'Bearer not-the-metrics-token' } });
    expect(wrong.status).toBe(401);
    expect(wrong.headers.get('x-steward-reason')).toBe('credentials_invalid');
    const alice = await server.fetch('/prometheus/', { auth: basicAuth('alice', 'alice-password-1') });
    expect(alice.status).toBe(403);
    expect(alice.headers.get('x-steward-reason')).toBe('permission_missing');
    const admin = await server.fetch('/prometheus/');
    expect(admin.status).toBe(200);
    expect(await admin.text()).toContain('steward_builds_started_total');
  });
});
