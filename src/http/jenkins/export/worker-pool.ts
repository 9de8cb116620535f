import { Worker } from 'node:worker_threads';

/** A task ran out of its budget; the worker running it was terminated (or died) and is being replaced. */
export class BudgetSpent extends Error {
  override readonly name = 'BudgetSpent';
  constructor(
    readonly budget: 'time' | 'memory',
    /** Milliseconds for `time`, megabytes of heap for `memory`. */
    readonly limit: number,
  ) {
    super(`the task exceeded its ${budget} budget`);
  }
}

/** Every worker is busy and the waiting line is full: the caller should try again later. */
export class PoolBusy extends Error {
  override readonly name = 'PoolBusy';
}

export interface WorkerPoolOptions {
  /** The worker's module; resolved once, when the pool first starts. */
  readonly module: () => Promise<URL>;
  /** Passed to every worker as `workerData`. */
  readonly workerData: unknown;
  readonly size: number;
  /** Tasks that may wait for a worker; one more is refused with `PoolBusy`. */
  readonly maxWaiting: number;
  /** Wall-clock time a task may run on its worker before the worker is terminated. */
  readonly timeoutMs: number;
  /** V8 heap (old generation) a worker may use before it is killed. */
  readonly maxHeapMb: number;
}

/** How long a starting worker may take to load its module before its task's budget runs anyway. */
const STARTUP_GRACE_MS = 10_000;

interface Task<Request, Result> {
  readonly request: Request;
  readonly resolve: (result: Result) => void;
  readonly reject: (error: Error) => void;
  readonly signal: AbortSignal | undefined;
  readonly onAbort: () => void;
}

interface Slot<Request, Result> {
  worker: Worker | null;
  /** Whether the worker has loaded its module (said `{ ready: true }`): the budget runs from then. */
  ready: boolean;
  task: Task<Request, Result> | null;
  taskId: number;
  timer: NodeJS.Timeout | undefined;
}

/**
 * A small fixed pool of worker threads that run one task each at a time, for work whose cost the
 * request cannot bound beforehand. Each task runs within a wall-clock budget (the worker is terminated
 * when it is spent) and a heap budget (V8 kills the worker); either way the task fails with
 * `BudgetSpent`, the pool replaces the worker, and the process and its event loop are untouched.
 *
 * Workers start with the first task and are then kept warm, so a task costs a message round trip,
 * not a thread start. They do not keep the process alive. A worker that dies between tasks is
 * replaced when next needed (so a worker that cannot start is not restarted in a loop).
 *
 * A task whose signal aborts (its client hung up) leaves the waiting line, or has its worker
 * terminated and replaced, and fails with an `AbortError`.
 *
 * Protocol: the worker posts `{ ready: true }` once its module is loaded (a task's time budget runs
 * from then, so a fresh worker's start is not charged to it); the pool posts `{ id, request }` and the
 * worker answers `{ id, result }`.
 */
export class WorkerPool<Request, Result> {
  private readonly slots: Array<Slot<Request, Result>> = [];
  private readonly waiting: Array<Task<Request, Result>> = [];
  private module: Promise<URL> | null = null;
  private nextId = 1;
  private closed = false;

  constructor(private readonly options: WorkerPoolOptions) {
    for (let i = 0; i < options.size; i++) this.slots.push({ worker: null, ready: false, task: null, taskId: 0, timer: undefined });
  }

  run(request: Request, signal?: AbortSignal): Promise<Result> {
    return new Promise<Result>((resolve, reject) => {
      if (this.closed) return reject(new Error('the worker pool is closed'));
      if (signal?.aborted) return reject(aborted());
      const task: Task<Request, Result> = {
        request,
        signal,
        resolve: (result) => {
          signal?.removeEventListener('abort', task.onAbort);
          resolve(result);
        },
        reject: (error) => {
          signal?.removeEventListener('abort', task.onAbort);
          reject(error);
        },
        onAbort: () => this.cancel(task),
      };
      const idle = this.slots.find((slot) => slot.task === null);
      if (!idle && this.waiting.length >= this.options.maxWaiting) return reject(new PoolBusy('every worker is busy and the waiting line is full'));
      signal?.addEventListener('abort', task.onAbort, { once: true });
      if (idle) this.dispatch(idle, task);
      else this.waiting.push(task);
    });
  }

