import type { Build, Interruption, Result } from '../core/build.js';
import type { Job } from '../core/item.js';

/**
 * The seam between the queue, which decides when a build starts, and whatever runs it (today the
 * local shell runner in `src/executor/`; later, remote agents).
 *
 * Contract:
 * - `run` is called once per started build. It owns the build's console log from the first line
 *   ("Started by …") to the last ("Finished: RESULT"), and resolves only after the log is complete
 *   and closed; the queue records the result after that, so a reader who sees the build completed
 *   also sees the whole log.
 * - `run` never rejects for a problem of the build itself (a failing step, a missing interpreter):
 *   those become a result, explained in the log.
 * - Stop requests arrive through `control` at any time, possibly more than once (a `term` followed by
 *   a `kill`). Once stopped, the result is ABORTED and the interruption is reported back.
 * - `reap` is called, once, for a build that was running when its server died (this server, before a
 *   restart, or another whose lease expired): it removes what the build left behind on this machine
 *   (processes) and closes its log with the build's recorded interruption.
 */
export interface BuildRunner {
  run(job: Job, build: Build, control: BuildControl): Promise<RunOutcome>;
  reap(job: Job | null, build: Build, processGroup: number | null): Promise<void>;
}

/**
 * Runs builds that outlive the server, on agents. `run` has the BuildRunner's contract, and may be
 * called again for a build already running, after a restart or on another server, to adopt it. At shutdown `detach` lets
 * the builds go without a result instead of stopping them; nothing of them is left on the server to reap.
 */
export interface RemoteBuildRunner {
  run(job: Job, build: Build, control: BuildControl): Promise<RunOutcome>;
  detach(): void;
  /** Lets one build go, as `detach` does, because another server holds it now; its `run` resolves. */
  release(jobId: number, number: number): void;
}

export interface RunOutcome {
  readonly result: Result;
  readonly interruption: Interruption | null;
}

/** How hard to stop: `term` asks the processes to end (and forces them after a grace period), `kill` forces at once. */
export type StopMode = 'term' | 'kill';

/** The channel through which a running build is told to stop, and reports its process group. */
export class BuildControl {
  private reason: Interruption | null = null;
  private readonly listeners = new Set<(mode: StopMode) => void>();

  constructor(private readonly onProcess: (processGroup: number | null) => void = () => {}) {}

  /** Why the build was stopped, or null while nobody asked. The first request names the reason. */
  get interruption(): Interruption | null {
    return this.reason;
  }

  stop(interruption: Interruption, mode: StopMode): void {
    this.reason ??= interruption;
    for (const listener of this.listeners) listener(mode);
  }

  onStop(listener: (mode: StopMode) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  reportProcess(processGroup: number | null): void {
    this.onProcess(processGroup);
  }
}
