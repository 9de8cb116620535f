import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Cause } from '../../src/core/cause.js';
import type { Job } from '../../src/core/item.js';
import { openSqliteStore } from '../../src/store/sqlite/open.js';
import type { Store } from '../../src/store/types.js';
import { jobXml, startTestServer, stringParameter, type TestServer, waitFor, waitForBuild } from '../support/server.js';

/**
 * Correctness with a long queue and a long history, past SQLite's 32,766 parameters that once
 * broke both. The rows are made through the store's own code (the server stopped), then a real server
 * works on top of them. Timing belongs to the benchmarks, not here.
 */
const NOT_DUE = 50_000;
const HISTORY = 40_000;
const CHUNK = 2_000;
const HOUR = 3_600_000;

describe('a long queue and a long history', () => {
  const home = mkdtempSync(join(tmpdir(), 'steward-scale-'));
  let server: TestServer;
  const farFuture = Date.now() + 24 * HOUR;

  beforeAll(async () => {
    const first = await startTestServer({ home, executors: 2 });
    await first.createJob('later', jobXml({ steps: ['true'], parameters: stringParameter('P') }));
    await first.createJob('serial', jobXml({ steps: ['sleep 1'], parameters: stringParameter('P') }));
    await first.createJob('parallel', jobXml({ steps: ['sleep 1'], parameters: stringParameter('P'), extra: '<concurrentBuild>true</concurrentBuild>' }));
    await first.createJob('long', jobXml({ steps: ['true'] }));
    await first.close();

    const store = openSqliteStore({ path: join(home, 'steward.db') });
    await fillQueue(store, (await store.items.findByFullName('later')) as Job);
    await fillHistory(store, (await store.items.findByFullName('long')) as Job);
    await store.close();
    server = await startTestServer({ home, executors: 2 });
  }, 180_000);

  afterAll(async () => {
    await server?.close();
    rmSync(home, { recursive: true, force: true });
  });

  const json = async (path: string) => {
    const response = await server.fetch(path);
    expect(response.status, path).toBe(200);
    return (await response.json()) as Record<string, unknown>;
  };

  it('starts due items at once, in order, one build at a time per job unless it allows more, with 50,000 items not yet due', async () => {
    for (const [job, value] of [['serial', '1'], ['serial', '2'], ['parallel', '1']] as const) {
      expect((await server.fetch(`/job/${job}/buildWithParameters?P=${value}`, { method: 'POST' })).status).toBe(201);
    }
    const serial1 = await waitForBuild(server, '/job/serial', 1);
    const parallel1 = await waitForBuild(server, '/job/parallel', 1);
    const serial2 = await waitForBuild(server, '/job/serial', 2);
    const parameter = (build: Record<string, unknown>) => JSON.stringify(build.actions).match(/"name":"P","value":"(\d)"/)?.[1];
    expect([parameter(serial1), parameter(serial2), parameter(parallel1)]).toEqual(['1', '2', '1']);
    // #1 of each job started together; the second build of the serial job waited for its first.
    expect(Math.abs((serial1.timestamp as number) - (parallel1.timestamp as number))).toBeLessThan(900);
    expect(serial2.timestamp as number).toBeGreaterThanOrEqual((serial1.timestamp as number) + (serial1.duration as number));

    const queue = (await json('/queue/api/json')).items as Array<Record<string, unknown>>;
    expect(queue).toHaveLength(1_000);
    expect(queue.every((item) => item._class === 'hudson.model.Queue$WaitingItem' && (item.timestamp as number) >= farFuture)).toBe(true);
    const later = await json('/job/later/api/json?tree=inQueue,queueItem[id,timestamp,why]');
    expect(later.inQueue).toBe(true);
    expect((later.queueItem as { timestamp: number }).timestamp).toBe(farFuture);
    expect((await server.fetch('/')).status).toBe(200);
    expect((await server.fetch('/job/later/')).status).toBe(200);
    expect((await json('/job/later/api/json?tree=name')).name).toBe('later');
  });

  it('answers allBuilds, ranges and permalinks of a job with 40,000 builds, and applies retention to them', async () => {
    const all = (await json('/job/long/api/json?tree=allBuilds[number]')).allBuilds as Array<{ number: number }>;
    expect(all).toHaveLength(HISTORY);
    expect([all[0]?.number, all.at(-1)?.number]).toEqual([HISTORY, 1]);
    const ranged = (await json('/job/long/api/json?tree=builds[number]{10,15}')).builds as Array<{ number: number }>;
    expect(ranged.map((build) => build.number)).toEqual([HISTORY - 10, HISTORY - 11, HISTORY - 12, HISTORY - 13, HISTORY - 14]);
    expect(((await json('/job/long/api/json')).builds as unknown[]).length).toBe(100);
    const permalinks = await json('/job/long/api/json?tree=lastBuild[number],lastFailedBuild[number],lastUnstableBuild[number],lastSuccessfulBuild[number],firstBuild[number]');
    expect(permalinks).toMatchObject({ lastBuild: { number: HISTORY }, lastFailedBuild: { number: HISTORY }, lastUnstableBuild: null, lastSuccessfulBuild: { number: HISTORY - 1 }, firstBuild: { number: 1 } });
    expect((await server.fetch('/job/long/lastUnstableBuild/api/json')).status).toBe(404);
    expect((await server.fetch('/job/long/')).status).toBe(200);

    const config = await (await server.fetch('/job/long/config.xml')).text();
    const kept = config.replace('</project>', '<logRotator class="hudson.tasks.LogRotator"><daysToKeep>-1</daysToKeep><numToKeep>10</numToKeep></logRotator></project>');
    expect((await server.fetch('/job/long/config.xml', { method: 'POST', headers: { 'content-type': 'application/xml' }, body: kept })).status).toBe(200);
    expect((await server.fetch('/job/long/build', { method: 'POST' })).status).toBe(201);
    await waitForBuild(server, '/job/long', HISTORY + 1);
    const numbers = await waitFor(
      async () => {
        const builds = (await json('/job/long/api/json?tree=allBuilds[number]')).allBuilds as Array<{ number: number }>;
        return builds.length <= 10 ? builds.map((build) => build.number) : undefined;
      },
      120_000,
      'retention to delete all but 10 builds',
      500,
    );
    expect(numbers).toEqual(Array.from({ length: 10 }, (_, index) => HISTORY + 1 - index));
    expect(server.logLines.filter((line) => line.includes('housekeeping failed'))).toEqual([]);
  }, 180_000);

  async function fillQueue(store: Store, job: Job): Promise<void> {
    for (let start = 0; start < NOT_DUE; start += CHUNK) {
      await Promise.all(
        Array.from({ length: CHUNK }, (_, index) =>
          store.queue.enqueue({ jobId: job.id, dueAt: farFuture, parameters: null, parametersKey: `k${start + index}`, cause: scripted, coalesce: false, now: Date.now() }),
        ),
      );
    }
  }

  /** Builds 1…HISTORY, failing and succeeding in turn (the newest fails), none unstable. */
  async function fillHistory(store: Store, job: Job): Promise<void> {
    const started = Date.now() - HOUR;
    for (let start = 0; start < HISTORY; start += CHUNK) {
      const queued = await Promise.all(
        Array.from({ length: CHUNK }, () => store.queue.enqueue({ jobId: job.id, dueAt: 0, parameters: null, parametersKey: '', cause: scripted, coalesce: false, now: started })),
      );
      // In order, so that build numbers follow queue ids.
      const builds = [];
      for (const { queueId } of queued) builds.push(store.builds.start({ queueId, node: 'built-in', executor: 0, startedAt: started }));
      await Promise.all(
        (await Promise.all(builds)).map((build) => {
          const number = build?.number ?? 0;
          return store.builds.finish(job.id, number, { result: number % 2 === 0 ? 'FAILURE' : 'SUCCESS', durationMs: 5, interruption: null });
        }),
      );
    }
  }
});

const scripted: Cause = { kind: 'user', userId: 'admin', userName: 'admin' };
