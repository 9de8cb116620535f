import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openTestDomain, type TestDomain } from '../../test/support/real-store.js';
import { defaultJobSettings, type Job } from '../core/item.js';
import type { Store } from '../store/types.js';
import { fireDueTimers } from './timer-triggers.js';
import type { Triggers } from './trigger.js';

const log = pino({ level: 'silent' });
let domain: TestDomain;
let store: Store;
let clock: number;
let items: TestDomain['items'];
let triggers: Triggers;

beforeEach(() => {
  clock = Date.parse('2026-12-07T10:30:00Z');
  domain = openTestDomain('timers', () => clock);
  ({ store, items, triggers } = domain);
});

afterEach(() => domain.close());

const fire = () => fireDueTimers({ store, triggers, log, now: () => clock });
const at = (iso: string) => {
  clock = Date.parse(iso);
};

async function waitingCauses(job: Job): Promise<string[]> {
  return (await store.queue.listWaitingOfJob(job.id, 10)).flatMap((item) => item.causes.map(({ cause }) => cause.kind));
}

describe('"Build periodically" timers, on a real store', () => {
  it('queue one build when the schedule comes due, with the timer as its cause and an audit entry, and then wait for the next time', async () => {
    const job = (await items.create(null, 'nightly', { ...defaultJobSettings(), timerSpec: 'TZ=UTC\n0 * * * *' }, null)) as Job;
    at('2026-12-07T10:59:59Z');
    expect(await fire()).toBe(0);
    at('2026-12-07T11:00:03Z');
    expect(await fire()).toBe(1);
    expect(await fire()).toBe(0);
    expect(await waitingCauses(job)).toEqual(['timer']);
    expect(await store.audit.query({ item: 'nightly', limit: 10 })).toContainEqual(expect.objectContaining({ action: 'trigger', outcome: 'accepted', actor: 'steward', item: 'nightly', detail: expect.objectContaining({ timer: 'TZ=UTC\n0 * * * *' }) }));
    // Hours missed while no server ran: one build, not three; then the next hour.
    at('2026-12-07T14:20:00Z');
    expect(await fire()).toBe(1);
    expect(await store.timers.due('build', Date.parse('2026-12-07T14:59:59Z'), 10)).toEqual([]);
    expect(await store.timers.due('build', Date.parse('2026-12-07T15:00:00Z'), 10)).toEqual([{ jobId: job.id, dueAt: Date.parse('2026-12-07T15:00:00Z') }]);
  });

  it('fire once when several servers look at the same moment', async () => {
    const job = (await items.create(null, 'shared', { ...defaultJobSettings(), timerSpec: 'TZ=UTC\n0 11 * * *', coalesce: false }, null)) as Job;
    at('2026-12-07T11:00:01Z');
    expect((await Promise.all([fire(), fire(), fire()])).reduce((sum, queued) => sum + queued, 0)).toBe(1);
    expect(await waitingCauses(job)).toEqual(['timer']);
  });

  it('move a disabled job\'s timer on without a build, and stop a timer whose schedule was removed', async () => {
    const job = (await items.create(null, 'paused', { ...defaultJobSettings(), timerSpec: 'TZ=UTC\n0 * * * *', disabled: true }, null)) as Job;
    at('2026-12-07T11:00:01Z');
    expect(await fire()).toBe(0);
    expect(await waitingCauses(job)).toEqual([]);
    await items.update(job, { ...job.settings, disabled: false, timerSpec: null }, null);
    at('2026-12-07T23:00:01Z');
    expect(await fire()).toBe(0);
    expect(await store.timers.due('build', Number.MAX_SAFE_INTEGER, 10)).toEqual([]);
  });

  it('refuse to save a schedule that is not one, naming the setting', async () => {
    await expect(items.create(null, 'broken', { ...defaultJobSettings(), timerSpec: 'every day' }, null)).rejects.toMatchObject({ code: 'config_invalid', field: 'timerSpec' });
  });
});
