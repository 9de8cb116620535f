import { availableParallelism } from 'node:os';
import { DomainError } from '../core/errors.js';

/** How many hashes run at once and how long and how many may wait (see `HashQueue`). */
export interface HashQueueOptions {
  /** Hashes that may run at once. */
  readonly concurrency: number;
  /** The longest a hash may wait for its turn. */
  readonly maxWaitMs: number;
  /** The most hashes that may wait; more are refused at once. */
  readonly maxWaiting: number;
}

/** Half of libuv's thread pool (`UV_THREADPOOL_SIZE`, 4 unless set) and one less than the cores, at least one. */
export function defaultHashConcurrency(env: NodeJS.ProcessEnv = process.env, cores: number = availableParallelism()): number {
  const pool = Number.parseInt(env.UV_THREADPOOL_SIZE ?? '', 10);
  return Math.max(1, Math.min(Math.floor((Number.isFinite(pool) && pool > 0 ? pool : 4) / 2), cores - 1));
}

export const DEFAULT_HASH_QUEUE: HashQueueOptions = { concurrency: defaultHashConcurrency(), maxWaitMs: 5_000, maxWaiting: 500 };

interface Waiter {
  readonly start: () => void;
  readonly refuse: (error: DomainError) => void;
  timer: ReturnType<typeof setTimeout> | undefined;
}

/**
 * Runs password hashes (scrypt) with bounded concurrency, fairly between clients, with a bounded wait.
 *
 * - **Concurrency.** scrypt runs on libuv's thread pool, which the file system needs too (the store's
 *   fdatasync before a trigger is answered, console log writes), and each hash keeps a core busy for
 *   its whole run. At most `concurrency` hashes run at once: by default half of the pool and one core
 *   fewer than the machine has, so password checks can take neither all the threads nor all the
 *   cores the event loop needs.
 * - **Fairness.** Hashes are grouped by a key (the client's address). The next hash to run is one of
 *   the key with the fewest hashes waiting and running, the longest waiting among equals. A person
 *   signing in has one; an address guessing has as many as its failure limit lets it reserve. So a
 *   flood of guesses delays another client's sign-in by about the hashes already running, not by the
 *   whole flood; the flood's own hashes wait, and past `maxWaitMs` are refused.
 * - **Bounded wait.** A hash that has not started after `maxWaitMs`, or that finds `maxWaiting`
 *   hashes already waiting, is refused with `authentication_busy` (503 with `Retry-After`).
 */
export class HashQueue {
  private running = 0;
  private waiting = 0;
  /** Hashes running per key. */
  private readonly runningFor = new Map<string, number>();
  /** Waiting hashes per key; a key served goes to the end, behind the keys that waited meanwhile. */
  private readonly queues = new Map<string, Waiter[]>();
  /** A running average of how long one hash takes, for `Retry-After`. */
  private averageMs = 100;

  constructor(private readonly options: HashQueueOptions = DEFAULT_HASH_QUEUE) {}

  /** Runs `work` (one hash) when it is `key`'s turn; throws `authentication_busy` when the wait would be too long. */
  run<T>(key: string, work: () => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const start = (): void => {
        this.running += 1;
        this.runningFor.set(key, (this.runningFor.get(key) ?? 0) + 1);
        const started = performance.now();
        Promise.resolve()
          .then(work)
          .then(resolve, reject)
          .finally(() => {
            this.averageMs = 0.8 * this.averageMs + 0.2 * (performance.now() - started);
            this.running -= 1;
            const left = (this.runningFor.get(key) ?? 1) - 1;
            if (left > 0) this.runningFor.set(key, left);
            else this.runningFor.delete(key);
            this.next();
          });
      };
      if (this.running < this.options.concurrency && this.waiting === 0) {
        start();
        return;
      }
      if (this.waiting >= this.options.maxWaiting) {
        reject(this.busy());
        return;
      }
      const waiter: Waiter = { start, refuse: reject, timer: undefined };
      waiter.timer = setTimeout(() => this.expire(key, waiter), this.options.maxWaitMs);
      waiter.timer.unref?.();
      const queue = this.queues.get(key);
      if (queue) queue.push(waiter);
      else this.queues.set(key, [waiter]);
      this.waiting += 1;
    });
  }

  /** Hashes running and waiting now (for tests and metrics). */
  get load(): { running: number; waiting: number } {
    return { running: this.running, waiting: this.waiting };
  }

  /**
   * Starts hashes while there is room: each time of the key with the least load (waiting and running),
   * the first in order among equals. The scan is over the keys waiting, at most `maxWaiting` of them.
   */
  private next(): void {
    while (this.running < this.options.concurrency && this.waiting > 0) {
      let chosen: string | undefined;
      let least = Number.POSITIVE_INFINITY;
      for (const [key, queue] of this.queues) {
        const load = queue.length + (this.runningFor.get(key) ?? 0);
        if (load < least) {
          least = load;
          chosen = key;
        }
      }
      const queue = chosen === undefined ? undefined : this.queues.get(chosen);
      if (chosen === undefined || !queue) return;
      this.queues.delete(chosen);
      const waiter = queue.shift() as Waiter;
      if (queue.length > 0) this.queues.set(chosen, queue);
      this.waiting -= 1;
      clearTimeout(waiter.timer);
      waiter.start();
    }
  }

  private expire(key: string, waiter: Waiter): void {
    const queue = this.queues.get(key);
    const index = queue ? queue.indexOf(waiter) : -1;
    if (!queue || index < 0) return;
    queue.splice(index, 1);
    if (queue.length === 0) this.queues.delete(key);
    this.waiting -= 1;
    waiter.refuse(this.busy());
  }

  private busy(): DomainError {
    const seconds = Math.max(1, Math.ceil(((this.waiting + this.running) * this.averageMs) / this.options.concurrency / 1000));
    return new DomainError(
      'authentication_busy',
      `Too many password checks are waiting (${this.waiting}); each costs a memory-hard hash.`,
      `Use an API token, which costs no hash, or try again in ${seconds} s (Retry-After).`,
      undefined,
      seconds,
    );
  }
}
