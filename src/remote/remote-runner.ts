import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { Logger } from 'pino';
import { type Build, describeInterruption, type Interruption, type Result } from '../core/build.js';
import type { Job } from '../core/item.js';
import type { LogFiles, LogWriter } from '../logs/log-files.js';
import { Masker } from '../logs/masking.js';
import type { BuildControl, BuildRunner, RunOutcome, StopMode } from '../queue/runner.js';

/** How long a lease lasts without renewal by default; agents renew it three times as often (Woodpecker's 60 s and 20 s). */
export const LEASE_MS = 60_000;

/** A build running on an agent, as the server holds it. */
interface RemoteBuild {
  readonly job: Job;
  readonly build: Build;
  readonly token: Buffer;
  readonly control: BuildControl;
  readonly log: LogWriter;
  /** Masks the build's password values in what the agent sends (the agent masks them too); null when it has none. */
  readonly masker: Masker | null;
  /** Bytes of the log received and written, in order. */
  size: number;
  lastContact: number;
  expiry: NodeJS.Timeout;
  /** The strongest stop asked for and not yet told to the agent (`kill` outranks `term`). */
  stop: StopMode | null;
  /** Long polls of the agent waiting to hear of a stop (`watch`). */
  readonly watchers: Set<(stop: StopMode) => void>;
  readonly finish: (outcome: RunOutcome) => void;
}

/** Whether the agent must stop the build, how hard, and why (the server's reason, for the agent's log). */
export interface StopRequest {
  readonly stop: StopMode | null;
  readonly interruption: Interruption | null;
}

function stopOf(remote: RemoteBuild): StopRequest {
  return { stop: remote.stop, interruption: remote.stop ? remote.control.interruption : null };
}

/** What an agent's request about a build gets when its lease is not (or no longer) the build's. */
export type LeaseRefusal = { readonly refused: 'unknown' | 'stale' };

/**
 * The `BuildRunner` for builds on agents. The scheduler starts a build for an agent's claim and calls
 * `run`, which holds it under a lease: a secret token the agent sends with every report. The agent
 * renews it (learning of stop requests in the answer), sends the console log in byte ranges that are
 * idempotent by offset, and reports the result once the server holds the whole log. A lease not
 * renewed in time ends the build ABORTED (`agent_lost`), saying so in the log; a late report with
 * its token is then refused, never applied.
 *
 * Contract with the scheduler is the BuildRunner's: `run` resolves after the log is complete.
 */
export class RemoteRunner implements BuildRunner {
  private readonly builds = new Map<string, RemoteBuild>();

  constructor(
    private readonly options: {
      readonly logs: LogFiles;
      readonly log: Logger;
      /** Opens a password parameter's sealed value, to mask it in the log the agent sends. */
      readonly unseal: (sealed: string) => string | null;
      readonly leaseMs?: number;
      readonly now?: () => number;
    },
  ) {}

  /** The lease token of a build just started for an agent: handed over in the claim's answer. */
  leaseOf(jobId: number, number: number): string | null {
    return this.builds.get(key(jobId, number))?.token.toString('base64url') ?? null;
  }

  run(job: Job, build: Build, control: BuildControl): Promise<RunOutcome> {
    return new Promise((resolve) => {
      const log = this.options.logs.open(job.id, build.number, (error) => control.stop({ kind: 'log_unwritable', problem: error.message }, 'kill'));
      const secrets = (build.parameters ?? []).flatMap((value) => (value.type === 'password' ? [this.options.unseal(value.sealed) ?? ''] : []));
      const remote: RemoteBuild = {
        job,
        build,
        token: randomBytes(24),
        control,
        log,
        masker: secrets.some((secret) => secret !== '') ? new Masker(secrets, (text) => log.write(text)) : null,
        size: 0,
        lastContact: this.now(),
        expiry: setTimeout(() => {}, 0),
        stop: null,
        watchers: new Set(),
        finish: (outcome) => {
          clearTimeout(remote.expiry);
          this.builds.delete(key(job.id, build.number));
          for (const watcher of remote.watchers) watcher(remote.stop ?? 'kill');
          remote.masker?.end();
          log.close();
          resolve(outcome);
        },
      };
      control.onStop((mode) => {
        remote.stop = remote.stop === 'kill' ? 'kill' : mode;
        for (const watcher of remote.watchers) watcher(remote.stop);
        remote.watchers.clear();
      });
      this.builds.set(key(job.id, build.number), remote);
      this.extend(remote);
    });
  }

