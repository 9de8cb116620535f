import { afterEach, describe, expect, it } from 'vitest';
import { BudgetSpent, PoolBusy, WorkerPool, type WorkerPoolOptions } from './worker-pool.js';

/** A worker that echoes, spins, hoards memory or exits, as each request asks. */
const WORKER = `
import { parentPort } from 'node:worker_threads';
parentPort.postMessage({ ready: true });
parentPort.on('message', ({ id, request }) => {
  if (request === 'spin') for (;;);
  if (request === 'hoard') { const kept = []; for (;;) kept.push(new Array(100_000).fill(kept.length)); }
  if (request === 'exit') process.exit(3);
  parentPort.postMessage({ id, result: 'echo ' + request });
});
`;

const pools: Array<WorkerPool<string, string>> = [];

function pool(options: Partial<WorkerPoolOptions> = {}): WorkerPool<string, string> {
  const made = new WorkerPool<string, string>({
    module: () => Promise.resolve(new URL(`data:text/javascript,${encodeURIComponent(WORKER)}`)),
    workerData: null,
    size: 1,
    maxWaiting: 1,
    timeoutMs: 300,
    maxHeapMb: 32,
    ...options,
  });
  pools.push(made);
  return made;
}

afterEach(async () => {
  await Promise.all(pools.splice(0).map((made) => made.close()));
});

describe('WorkerPool', () => {
  it('answers from a warm worker, reused across tasks', async () => {
    const workers = pool();
    expect(await workers.run('a')).toBe('echo a');
    const started = performance.now();
    expect(await workers.run('b')).toBe('echo b');
    expect(performance.now() - started).toBeLessThan(100);
  });

  it('terminates a task at its time budget and answers the next one on a fresh worker', async () => {
    const workers = pool();
    const started = performance.now();
    const spun = await workers.run('spin').catch((error: unknown) => error);
    expect(spun).toBeInstanceOf(BudgetSpent);
    expect((spun as BudgetSpent).budget).toBe('time');
    expect(performance.now() - started).toBeLessThan(2000);
    expect(await workers.run('after')).toBe('echo after');
  });

  it('fails a task that exceeds the heap budget, without touching this process, and recovers', async () => {
    const workers = pool({ timeoutMs: 20_000 });
    const before = process.memoryUsage().heapUsed;
    const hoarded = await workers.run('hoard').catch((error: unknown) => error);
    expect(hoarded).toBeInstanceOf(BudgetSpent);
    expect((hoarded as BudgetSpent).budget).toBe('memory');
    expect((hoarded as BudgetSpent).limit).toBe(32);
    expect(process.memoryUsage().heapUsed - before).toBeLessThan(16 * 1024 * 1024);
    expect(await workers.run('after')).toBe('echo after');
  });

  it('refuses a task beyond the waiting line at once with PoolBusy', async () => {
    const workers = pool({ timeoutMs: 500 });
    const running = workers.run('spin').catch((error: unknown) => error);
    const waiting = workers.run('queued');
    await expect(workers.run('one too many')).rejects.toBeInstanceOf(PoolBusy);
    expect(await running).toBeInstanceOf(BudgetSpent);
    expect(await waiting).toBe('echo queued');
  });

  it('drops a waiting task and stops a running one when their signals abort', async () => {
    const workers = pool({ timeoutMs: 10_000 });
    const runningClient = new AbortController();
    const waitingClient = new AbortController();
    const running = workers.run('spin', runningClient.signal).catch((error: unknown) => error);
    const waiting = workers.run('queued', waitingClient.signal).catch((error: unknown) => error);
    waitingClient.abort();
    expect(await waiting).toMatchObject({ name: 'AbortError' });
    const started = performance.now();
    runningClient.abort();
    expect(await running).toMatchObject({ name: 'AbortError' });
    expect(await workers.run('after')).toBe('echo after');
    expect(performance.now() - started).toBeLessThan(5000);
  });

  it('fails the task of a worker that dies, and replaces the worker', async () => {
    const workers = pool();
    await expect(workers.run('exit')).rejects.toThrow('the worker exited');
    expect(await workers.run('after')).toBe('echo after');
  });
});
