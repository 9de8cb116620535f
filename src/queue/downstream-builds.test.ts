import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openTestDomain, type TestDomain } from '../../test/support/real-store.js';
import type { Build, Result } from '../core/build.js';
import { defaultJobSettings, type Job } from '../core/item.js';
import type { Store } from '../store/types.js';
import { queueDownstream } from './downstream-builds.js';
import type { Triggers } from './trigger.js';

const log = pino({ level: 'silent' });
let domain: TestDomain;
let store: Store;
let items: TestDomain['items'];
let triggers: Triggers;

beforeEach(() => {
  domain = openTestDomain('downstream');
  ({ store, items, triggers } = domain);
});

afterEach(() => domain.close());

const finished = (job: Job, number: number, result: Result): Build => ({
  jobId: job.id,
  number,
  queueId: 1,
  state: 'completed',
  result,
  startedAt: 0,
  durationMs: 5,
  causes: [],
  parameters: null,
  node: 'built-in',
  executor: 0,
  interruption: null,
});

async function waiting(job: Job): Promise<unknown[]> {
  return (await store.queue.listWaitingOfJob(job.id, 10)).flatMap((item) => item.causes.map(({ cause, count }) => ({ ...cause, count })));
}

describe('downstream builds, on a real store', () => {
  it('queue each downstream job whose threshold the result meets, once per upstream build however often it is told', async () => {
    const a = (await items.create(null, 'a', defaultJobSettings(), null)) as Job;
    const b = (await items.create(null, 'b', { ...defaultJobSettings(), upstreamTrigger: { projects: ['a'], threshold: 'UNSTABLE' } }, null)) as Job;
    const c = (await items.create(null, 'c', defaultJobSettings(), null)) as Job;
    const upstream = (await items.update(a, { ...a.settings, downstreamTrigger: { projects: ['c', 'b'], threshold: 'SUCCESS' } }, null)) as Job;

    expect(await queueDownstream({ store, triggers, log }, upstream, finished(upstream, 1, 'FAILURE'))).toBe(0);
    expect(await queueDownstream({ store, triggers, log }, upstream, finished(upstream, 2, 'UNSTABLE'))).toBe(1);
    // Told twice (two servers, a restart): the second is a replay of the first, not a second build.
    await queueDownstream({ store, triggers, log }, upstream, finished(upstream, 2, 'UNSTABLE'));
    expect(await waiting(b)).toEqual([{ kind: 'upstream', job: 'a', build: 2, count: 1 }]);
    expect(await waiting(c)).toEqual([]);
    // b is named by both kinds of edge: queued once.
    expect(await queueDownstream({ store, triggers, log }, upstream, finished(upstream, 3, 'SUCCESS'))).toBe(2);
    expect(await waiting(c)).toEqual([{ kind: 'upstream', job: 'a', build: 3, count: 1 }]);
    const audit = await store.audit.query({ action: 'trigger', item: 'c', limit: 10 });
    expect(audit).toMatchObject([{ actor: 'steward', credential: 'none', detail: { upstream: 'a', upstreamBuild: 3, result: 'SUCCESS' } }]);
  });
});