  /** Stops every worker (for tests and shutdown); waiting tasks and tasks in flight fail. */
  async close(): Promise<void> {
    this.closed = true;
    const closed = new Error('the worker pool is closed');
    for (const task of this.waiting.splice(0)) task.reject(closed);
    const workers = this.slots.flatMap((slot) => (slot.worker ? [slot.worker] : []));
    for (const slot of this.slots) {
      slot.worker = null;
      this.settle(slot, closed);
    }
    await Promise.all(workers.map((worker) => worker.terminate()));
  }

  private cancel(task: Task<Request, Result>): void {
    const waiting = this.waiting.indexOf(task);
    if (waiting !== -1) {
      this.waiting.splice(waiting, 1);
      task.reject(aborted());
      return;
    }
    const slot = this.slots.find((candidate) => candidate.task === task);
    if (!slot) return;
    this.replace(slot);
    this.settle(slot, aborted());
  }

  private dispatch(slot: Slot<Request, Result>, task: Task<Request, Result>): void {
    slot.task = task;
    slot.taskId = this.nextId++;
    const id = slot.taskId;
    this.module ??= this.options.module();
    this.module.then(
      (url) => {
        if (slot.taskId !== id || this.closed) return;
        slot.worker ??= this.spawn(slot, url);
        slot.worker.postMessage({ id, request: task.request });
        this.startClock(slot, slot.ready ? 0 : STARTUP_GRACE_MS);
      },
      (error: unknown) => this.settle(slot, error instanceof Error ? error : new Error(String(error))),
    );
  }

  /** (Re)starts the running task's time budget, plus `grace` while its worker is still starting. */
  private startClock(slot: Slot<Request, Result>, grace: number): void {
    clearTimeout(slot.timer);
    slot.timer = setTimeout(() => {
      this.replace(slot);
      this.settle(slot, new BudgetSpent('time', this.options.timeoutMs));
    }, this.options.timeoutMs + grace);
  }

  private spawn(slot: Slot<Request, Result>, url: URL): Worker {
    const worker = new Worker(url, {
      workerData: this.options.workerData,
      resourceLimits: { maxOldGenerationSizeMb: this.options.maxHeapMb, maxYoungGenerationSizeMb: Math.max(4, Math.ceil(this.options.maxHeapMb / 8)) },
      stdout: false,
      stderr: false,
    });
    slot.ready = false;
    worker.unref();
    worker.on('message', (message: { ready: true } | { id: number; result: Result }) => {
      if (slot.worker !== worker) return;
      if ('ready' in message) {
        slot.ready = true;
        if (slot.task) this.startClock(slot, 0);
      } else if (slot.task && message.id === slot.taskId) {
        this.settle(slot, null, message.result);
      }
    });
    worker.on('error', (error: Error & { code?: string }) => {
      if (slot.worker !== worker) return;
      slot.worker = null;
      slot.ready = false;
      const failure = error.code === 'ERR_WORKER_OUT_OF_MEMORY' ? new BudgetSpent('memory', this.options.maxHeapMb) : error;
      this.afterDeath(slot, failure);
    });
    worker.on('exit', () => {
      if (slot.worker !== worker) return;
      slot.worker = null;
      slot.ready = false;
      this.afterDeath(slot, new Error('the worker exited'));
    });
    return worker;
  }

  /** A worker died: its task fails, and a replacement is started at once if it died working. */
  private afterDeath(slot: Slot<Request, Result>, failure: Error): void {
    if (!slot.task) return;
    this.respawn(slot);
    this.settle(slot, failure);
  }

  /** Terminates the slot's worker and starts a fresh one in its place, kept warm for the next task. */
  private replace(slot: Slot<Request, Result>): void {
    const old = slot.worker;
    slot.worker = null;
    slot.ready = false;
    if (old) void old.terminate();
    this.respawn(slot);
  }

  private respawn(slot: Slot<Request, Result>): void {
    // Only called once a worker has run, so the module is known; the rejection handler is for form.
    this.module?.then(
      (url) => {
        if (!slot.worker && !this.closed) slot.worker = this.spawn(slot, url);
      },
      () => {},
    );
  }

  /** Ends the slot's task (with the result, or the failure) and hands the slot the next waiting task. */
  private settle(slot: Slot<Request, Result>, failure: Error | null, result?: Result): void {
    const task = slot.task;
    clearTimeout(slot.timer);
    slot.timer = undefined;
    slot.task = null;
    slot.taskId = 0;
    if (task) {
      if (failure) task.reject(failure);
      else task.resolve(result as Result);
    }
    const next = this.waiting.shift();
    if (next) this.dispatch(slot, next);
  }
}

function aborted(): Error {
  return new DOMException('The client closed the connection; its task was stopped.', 'AbortError');
}