  /** Renews a lease; the answer says whether the build was asked to stop. */
  renew(jobId: number, number: number, token: string): StopRequest & { leaseMs: number } | LeaseRefusal {
    const remote = this.holder(jobId, number, token);
    if ('refused' in remote) return remote;
    this.extend(remote);
    return { ...stopOf(remote), leaseMs: this.leaseMs };
  }

  /**
   * Waits (at most `maxMs`) for a stop request, so an agent learns of one within a moment instead of
   * at its next renewal. Resolves null when none came.
   */
  watch(jobId: number, number: number, token: string, maxMs: number): Promise<StopRequest> | LeaseRefusal {
    const remote = this.holder(jobId, number, token);
    if ('refused' in remote) return remote;
    this.extend(remote);
    if (remote.stop) return Promise.resolve(stopOf(remote));
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        remote.watchers.delete(done);
        resolve(stopOf(remote));
      };
      const timer = setTimeout(done, maxMs);
      remote.watchers.add(done);
    });
  }

  /**
   * Takes bytes `start…start+bytes.length` of the log. Bytes the server already has are skipped (a
   * resend after a lost answer); a range that starts past what the server has is refused with the
   * server's length, from where the agent sends again. Returns the length the server now has.
   */
  appendLog(jobId: number, number: number, token: string, start: number, bytes: Buffer): { size: number } | { gap: number } | LeaseRefusal {
    const remote = this.holder(jobId, number, token);
    if ('refused' in remote) return remote;
    this.extend(remote);
    if (start > remote.size) return { gap: remote.size };
    const fresh = bytes.subarray(remote.size - start);
    if (fresh.length > 0) {
      if (remote.masker) remote.masker.push(fresh);
      else remote.log.write(fresh);
      remote.size += fresh.length;
    }
    return { size: remote.size };
  }

  /**
   * The agent's report that the build ended, accepted only when the server has the whole log (`size`
   * bytes), so a reader who sees the build completed sees its whole log too.
   */
  finish(jobId: number, number: number, token: string, report: { result: Result; interruption: Interruption | null; size: number }): { done: true } | { gap: number } | LeaseRefusal {
    const remote = this.holder(jobId, number, token);
    if ('refused' in remote) return remote;
    if (report.size !== remote.size) return { gap: remote.size };
    const interruption = remote.control.interruption ?? report.interruption;
    remote.finish({ result: interruption ? 'ABORTED' : report.result, interruption });
    return { done: true };
  }

  /** Builds that were on agents when the server stopped: their leases are gone with it, so they end ABORTED. */
  async reap(job: Job | null, build: Build): Promise<void> {
    if (!job || (await this.options.logs.size(job.id, build.number)) === null) return;
    try {
      this.options.logs.append(job.id, build.number, `\nBuild was aborted\n${describeInterruption({ kind: 'restart' })}\nFinished: ABORTED\n`);
    } catch (error) {
      this.options.log.warn({ err: error, job: job.fullName, build: build.number }, 'could not close the log of a build that was running on an agent when Steward stopped');
    }
  }

  private holder(jobId: number, number: number, token: string): RemoteBuild | LeaseRefusal {
    const remote = this.builds.get(key(jobId, number));
    if (!remote) return { refused: 'unknown' };
    const presented = Buffer.from(token, 'base64url');
    if (presented.length !== remote.token.length || !timingSafeEqual(presented, remote.token)) return { refused: 'stale' };
    return remote;
  }

  /** Pushes the lease's end out; when it passes, the agent is taken for lost and the build ends. */
  private extend(remote: RemoteBuild): void {
    remote.lastContact = this.now();
    clearTimeout(remote.expiry);
    remote.expiry = setTimeout(() => this.lose(remote), this.leaseMs);
    remote.expiry.unref();
  }

  private lose(remote: RemoteBuild): void {
    const interruption: Interruption = { kind: 'agent_lost', node: remote.build.node, silentMs: this.now() - remote.lastContact };
    remote.control.stop(interruption, 'kill');
    remote.masker?.end();
    remote.log.write(`\n${describeInterruption(interruption)}\nFinished: ABORTED\n`);
    this.options.log.warn({ job: remote.job.fullName, build: remote.build.number, node: remote.build.node }, 'an agent stopped renewing the lease of its build: aborted');
    remote.finish({ result: 'ABORTED', interruption });
  }

  /** How long a lease lasts without renewal. */
  get leaseMs(): number {
    return this.options.leaseMs ?? LEASE_MS;
  }

  private now(): number {
    return (this.options.now ?? Date.now)();
  }
}

function key(jobId: number, number: number): string {
  return `${jobId}#${number}`;
}
