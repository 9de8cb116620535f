import { EventEmitter } from 'node:events';
import type { Logger } from 'pino';
import type { Build, Interruption } from '../core/build.js';
import { isStorageOutage, storageOutageWords } from '../core/errors.js';
import type { Job } from '../core/item.js';
import { type AgentNode, agentLabels, BUILT_IN_LABELS, BUILT_IN_NODE, isNodeOnline } from '../core/node.js';
import type { QueueItem } from '../core/queue-item.js';
import type { Store, WaitingCounts } from '../store/types.js';
import { BuildControl, type BuildRunner, type RemoteBuildRunner, type RunOutcome, type StopMode } from './runner.js';
import { type NodeCapacity, waitingReason, type WaitingReasons } from './waiting-reason.js';

interface RunningBuild {
  readonly job: Job;
  readonly build: Build;
  /** `built-in` or an agent's name; `executor` is the slot on that node. */
  readonly node: string;
  readonly executor: number;
  readonly control: BuildControl;
  done: Promise<void>;
}

export interface SchedulerOptions {
  readonly store: Store;
  /** Runs the built-in node's builds. */
  readonly runner: BuildRunner;
  /** Runs builds on agents: they claim them (`claimFor`) and report back through it. */
  readonly remoteRunner?: RemoteBuildRunner;
  /** The built-in node's executors (0: builds run only on agents). */
  readonly executors: number;
  /** Whether a job may run on a node with these labels (its label expression); by default, any job anywhere. */
  readonly canRun?: (job: Job, labels: ReadonlySet<string>) => boolean;
  readonly log: Logger;
  readonly now?: () => number;
  /** Called after a build's result is recorded (build retention hooks in here). */
  readonly onFinished?: (job: Job, build: Build) => Promise<void>;
  /** Frees the disk space kept in reserve for recording results on a full disk; true when it freed some. */
  readonly releaseDiskReserve?: () => Promise<boolean>;
  /**
   * This Steward server's name among the servers of its database: the builds it starts name it, it
   * renews their leases, and it applies the stops asked for them through other servers.
   */
  readonly server?: string;
  /** How long a built-in build's lease holds unless renewed; it is renewed every third of that. */
  readonly leaseMs?: number;
}

/**
 * An agent's claim for work, waiting (a long poll) until due work it may run appears. The scheduler
 * starts builds for it on the free slots it named, through the same path as the built-in node's, and
 * hands them over once, with `deliver`; a claim withdrawn first gets nothing.
 */
export interface AgentClaim {
  readonly node: string;
  readonly labels: ReadonlySet<string>;
  /** The agent's free executor slots. */
  readonly slots: readonly number[];
  readonly deliver: (builds: ReadonlyArray<{ job: Job; build: Build }>) => void;
}

/** What one executor slot is doing. */
export interface ExecutorState {
  readonly number: number;
  readonly build: { readonly job: Job; readonly build: Build } | null;
}

const MAX_TIMER_MS = 2 ** 31 - 1;
/** The server name of a scheduler that was given none (one server, tests). */
export const DEFAULT_SERVER = 'steward';
export const DEFAULT_LEASE_MS = 30_000;
const anywhere = (): boolean => true;
/**
 * How long the scheduler waits before trying again when the storage could not take a build's start or
 * result, or answer the claim: the disk is full, or the database is out of reach.
 */
const DISK_RETRY_MS = 5_000;

/** What the scheduler tells listeners: a queue item (that entered the queue at `queuedAt`) became a build, a build finished. */
export interface SchedulerEvents {
  started: [build: Build, queuedAt: number];
  finished: [build: Build];
}

/**
 * Starts queued builds on a fixed pool of executors. A trigger or a finishing build wakes it, and it
 * starts every item that is due, not blocked by a running build of the same job (unless the job
 * allows concurrent builds) and has a free executor, at once: there is no polling interval. Items in
 * their quiet period are picked up by a timer set for the earliest due time.
 */
