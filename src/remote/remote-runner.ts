import { createHmac, timingSafeEqual } from 'node:crypto';
import type { Logger } from 'pino';
import { type Build, describeInterruption, type Interruption, type Result } from '../core/build.js';
import type { Job } from '../core/item.js';
import type { ConsoleLogs, LogWriter } from '../logs/console-logs.js';
import { Masker } from '../logs/masking.js';
import type { BuildControl, RemoteBuildRunner, RunOutcome, StopMode } from '../queue/runner.js';

/** How long a lease lasts without renewal by default; agents renew it three times as often (Woodpecker's 60 s and 20 s). */
export const LEASE_MS = 60_000;

/** A build running on an agent, as the server holds it. */
interface RemoteBuild {
  readonly job: Job;
  readonly build: Build;
  readonly token: Buffer;
  readonly control: BuildControl;
  readonly log: LogWriter;
  /** Masks the build's password values and bound credentials in what the agent sends (it masks them too); null when it has none. */
  masker: Masker | null;
  /** What `masker` masks. */
  readonly secrets: string[];
  /** Bytes of the log received and written, in order (known once `turn` first settles). */
  size: number;
  /** The log's requests, one after the other: each waits for the previous one (the first for the log's size). */
  turn: Promise<unknown>;
  lastContact: number;
  expiry: NodeJS.Timeout;
  /** The strongest stop asked for and not yet told to the agent (`kill` outranks `term`). */
  stop: StopMode | null;
  /** Long polls of the agent waiting to hear of a stop (`watch`). */
  readonly watchers: Set<() => void>;
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

/** A build an agent says it runs, by job id and number. */
export interface HeldBuild {
  readonly job: number;
  readonly number: number;
}

/**
 * The runner for builds on agents. The scheduler starts a build for an agent's claim and calls `run`,
 * which holds it under a lease: a token the agent sends with every report. The agent renews it
 * (learning of stop requests in the answer), sends the console log in byte ranges that are idempotent
 * by offset, and reports the result once the server holds the whole log. A lease not renewed in time
 * ends the build ABORTED (`agent_lost`), saying so in the log; a late report is then refused, never
 * applied.
 *
 * A lease token is derived from the server's key and the build (job, number, start), not stored: a
 * restarted server recognises the leases of the builds it adopts (`run` again after `detach`), and the
 * log continues from the bytes the server has, so agent builds outlive a server restart.
 */
export class RemoteRunner implements RemoteBuildRunner {
  private readonly builds = new Map<string, RemoteBuild>();

  constructor(
    private readonly options: {
      readonly logs: ConsoleLogs;
      readonly log: Logger;
      /** Keys the lease tokens; the same key after a restart keeps the leases valid. */
      readonly leaseKey: Buffer;
      /** Opens a password parameter's sealed value, to mask it in the log the agent sends. */
      readonly unseal: (sealed: string) => string | null;
      readonly leaseMs?: number;
      readonly now?: () => number;
    },
  ) {}

  /** Whether this server holds the build (it started or adopted it, and it has not ended here). */
  holds(jobId: number, number: number): boolean {
    return this.builds.has(key(jobId, number));
  }

  /** Whether `token` is the lease of this build, held here or not (leases are derived, not stored). */
  leaseMatches(build: Build, token: string): boolean {
    const expected = this.tokenOf(build);
    const presented = Buffer.from(token, 'base64url');
    return presented.length === expected.length && timingSafeEqual(presented, expected);
  }

  /**
   * Lets one build go without a result and without a word to its agent: another server took it over
   * (this one was cut off from the database for longer than its lease). Its `run` resolves, and the
   * result the scheduler then tries to record is refused, as the build is no longer this server's.
   */
  release(jobId: number, number: number): void {
    const remote = this.builds.get(key(jobId, number));
    if (!remote) return;
    this.options.log.warn({ job: remote.job.fullName, build: number, node: remote.build.node }, 'another server took over this build of an agent; letting it go here');
    remote.finish({ result: 'ABORTED', interruption: null });
  }

  /**
   * Masks these values too in the log of a build handed to an agent (its bound credentials, read when
   * its assignment is made, before the agent can send any of its log). A build adopted after a restart
   * masks its password values only: the agent still masks everything.
   */
  maskAlso(jobId: number, number: number, values: readonly string[]): void {
    const remote = this.builds.get(key(jobId, number));
    if (!remote || values.length === 0) return;
    remote.secrets.push(...values);
    remote.masker = new Masker(remote.secrets, (text) => remote.log.write(text));
  }

