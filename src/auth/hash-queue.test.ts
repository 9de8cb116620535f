import { describe, expect, it } from 'vitest';
import { isDomainError } from '../core/errors.js';
import { defaultHashConcurrency, HashQueue } from './hash-queue.js';

/** A hash stand-in that finishes when the test says so. */
function gate(): { work: () => Promise<string>; open: (value: string) => void; started: () => boolean } {
  let release: (value: string) => void = () => {};
  let started = false;
  const done = new Promise<string>((resolve) => {
    release = resolve;
  });
  return {
    work: () => {
      started = true;
      return done;
    },
    open: (value) => release(value),
    started: () => started,
  };
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('the hash queue', () => {
  it('runs at most `concurrency` hashes at once: by default half of libuv\'s pool, leaving a core free', async () => {
    expect(defaultHashConcurrency({}, 8)).toBe(2);
    expect(defaultHashConcurrency({ UV_THREADPOOL_SIZE: '16' }, 8)).toBe(7);
    expect(defaultHashConcurrency({ UV_THREADPOOL_SIZE: '16' }, 32)).toBe(8);
    expect(defaultHashConcurrency({}, 2)).toBe(1);
    expect(defaultHashConcurrency({ UV_THREADPOOL_SIZE: '1' }, 1)).toBe(1);
    const queue = new HashQueue({ concurrency: 2, maxWaitMs: 10_000, maxWaiting: 100 });
    const gates = Array.from({ length: 5 }, gate);
    const results = gates.map((g) => queue.run('a', g.work));
    await tick();
    expect(gates.map((g) => g.started())).toEqual([true, true, false, false, false]);
    expect(queue.load).toEqual({ running: 2, waiting: 3 });
    gates[0]?.open('first');
    expect(await results[0]).toBe('first');
    await tick();
    expect(gates.map((g) => g.started())).toEqual([true, true, true, false, false]);
    for (const g of gates) g.open('x');
    await Promise.all(results);
    expect(queue.load).toEqual({ running: 0, waiting: 0 });
  });

  it('runs the hash of a client with few waiting before those of clients with many, in order of arrival among equals', async () => {
    const queue = new HashQueue({ concurrency: 1, maxWaitMs: 10_000, maxWaiting: 100 });
    const order: string[] = [];
    const blocker = gate();
    const enqueue = (key: string) =>
      queue.run(key, async () => {
        order.push(key);
      });
    const first = queue.run('blocker', blocker.work);
    const all = [
      ...Array.from({ length: 3 }, () => enqueue('flood-1')),
      ...Array.from({ length: 3 }, () => enqueue('flood-2')),
      enqueue('alice'),
      enqueue('bob'),
    ];
    await tick();
    expect(queue.load).toEqual({ running: 1, waiting: 8 });
    blocker.open('done');
    await first;
    await Promise.all(all);
    expect(order.slice(0, 2)).toEqual(['alice', 'bob']);
    expect(order.slice(2).sort()).toEqual(['flood-1', 'flood-1', 'flood-1', 'flood-2', 'flood-2', 'flood-2']);
  });

  it('refuses with authentication_busy and a Retry-After when the wait is too long or too many wait', async () => {
    const queue = new HashQueue({ concurrency: 1, maxWaitMs: 50, maxWaiting: 2 });
    const running = gate();
    const first = queue.run('a', running.work);
    const waiting = [queue.run('b', async () => 'b'), queue.run('c', async () => 'c')];
    const overflow = await queue.run('d', async () => 'd').catch((error: unknown) => error);
    expect(isDomainError(overflow, 'authentication_busy')).toBe(true);
    const timedOut = await Promise.allSettled(waiting);
    for (const outcome of timedOut) {
      expect(outcome.status).toBe('rejected');
      const error = (outcome as PromiseRejectedResult).reason;
      expect(isDomainError(error, 'authentication_busy')).toBe(true);
      expect(error.retryAfterSeconds).toBeGreaterThanOrEqual(1);
    }
    expect(queue.load).toEqual({ running: 1, waiting: 0 });
    running.open('a');
    expect(await first).toBe('a');
    expect(await queue.run('e', async () => 'e')).toBe('e');
  });
});