export class Scheduler {
  /** Builds starting and finishing, for whoever waits on them (a trigger with `wait=`). */
  readonly events = new EventEmitter<SchedulerEvents>();
  private readonly running = new Map<string, RunningBuild>();
  private readonly free: number[];
  private readonly now: () => number;
  private dispatching = false;
  private again = false;
  private wakeQueued = false;
  private timer: NodeJS.Timeout | null = null;
  private stopped = false;
  /** Builds being started: their start is committed (readers see them) but maybe not yet synced. */
  private starting = 0;
  /** Stops asked for builds whose start is committed but not yet registered here; applied once they are. */
  private readonly stopsBeforeStart = new Map<string, { interruption: Interruption; mode: StopMode }>();
  /** Agents waiting for work, oldest first. */
  private readonly claims: AgentClaim[] = [];
  /** Stops asked through other servers that were applied here already (they stay recorded until the build ends). */
  private readonly appliedStops = new Map<string, StopMode>();
  private readonly timers: NodeJS.Timeout[] = [];
  private readonly unlisten: Array<() => void> = [];
  readonly server: string;
  private readonly leaseMs: number;

  constructor(private readonly options: SchedulerOptions) {
    // Every trigger that waits for its build listens for a moment; there is no sensible maximum.
    this.events.setMaxListeners(0);
    this.free = Array.from({ length: options.executors }, (_, index) => index);
    this.now = options.now ?? Date.now;
    this.server = options.server ?? DEFAULT_SERVER;
    this.leaseMs = options.leaseMs ?? DEFAULT_LEASE_MS;
  }

  /**
   * Starts listening to the other servers of the database: queued work and finished builds wake a
   * dispatch pass, stops asked for builds running here are applied; and the leases of the built-in
   * node's builds are renewed. Where signals can be lost, the queue and the stops are also looked at
   * every `pollMs`. Call once, after `adoptRunning`.
   */
  listen(): void {
    const { signals } = this.options.store;
    this.unlisten.push(
      signals.on('queue', () => this.wake()),
      signals.on('builds', () => this.wake()),
      signals.on('stops', () => void this.applyStopRequests()),
    );
    const every = (ms: number, task: () => void) => {
      const timer = setInterval(task, ms);
      timer.unref();
      this.timers.push(timer);
    };
    every(this.leaseMs / 3, () => void this.renewLeases());
    if (signals.pollMs !== null) {
      every(signals.pollMs, () => {
        this.wake();
        void this.applyStopRequests();
      });
    }
  }

  get executorCount(): number {
    return this.options.executors;
  }

  /** Asks for a dispatch pass soon; many wakes in one turn of the event loop make one pass. */
  wake(): void {
    if (this.wakeQueued || this.stopped) return;
    this.wakeQueued = true;
    setImmediate(() => {
      this.wakeQueued = false;
      void this.dispatch();
    });
  }

  /**
   * Why waiting items have not started, as things stand now: reads the agents and the running builds
   * once, then answers for any number of items without I/O. A page or an API answer takes one and asks it for each item it
   * shows. The nodes are matched with the same `canRun` and labels as the claims.
   */
  async waitingReasons(): Promise<WaitingReasons> {
    // The running builds of every server (few: one per busy executor): a job may run, and an agent
    // may be busy, with a build another server holds.
    const [agents, running] = await Promise.all([this.options.store.nodes.list(), this.options.store.builds.listRunning()]);
    const now = this.now();
    const runningBuild = new Map<number, number>();
    const busy = new Map<string, number>();
    for (const { build } of running) {
      if (!runningBuild.has(build.jobId)) runningBuild.set(build.jobId, build.number);
      busy.set(build.node, (busy.get(build.node) ?? 0) + 1);
    }
    const nodes: NodeCapacity[] = [];
    if (this.options.executors > 0) {
      // This server's built-in executors: the item would start on them as soon as one is free.
      nodes.push({ name: BUILT_IN_NODE, labels: BUILT_IN_LABELS, executors: this.options.executors, busy: this.options.executors - this.free.length, offline: null });
    }
    for (const agent of agents) nodes.push(agentCapacity(agent, busy.get(agent.name) ?? 0, now));
    const situation = { now, nodes, runningBuildOf: (jobId: number) => runningBuild.get(jobId) ?? null, canRun: this.options.canRun ?? anywhere };
    return (item, job) => waitingReason(item, job, situation);
  }