  /** The lease token of a build running on an agent: handed over in the claim's answer. */
  leaseOf(jobId: number, number: number): string | null {
    return this.builds.get(key(jobId, number))?.token.toString('base64url') ?? null;
  }

  /**
   * Holds a build on an agent until the agent reports its end or is lost. For a build adopted after a
   * restart, the log continues where the server's copy ends and the lease starts afresh.
   */
  run(job: Job, build: Build, control: BuildControl): Promise<RunOutcome> {
    return new Promise((resolve) => {
      const log = this.options.logs.open(job.id, build.number, (error) => control.stop({ kind: 'log_unwritable', problem: error.message }, 'kill'));
      const secrets = (build.parameters ?? []).flatMap((value) => (value.type === 'password' ? [this.options.unseal(value.sealed) ?? ''] : []));
      const remote: RemoteBuild = {
        job,
        build,
        token: this.tokenOf(build),
        control,
        log,
        masker: secrets.some((secret) => secret !== '') ? new Masker(secrets, (text) => log.write(text)) : null,
        secrets,
        // The agent's log, masked by the agent, is the server's byte for byte: an adopted build's log
        // goes on from what the server has (read before the first range is taken), and the agent sends the rest from there.
        size: 0,
        turn: Promise.resolve(),
        lastContact: this.now(),
        expiry: setTimeout(() => {}, 0),
        stop: null,
        watchers: new Set(),
        finish: (outcome) => {
          // Resolved once the whole log is stored: a reader who sees the build completed sees all of it.
          void this.drop(remote).then(() => resolve(withLogFailure(outcome, remote)));
        },
      };
      remote.turn = log.size().then(
        (size) => {
          remote.size = size;
        },
        () => {},
      );
      control.onStop((mode) => {
        remote.stop = remote.stop === 'kill' ? 'kill' : mode;
        this.tellWatchers(remote);
      });
      this.builds.set(key(job.id, build.number), remote);
      this.extend(remote);
    });
  }

  /**
   * Lets every build go without a result, as the server stops: they keep running on their agents, whose
   * reports fail until the next start adopts the builds again (their `run` promises never settle).
   */
  detach(): void {
    // Their logs are stored before the logs close (`ConsoleLogs.close` waits for open writers).
    for (const remote of [...this.builds.values()]) void this.drop(remote);
  }

  /**
   * An agent's claim names the builds it runs: any other build the server has on that node was lost
   * by an earlier run of the agent (a restart, a crash, an answer that never arrived), and ends ABORTED.
   */
  releaseUnheld(node: string, held: readonly HeldBuild[]): void {
    const kept = new Set(held.map((each) => key(each.job, each.number)));
    for (const remote of [...this.builds.values()]) {
      if (remote.build.node.toLowerCase() !== node.toLowerCase() || kept.has(key(remote.job.id, remote.build.number))) continue;
      this.lose(remote, { kind: 'agent_restarted', node: remote.build.node });
    }
  }

  /** Renews a lease; the answer says whether the build was asked to stop. */
  renew(jobId: number, number: number, token: string): (StopRequest & { leaseMs: number }) | LeaseRefusal {
    const remote = this.holder(jobId, number, token);
    if ('refused' in remote) return remote;
    this.extend(remote);
    return { ...stopOf(remote), leaseMs: this.leaseMs };
  }

  /**
   * Waits (at most `maxMs`) for a stop request, so an agent learns of one within a moment instead of
   * at its next renewal. Resolves with no stop when none came.
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
   * server's length, from where the agent sends again. Resolves with the length the server now has,
   * once the range is stored (a log in a database holds it in memory for a moment): an acknowledged
   * range survives the server. Ranges of one build are taken one after the other.
   */
  appendLog(jobId: number, number: number, token: string, start: number, bytes: Buffer): Promise<{ size: number } | { gap: number } | LeaseRefusal> {
    const remote = this.holder(jobId, number, token);
    if ('refused' in remote) return Promise.resolve(remote);
    this.extend(remote);
    return this.inTurn(remote, async () => {
      if (start > remote.size) return { gap: remote.size };
      const fresh = bytes.subarray(remote.size - start);
      if (fresh.length > 0) {
        if (remote.masker) remote.masker.push(fresh);
        else remote.log.write(fresh);
        remote.size += fresh.length;
      }
      // A log that could not be written has aborted the build (log_unwritable); the agent's ranges are
      // still taken, so that it can report the end.
      await remote.log.flush();
      return { size: remote.size };
    });
  }

