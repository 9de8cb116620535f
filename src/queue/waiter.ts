import type { Build } from '../core/build.js';
import type { Store } from '../store/types.js';
import type { Scheduler } from './scheduler.js';

export type WaitFor = 'start' | 'finish';

/** Where a waited-for queue item stood when the wait ended. */
export type WaitOutcome =
  | { readonly state: 'queued'; readonly timedOut: true }
  | { readonly state: 'cancelled'; readonly timedOut: false }
  | { readonly state: 'started' | 'finished'; readonly build: Build; readonly timedOut: boolean };

/** A wait also looks at the store this often, in case it missed an event (a cancellation, a lost signal). */
const RECHECK_MS = 1_000;

/**
 * Waits until the queue item has become a build (`start`) or that build has finished (`finish`), or
 * until `timeoutMs` has passed, and says where the item stands. The scheduler's events, and the
 * signals of other servers' builds, end the wait as soon as it can; the store is the truth it returns.
 */
export async function waitForQueueItem(deps: { store: Store; scheduler: Scheduler }, queueId: number, until: WaitFor, timeoutMs: number): Promise<WaitOutcome> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const outcome = await look(deps.store, queueId, until);
    if (outcome) return outcome;
    const left = deadline - Date.now();
    if (left <= 0) {
      const current = await lookNow(deps.store, queueId);
      return current ? { ...current, timedOut: true } : { state: 'queued', timedOut: true };
    }
    await nextEvent(deps, Math.min(left, RECHECK_MS));
  }
}

async function look(store: Store, queueId: number, until: WaitFor): Promise<WaitOutcome | null> {
  const item = await store.queue.get(queueId);
  if (!item || item.state === 'cancelled') return { state: 'cancelled', timedOut: false };
  if (item.buildNumber === null) return null;
  const build = await store.builds.get(item.jobId, item.buildNumber);
  if (!build) return { state: 'cancelled', timedOut: false };
  if (build.state === 'completed') return { state: 'finished', build, timedOut: false };
  return until === 'start' ? { state: 'started', build, timedOut: false } : null;
}

async function lookNow(store: Store, queueId: number): Promise<{ state: 'started' | 'finished'; build: Build } | null> {
  const item = await store.queue.get(queueId);
  if (!item || item.buildNumber === null) return null;
  const build = await store.builds.get(item.jobId, item.buildNumber);
  return build ? { state: build.state === 'completed' ? 'finished' : 'started', build } : null;
}

function nextEvent({ store, scheduler }: { store: Store; scheduler: Scheduler }, ms: number): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      scheduler.events.off('started', done);
      scheduler.events.off('finished', done);
      unlisten();
      resolve();
    };
    const timer = setTimeout(done, ms);
    scheduler.events.on('started', done);
    scheduler.events.on('finished', done);
    const unlisten = store.signals.on('builds', done);
  });
}