  /**
   * How many items wait, by why: a job is blocking when it runs a build and does not allow concurrent
   * ones. Items no node can run now (stuck) count as buildable, as Jenkins counts them: telling them
   * apart would mean reading every waiting item's job.
   */
  waitingCounts(): Promise<WaitingCounts> {
    return this.options.store.queue.waitingCounts(this.now(), [...this.blockingJobs()]);
  }

  /** Executors running a build now. */
  get busyExecutors(): number {
    return this.running.size;
  }

  executors(): ExecutorState[] {
    const byExecutor = new Map([...this.running.values()].filter((running) => running.node === BUILT_IN_NODE).map((running) => [running.executor, running]));
    return Array.from({ length: this.options.executors }, (_, number) => {
      const running = byExecutor.get(number);
      return { number, build: running ? { job: running.job, build: running.build } : null };
    });
  }

  /**
   * Registers an agent's claim: it is served by the next dispatch pass that finds due work it may
   * run. Returns a function that withdraws the claim (the long poll ended) if it is still waiting.
   */
  claimFor(claim: AgentClaim): () => void {
    this.claims.push(claim);
    this.wake();
    return () => {
      const index = this.claims.indexOf(claim);
      if (index >= 0) this.claims.splice(index, 1);
    };
  }

  /**
   * The builds running on each node (`built-in` or an agent's name), whichever server holds them:
   * read from the store (few rows: one per busy executor), with their jobs.
   */
  async runningByNode(): Promise<Map<string, Array<{ job: Job; build: Build }>>> {
    const byNode = new Map<string, Array<{ job: Job; build: Build }>>();
    for (const { build } of await this.options.store.builds.listRunning()) {
      const job = this.running.get(key(build.jobId, build.number))?.job ?? (await this.options.store.items.get(build.jobId));
      if (job?.kind !== 'job') continue;
      byNode.set(build.node, [...(byNode.get(build.node) ?? []), { job, build }]);
    }
    return byNode;
  }

  /** Whether a build of the job is running here. */
  isBuilding(jobId: number): boolean {
    return this.runningOf(jobId).length > 0;
  }

  /**
   * Asks a running build to stop: at once when it runs here, else through the store for the server
   * that runs it. Resolves false when the build is not running anywhere.
   */
  async stopBuild(jobId: number, number: number, interruption: Interruption, mode: StopMode): Promise<boolean> {
    const running = this.running.get(key(jobId, number));
    if (running) {
      running.control.stop(interruption, mode);
      return true;
    }
    // Readers see a start as soon as it is committed, while its commit is still being synced and
    // before the build is registered here: a stop for it then waits for it.
    if (this.starting > 0) {
      this.stopsBeforeStart.set(key(jobId, number), { interruption, mode });
      return true;
    }
    const asked = await this.options.store.builds.requestStop({ jobId, number, interruption, mode });
    if (asked) this.options.store.signals.notify('stops');
    return asked;
  }

  /** Stops every running build of a job and waits until they have ended. */
  async stopJob(jobId: number, interruption: Interruption): Promise<void> {
    const builds = this.runningOf(jobId);
    for (const running of builds) running.control.stop(interruption, 'kill');
    await Promise.all(builds.map((running) => running.done));
  }

  /**
   * Takes back the builds that were running on agents when the server last stopped (the store still
   * has them running): they go on under their leases as if the server had never gone. Call once at
   * start, after the built-in node's interrupted builds were aborted, before the first dispatch.
   */
  async adoptRunning(): Promise<Array<{ job: Job; build: Build }>> {
    const adopted: Array<{ job: Job; build: Build }> = [];
    for (const { build, server } of await this.options.store.builds.listRunning()) {
      // Another server's agent builds are that server's to follow.
      if (build.node === BUILT_IN_NODE || (server !== this.server && server !== null && server !== undefined)) continue;
      const job = await this.options.store.items.get(build.jobId);
      if (job?.kind !== 'job') continue;
      this.register(job, build);
      adopted.push({ job, build });
    }
    return adopted;
  }

