import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openTestDomain, type TestDomain } from '../../test/support/real-store.js';
import { defaultJobSettings, type Job } from '../core/item.js';
import type { Store } from '../store/types.js';
import { changedRefs, type RepositoryAnswer, ScmPolling } from './scm-polling.js';
import type { Triggers } from './trigger.js';

const log = pino({ level: 'silent' });
let domain: TestDomain;
let store: Store;
let clock: number;
let items: TestDomain['items'];
let triggers: Triggers;
/** What the repository answers next; a poll counts as asked. */
let answer: RepositoryAnswer;
let asked: number;

beforeEach(() => {
  clock = Date.parse('2026-12-08T10:30:00Z');
  domain = openTestDomain('polling', () => clock);
  ({ store, items, triggers } = domain);
  answer = { heads: { 'refs/heads/main': 'a'.repeat(40) }, log: [' > git ls-remote -h -- file:///repo.git'] };
  asked = 0;
});

afterEach(() => domain.close());

const polling = () =>
  new ScmPolling({
    store,
    triggers,
    log,
    now: () => clock,
    ask: async () => {
      asked += 1;
      return answer;
    },
  });

async function waiting(job: Job): Promise<number> {
  return (await store.queue.listWaitingOfJob(job.id, 10)).length;
}

describe('"Poll SCM", on a real store', () => {
  it('polls on the schedule, builds once per change with the SCM cause, and keeps the last poll\'s log', async () => {
    const job = (await items.create(null, 'app', { ...defaultJobSettings(), pollSpec: 'TZ=UTC\n*/5 * * * *', coalesce: false }, null)) as Job;
    const poller = polling();
    expect(await poller.pollDue()).toBe(0);
    expect(asked).toBe(0);
    clock = Date.parse('2026-12-08T10:35:01Z');
    // The first poll builds, to have a baseline.
    expect(await poller.pollDue()).toBe(1);
    const [first] = await store.queue.listWaitingOfJob(job.id, 10);
    expect(first?.causes).toEqual([{ cause: { kind: 'scm_change' }, count: 1 }]);
    expect((await poller.last(job))?.log).toContain('Changes found');
    clock = Date.parse('2026-12-08T10:40:01Z');
    expect(await poller.pollDue()).toBe(0);
    expect((await poller.last(job))?.log).toMatch(/No changes\n$/);
    answer = { heads: { 'refs/heads/main': 'b'.repeat(40) }, log: [] };
    clock = Date.parse('2026-12-08T10:45:01Z');
    expect(await poller.pollDue()).toBe(1);
    expect((await poller.last(job))?.log).toContain(`refs/heads/main moved: ${'a'.repeat(12)} → ${'b'.repeat(12)}`);
    expect(await waiting(job)).toBe(2);
    expect(asked).toBe(3);
    // Each poll was recorded in the audit log as Steward's own trigger.
    const audit = await store.audit.query({ item: 'app', limit: 10 });
    expect(audit.filter((event) => event.action === 'trigger' && event.outcome === 'accepted' && event.actor === 'steward')).toHaveLength(2);
  });

  it('builds nothing when asking fails, says why in the log, and builds once the repository answers again', async () => {
    const job = (await items.create(null, 'app', { ...defaultJobSettings(), pollSpec: '' }, null)) as Job;
    const poller = polling();
    answer = { heads: null, log: ['ERROR: fatal: could not read Username for https://example.invalid: terminal prompts disabled'] };
    expect(await poller.poll(job, { kind: 'scm_change' })).toBe(false);
    expect((await poller.last(job))?.log).toMatch(/terminal prompts disabled[\s\S]*Polling failed: no build\.\n$/);
    answer = { heads: { 'refs/heads/main': 'c'.repeat(40) }, log: [] };
    clock += 1000;
    expect(await poller.poll(job, { kind: 'commit_hook', sha1: 'c'.repeat(40) })).toBe(true);
    expect(await waiting(job)).toBe(1);
  });

  it('builds once when two polls of one job run at once, and never polls a disabled job or one without a schedule on its timer', async () => {
    const job = (await items.create(null, 'app', { ...defaultJobSettings(), pollSpec: '' }, null)) as Job;
    const [one, two] = [polling(), polling()];
    const queued = await Promise.all([one.poll(job, { kind: 'scm_change' }), two.poll(job, { kind: 'scm_change' })]);
    expect(queued.filter(Boolean)).toHaveLength(1);
    expect(await waiting(job)).toBe(1);
    // An empty schedule sets no timer: it polls only when asked.
    expect(await store.timers.due('poll', Number.MAX_SAFE_INTEGER, 10)).toEqual([]);
    const disabled = (await items.create(null, 'off', { ...defaultJobSettings(), pollSpec: '* * * * *', disabled: true }, null)) as Job;
    clock += 120_000;
    expect(await one.pollDue()).toBe(0);
    expect(await store.polls.last(disabled.id)).toBeNull();
  });

  it('refuses a schedule that is not one when the job is saved, naming the field', async () => {
    await expect(items.create(null, 'bad', { ...defaultJobSettings(), pollSpec: 'H/5 * * *' }, null)).rejects.toMatchObject({ code: 'config_invalid', field: 'pollSpec' });
  });

  it('counts a ref as changed when it is new or moved, not when it is gone', () => {
    expect(changedRefs(null, { a: '1', b: '2' })).toEqual(['a', 'b']);
    expect(changedRefs({ a: '1', b: '2' }, { a: '1' })).toEqual([]);
    expect(changedRefs({ a: '1' }, { a: '3', c: '4' })).toEqual(['a', 'c']);
  });
});