  /**
   * The agent's report that the build ended, accepted only when the server has the whole log (`size`
   * bytes), so a reader who sees the build completed sees its whole log too.
   */
  finish(
    jobId: number,
    number: number,
    token: string,
    report: { result: Result; interruption: Interruption | null; size: number },
  ): Promise<{ done: true } | { gap: number } | LeaseRefusal> {
    const remote = this.holder(jobId, number, token);
    if ('refused' in remote) return Promise.resolve(remote);
    return this.inTurn(remote, async () => {
      if (report.size !== remote.size) return { gap: remote.size };
      const interruption = remote.control.interruption ?? report.interruption;
      remote.finish({ result: interruption ? 'ABORTED' : report.result, interruption });
      return { done: true as const };
    });
  }

  /** How long a lease lasts without renewal. */
  get leaseMs(): number {
    return this.options.leaseMs ?? LEASE_MS;
  }

  private tokenOf(build: Build): Buffer {
    return createHmac('sha256', this.options.leaseKey).update(`${build.jobId}:${build.number}:${build.startedAt}:${build.node}`).digest();
  }

  /** Runs `work` after the build's earlier log requests; a build that ended meanwhile is refused as unknown. */
  private inTurn<T>(remote: RemoteBuild, work: () => Promise<T>): Promise<T | LeaseRefusal> {
    const next = remote.turn.then<T | LeaseRefusal>(() => (this.builds.get(key(remote.job.id, remote.build.number)) === remote ? work() : { refused: 'unknown' }));
    remote.turn = next.catch(() => {});
    return next;
  }

  private holder(jobId: number, number: number, token: string): RemoteBuild | LeaseRefusal {
    const remote = this.builds.get(key(jobId, number));
    if (!remote) return { refused: 'unknown' };
    if (!this.leaseMatches(remote.build, token)) return { refused: 'stale' };
    return remote;
  }

  /** Pushes the lease's end out; when it passes, the agent is taken for lost and the build ends. */
  private extend(remote: RemoteBuild): void {
    remote.lastContact = this.now();
    clearTimeout(remote.expiry);
    remote.expiry = setTimeout(() => this.lose(remote, { kind: 'agent_lost', node: remote.build.node, silentMs: this.now() - remote.lastContact }), this.leaseMs);
    remote.expiry.unref();
  }

  private lose(remote: RemoteBuild, interruption: Interruption): void {
    remote.control.stop(interruption, 'kill');
    remote.masker?.end();
    remote.log.write(`\n${describeInterruption(interruption)}\nFinished: ABORTED\n`);
    this.options.log.warn({ job: remote.job.fullName, build: remote.build.number, node: remote.build.node, reason: interruption.kind }, 'lost the agent of a build: aborted');
    remote.finish({ result: 'ABORTED', interruption });
  }

  /**
   * Forgets a build: its lease, its log writer, and the agent's waiting long polls (answered with no
   * stop). Resolves once the log's writer stored the rest and closed.
   */
  private drop(remote: RemoteBuild): Promise<void> {
    clearTimeout(remote.expiry);
    this.builds.delete(key(remote.job.id, remote.build.number));
    this.tellWatchers(remote);
    remote.masker?.end();
    return remote.log.close();
  }

  private tellWatchers(remote: RemoteBuild): void {
    for (const watcher of [...remote.watchers]) watcher();
  }

  private now(): number {
    return (this.options.now ?? Date.now)();
  }
}

/** A build whose log could not all be stored ends ABORTED with that reason, unless it was stopped for another. */
function withLogFailure(outcome: RunOutcome, remote: RemoteBuild): RunOutcome {
  const failure = remote.log.failure;
  if (!failure || outcome.interruption) return outcome;
  return { result: 'ABORTED', interruption: remote.control.interruption ?? { kind: 'log_unwritable', problem: failure.message } };
}

function key(jobId: number, number: number): string {
  return `${jobId}#${number}`;
}