  /**
   * Holds a build of an agent whose report reached this server although another server started it:
   * when that server's lease ran out (it died, or lost the database), the build moves here and goes
   * on, adopted as after a restart. Answers `held` when this server holds the build (now or already),
   * the server that holds it while its lease runs, or `gone` when the build is not running.
   */
  async takeOver(jobId: number, number: number): Promise<'held' | 'gone' | { heldBy: string | null }> {
    if (this.running.has(key(jobId, number))) return 'held';
    const now = this.now();
    const outcome = await this.options.store.builds.takeOver({ jobId, number, server: this.server, leaseUntil: now + this.leaseMs, now });
    if (outcome === null) return 'gone';
    if ('heldBy' in outcome) return { heldBy: outcome.heldBy };
    if (this.running.has(key(jobId, number))) return 'held';
    const job = await this.options.store.items.get(jobId);
    if (job?.kind !== 'job') return 'gone';
    this.options.log.warn({ job: job.fullName, build: number, node: outcome.taken.node }, 'took over a build of an agent whose server stopped renewing its lease');
    this.register(job, outcome.taken);
    return 'held';
  }

  /**
   * Stops dispatching and aborts every build on the built-in node, waiting until each has recorded its
   * result. Builds on agents are let go, still running: the next start adopts them.
   */
  async shutdown(interruption: Interruption = { kind: 'shutdown' }): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    for (const timer of this.timers) clearInterval(timer);
    for (const stop of this.unlisten) stop();
    this.options.remoteRunner?.detach();
    const builds = [...this.running.values()].filter((running) => running.node === BUILT_IN_NODE);
    for (const running of builds) running.control.stop(interruption, 'term');
    await Promise.all(builds.map((running) => running.done));
  }

  private runningOf(jobId: number): RunningBuild[] {
    return [...this.running.values()].filter((running) => running.job.id === jobId);
  }

  private async dispatch(): Promise<void> {
    if (this.dispatching) {
      this.again = true;
      return;
    }
    this.dispatching = true;
    try {
      do {
        this.again = false;
        await this.dispatchOnce();
      } while (this.again && !this.stopped);
    } catch (error) {
      if (isStorageOutage(error)) {
        // Due items stay waiting; look again later rather than only at the next trigger.
        this.options.log.warn({ err: error }, `${storageOutageWords(error)}: the queue is looked at again in ${DISK_RETRY_MS / 1000} s`);
        this.armTimer(this.now() + DISK_RETRY_MS, this.now());
      } else {
        this.options.log.error({ err: error }, 'dispatching the queue failed');
      }
    } finally {
      this.dispatching = false;
    }
  }

  /**
   * One pass: the built-in node's free executors, then each waiting agent's claim, in turn claim due
   * items through the store's index in batches no larger than their free slots, skipping jobs that
   * cannot start another build now (a running build of a job that does not allow concurrent builds)
   * and jobs whose label expression the node does not match; then the timer is set for the next due
   * item. A pass reads about as many items as it starts, plus one per job skipped, however many wait.
   */
  private async dispatchOnce(): Promise<void> {
    if (this.stopped) return;
    const now = this.now();
    const excluded = this.blockingJobs();
    const builtIn = await this.claimDue(now, BUILT_IN_LABELS, this.free.length, excluded);
    const planned = builtIn.map(({ item, job }) => ({ item, job, node: BUILT_IN_NODE, executor: this.free.shift() as number }));
    const served: Array<{ claim: AgentClaim; starts: typeof planned }> = [];
    for (const claim of [...this.claims]) {
      const due = await this.claimDue(now, claim.labels, claim.slots.length, excluded);
      if (due.length === 0) continue;
      this.claims.splice(this.claims.indexOf(claim), 1);
      served.push({ claim, starts: due.map(({ item, job }, index) => ({ item, job, node: claim.node, executor: claim.slots[index] as number })) });
    }
    this.armTimer(await this.options.store.queue.nextDueAfter(now), now);
    await Promise.all([
      ...planned.map((plan) => this.start(plan.item, plan.job, plan.node, plan.executor)),
      ...served.map(async ({ claim, starts }) => {
        const builds = await Promise.all(starts.map((plan) => this.start(plan.item, plan.job, plan.node, plan.executor)));
        claim.deliver(builds.filter((started): started is { job: Job; build: Build } => started !== null));
      }),
    ]);
  }

  /**
   * Up to `limit` due items a node with these labels may start now, in due order. Jobs taken here are
   * added to `excluded` unless they allow concurrent builds; jobs the node may not run are skipped for
   * this node only.
   */
  private async claimDue(now: number, labels: ReadonlySet<string>, limit: number, excluded: Set<number>): Promise<Array<{ item: QueueItem; job: Job }>> {
    const taken: Array<{ item: QueueItem; job: Job }> = [];
    const elsewhere = new Set<number>();
    let after: { dueAt: number; id: number } | null = null;
    while (taken.length < limit) {
      const due = await this.options.store.queue.listDue(now, [...excluded, ...elsewhere], limit - taken.length, after);
      for (const item of due) {
        after = { dueAt: item.dueAt, id: item.id };
        if (taken.length === limit || excluded.has(item.jobId) || elsewhere.has(item.jobId)) continue;
        const found = await this.options.store.items.get(item.jobId);
        if (found?.kind !== 'job') {
          excluded.add(item.jobId);
          continue;
        }
        if (!(this.options.canRun ?? anywhere)(found, labels)) {
          elsewhere.add(found.id);
          continue;
        }
        if (!found.settings.concurrentBuild) excluded.add(found.id);
        taken.push({ item, job: found });
      }
      if (due.length === 0) break;
    }
    return taken;
  }

  /** Jobs that cannot start another build now: they run one and do not allow concurrent builds. */
  private blockingJobs(): Set<number> {
    const blocking = new Set<number>();
    for (const running of this.running.values()) if (!running.job.settings.concurrentBuild) blocking.add(running.job.id);
    return blocking;
  }

  private armTimer(nextDue: number | null, now: number): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (nextDue === null) return;
    this.timer = setTimeout(() => this.wake(), Math.min(MAX_TIMER_MS, Math.max(0, nextDue - now)));
    this.timer.unref();
  }

  private async start(item: QueueItem, job: Job, node: string, executor: number): Promise<{ job: Job; build: Build } | null> {
    this.starting += 1;
    try {
      const build = await this.begin(item, job, node, executor);
      return build ? { job, build } : null;
    } finally {
      this.starting -= 1;
      if (this.starting === 0) this.stopsBeforeStart.clear();
    }
  }

  private async begin(item: QueueItem, job: Job, node: string, executor: number): Promise<Build | null> {
    let build: Build | null = null;
    try {
      const startedAt = this.now();
      build = await this.options.store.builds.start({
        queueId: item.id,
        node,
        executor,
        startedAt,
        server: this.server,
        exclusive: !job.settings.concurrentBuild,
        leaseUntil: startedAt + this.leaseMs,
      });
    } catch (error) {
      if (isStorageOutage(error)) {
        // The item stays waiting; trying again at once would only spin while the outage lasts.
        this.options.log.warn({ queueId: item.id, err: error }, `${storageOutageWords(error)}: queued builds start again in ${DISK_RETRY_MS / 1000} s`);
        this.release(node, executor, false);
        this.armTimer(this.now() + DISK_RETRY_MS, this.now());
        return null;
      }
      this.options.log.error({ err: error, queueId: item.id }, 'could not start a queued build');
    }
    if (!build) {
      this.release(node, executor);
      return null;
    }
    const running = this.register(job, build);
    const early = this.stopsBeforeStart.get(key(job.id, build.number));
    if (early) running.control.stop(early.interruption, early.mode);
    this.events.emit('started', build, item.queuedAt);
    this.options.store.signals.notify('builds');
    return build;
  }

  /** Holds a running build (just started, or adopted at start) and has its node's runner run it to its end. */
  private register(job: Job, build: Build): RunningBuild {
    const control = new BuildControl((processGroup) => {
      this.options.store.builds.setProcess(job.id, build.number, processGroup).catch((error: unknown) => {
        this.options.log.warn({ err: error }, 'could not record the process group of a build');
      });
    });
    const running: RunningBuild = { job, build, node: build.node, executor: build.executor, control, done: Promise.resolve() };
    this.running.set(key(job.id, build.number), running);
    running.done = this.execute(running);
    return running;
  }

  private async execute(running: RunningBuild): Promise<void> {
    const { job, build, control } = running;
    const log = this.options.log.child({ job: job.fullName, build: build.number });
    log.info('build started');
    const { timeoutMs } = job.settings;
    // From the build's start: an adopted build has used part of its time already.
    const timeout = timeoutMs === null ? null : setTimeout(() => control.stop({ kind: 'timeout', timeoutMs }, 'term'), Math.max(0, build.startedAt + timeoutMs - this.now()));
    let outcome: RunOutcome;
    try {
      outcome = await this.runnerFor(running.node).run(job, build, control);
    } catch (error) {
      log.error({ err: error }, 'the runner failed');
      outcome = { result: control.interruption ? 'ABORTED' : 'FAILURE', interruption: control.interruption };
    } finally {
      if (timeout) clearTimeout(timeout);
    }
    const recorded = await this.recordResult(running, outcome, log);
    // Still running: another server took the build over, and records its result.
    const finished = recorded?.state === 'completed' ? recorded : null;
    this.running.delete(key(job.id, build.number));
    this.appliedStops.delete(key(job.id, build.number));
    this.release(running.node, running.executor);
    if (finished) {
      this.events.emit('finished', finished);
      this.options.store.signals.notify('builds');
    }
    if (finished && this.options.onFinished) {
      await this.options.onFinished(job, finished).catch((error: unknown) => log.warn({ err: error }, 'after-build housekeeping failed'));
    }
  }

  /**
   * Records a finished build's result. While the disk is full or the database out of reach it keeps
   * trying (the build still shows as running, and holds its executor), so that a result is not lost
   * to the outage; at shutdown it gives up, and the next start's recovery aborts the build.
   */
  private async recordResult(running: RunningBuild, outcome: RunOutcome, log: Logger): Promise<Build | null> {
    const { job, build } = running;
    const durationMs = Math.max(1, this.now() - build.startedAt);
    for (;;) {
      try {
        const finished = await this.options.store.builds.finish(job.id, build.number, { result: outcome.result, durationMs, interruption: outcome.interruption, server: this.server });
        if (finished.state === 'completed') log.info({ result: finished.result }, 'build finished');
        return finished;
      } catch (error) {
        if (!isStorageOutage(error)) {
          log.warn({ err: error }, 'could not record the result of a build (was its job deleted?)');
          return null;
        }
        if (this.stopped) {
          // Shutting down: the next start finds the build running and aborts it, saying so.
          log.warn({ err: error }, `${storageOutageWords(error)}: the result of this build could not be recorded before shutting down`);
          return null;
        }
        if (error.code === 'disk_full' && (await this.options.releaseDiskReserve?.())) {
          log.warn('the disk is full: gave up the disk reserve to record the result of this build');
          continue;
        }
        log.warn({ err: error }, `${storageOutageWords(error)}: recording the result of this build again in ${DISK_RETRY_MS / 1000} s`);
        await new Promise((resolve) => setTimeout(resolve, DISK_RETRY_MS));
      }
    }
  }

  /**
   * Renews the leases of the builds this server holds (its executors' and its agents'). A build the
   * store no longer has running here was finished by another server (its lease had expired: this
   * server was cut off from the database for longer than the lease), and its recorded result stands,
   * or deleted with its job through another server: either way it is stopped. An agent's build that
   * another server took over meanwhile is let go here, still running. Called by `listen` every third of the lease, and once at start by main.ts, before
   * any lease is reaped.
   */
  async renewLeases(): Promise<void> {
    const mine = [...this.running.values()];
    if (mine.length === 0) return;
    let renewed: Array<{ jobId: number; number: number }>;
    try {
      renewed = await this.options.store.builds.renewLeases(this.server, this.now() + this.leaseMs);
    } catch (error) {
      this.options.log.warn({ err: error }, 'could not renew the leases of the running builds; trying again soon');
      return;
    }
    const held = new Set(renewed.map((build) => key(build.jobId, build.number)));
    for (const running of mine) {
      if (held.has(key(running.job.id, running.build.number))) continue;
      // Not renewed: finished elsewhere, deleted (its job was, through another server), just finished
      // here, or started before servers were named.
      let recorded: Build | null;
      try {
        recorded = await this.options.store.builds.get(running.job.id, running.build.number);
      } catch {
        continue;
      }
      if (!this.running.has(key(running.job.id, running.build.number))) continue;
      if (recorded === null) {
        this.options.log.warn({ job: running.job.fullName, build: running.build.number }, 'this build was deleted through another server; stopping it here');
        running.control.stop({ kind: 'deleted' }, 'kill');
      } else if (recorded.state === 'completed') {
        this.options.log.warn({ job: running.job.fullName, build: running.build.number }, 'another server aborted this build after its lease expired; stopping it here');
        running.control.stop(recorded.interruption ?? { kind: 'server_lost', server: this.server, silentMs: this.leaseMs }, 'kill');
      } else if (running.node !== BUILT_IN_NODE && (await this.heldElsewhere(running))) {
        this.options.remoteRunner?.release(running.job.id, running.build.number);
      }
    }
  }

  /** Whether another server holds this running build now (it took the agent's build over). */
  private async heldElsewhere(running: RunningBuild): Promise<boolean> {
    try {
      const record = (await this.options.store.builds.listRunning()).find((each) => each.build.jobId === running.job.id && each.build.number === running.build.number);
      return record?.server !== undefined && record.server !== null && record.server !== this.server;
    } catch {
      return false;
    }
  }

  /** Applies the stops asked through other servers for builds running here. */
  private async applyStopRequests(): Promise<void> {
    if (this.running.size === 0) return;
    let requests;
    try {
      requests = await this.options.store.builds.stopRequests(this.server);
    } catch (error) {
      this.options.log.warn({ err: error }, 'could not read the stops asked through other servers; trying again soon');
      return;
    }
    for (const request of requests) {
      const id = key(request.jobId, request.number);
      const running = this.running.get(id);
      if (!running || this.appliedStops.get(id) === request.mode) continue;
      this.appliedStops.set(id, request.mode);
      running.control.stop(request.interruption, request.mode);
    }
  }

  private runnerFor(node: string): Pick<BuildRunner, 'run'> {
    if (node === BUILT_IN_NODE) return this.options.runner;
    if (!this.options.remoteRunner) throw new Error(`no runner for builds on agents (node ${node})`);
    return this.options.remoteRunner;
  }

  /** An agent's slots are its own to free; the built-in node's come back to the pool. */
  private release(node: string, executor: number, wake = true): void {
    if (node === BUILT_IN_NODE) {
      this.free.push(executor);
      this.free.sort((a, b) => a - b);
    }
    if (wake) this.wake();
  }
}

function agentCapacity(agent: AgentNode, busy: number, now: number): NodeCapacity {
  const offline = isNodeOnline(agent, now) ? null : { name: agent.name, lastSeenAt: agent.lastSeenAt, offlineMessage: agent.offlineMessage };
  return { name: agent.name, labels: agentLabels(agent), executors: agent.executors, busy, offline };
}

function key(jobId: number, number: number): string {
  return `${jobId}#${number}`;
}
