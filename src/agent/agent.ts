import { createHash } from 'node:crypto';
import { open, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from 'pino';
import type { Interruption, Result } from '../core/build.js';
import { type BuildSource, NO_PREVIOUS_REVISIONS } from '../core/revision.js';
import { killProcessesWithCookie } from '../executor/orphans.js';
import { ShellRunner } from '../executor/shell-runner.js';
import { Workspaces } from '../executor/workspaces.js';
import { LogFiles } from '../logs/log-files.js';
import { BuildControl, type RunOutcome } from '../queue/runner.js';
import type { StopRequest } from '../remote/remote-runner.js';
import type { Assignment } from '../remote/assignment.js';

export interface AgentOptions {
  /** The server's URL, ending in `/`. */
  readonly url: string;
  readonly name: string;
  readonly secret: string;
  readonly workDir: string;
  readonly executors: number;
  readonly log: Logger;
  readonly signal: AbortSignal;
}

/** How often the log is sent while a build runs, and the most sent at once. */
const UPLOAD_EVERY_MS = 250;
const UPLOAD_MAX_BYTES = 1024 * 1024;
/** Waits between attempts when the server cannot be reached: doubling up to a ceiling. */
const RETRY_FIRST_MS = 500;
const RETRY_MAX_MS = 15_000;
/**
 * How often a report that reached a server other than the build's is sent again at once (through a
 * load balancer without affinity, each try may reach another server), before it waits for its next turn.
 */
const HELD_ELSEWHERE_TRIES = 8;
/** How long a stopping agent keeps trying to report its stopped builds before it exits anyway. */
const STOP_REPORT_GRACE_MS = 15_000;

/**
 * `steward agent`: claims builds from the server for its free executors (a long poll), runs each with
 * the same shell runner as the built-in node, in workspaces under its work directory, and reports back:
 * the console log in byte ranges as it grows, lease renewals (which carry stop requests), and the
 * result once the server holds the whole log. The local log is the source of truth, so a report lost
 * on the way is sent again from what the server says it has.
 */
export async function runAgent(options: AgentOptions): Promise<void> {
  const logs = new LogFiles(join(options.workDir, 'logs'));
  const workspaces = new Workspaces(join(options.workDir, 'workspace'));
  // The same for every run of this agent on this work directory, so a restarted agent finds what its
  // previous run's builds left running.
  const cookiePrefix = createHash('sha256').update(`${options.name}\0${options.workDir}`).digest('hex').slice(0, 12);
  await reapLeftovers(logs, cookiePrefix, options.log);
  const free = Array.from({ length: options.executors }, (_, slot) => slot);
  /** The builds this agent runs, as the server names them: every claim says so. */
  const running = new Map<Promise<void>, { job: number; number: number }>();
  let retryMs = RETRY_FIRST_MS;
  while (!options.signal.aborted) {
    if (free.length === 0) {
      await Promise.race(running.keys());
      continue;
    }
    let assignments: Assignment[];
    try {
      assignments = await claim(options, free, [...running.values()]);
      retryMs = RETRY_FIRST_MS;
    } catch (error) {
      if (options.signal.aborted) break;
      options.log.warn({ err: error instanceof Error ? error.message : String(error) }, `could not reach the server; trying again in ${retryMs} ms`);
      await sleep(retryMs, options.signal);
      retryMs = Math.min(RETRY_MAX_MS, retryMs * 2);
      continue;
    }
    for (const assignment of assignments) {
      free.splice(free.indexOf(assignment.build.executor), 1);
      const done = runBuild(options, assignment, logs, workspaces, cookiePrefix).finally(() => {
        free.push(assignment.build.executor);
        running.delete(done);
      });
      running.set(done, { job: assignment.build.jobId, number: assignment.build.number });
    }
  }
  await Promise.all(running.keys());
}

const warned = new WeakSet<AgentOptions>();

/** Says once that the server gives this node fewer executors than the agent was started with. */
function warnOfFewerExecutors(options: AgentOptions, onServer: number): void {
  if (onServer >= options.executors || warned.has(options)) return;
  warned.add(options);
  options.log.warn(`this agent was started with --executors ${options.executors}, but node ${options.name} has ${onServer} on the server: it runs at most ${onServer} build(s) at once (the node's executors are set on the server: its config.xml, or the configuration file)`);
}

/**
 * Builds an earlier run of this agent did not finish (it was killed) left their logs in flight behind,
 * and maybe processes: those are killed, the logs removed. The server has ended those builds, or will
 * at the first claim, which names none of them.
 */
async function reapLeftovers(logs: LogFiles, cookiePrefix: string, log: Logger): Promise<void> {
  for (const job of await readdir(logs.root).catch(() => [] as string[])) {
    for (const number of await readdir(join(logs.root, job)).catch(() => [] as string[])) {
      const killed = await killProcessesWithCookie(`${cookiePrefix}-${job}-${number}`);
      if (killed.length > 0) log.warn({ job, build: number, pids: killed }, 'killed what a build of an earlier run of this agent left running');
    }
    await rm(join(logs.root, job), { recursive: true, force: true });
  }
}

async function claim(options: AgentOptions, slots: readonly number[], holding: ReadonlyArray<{ job: number; number: number }>): Promise<Assignment[]> {
  const response = await request(options, 'claim', { method: 'POST', body: JSON.stringify({ slots, holding }) }, options.signal);
  warnOfFewerExecutors(options, Number(response.headers.get('x-steward-executors') ?? options.executors));
  if (response.status === 204) return [];
  if (response.status !== 200) throw new Error(await problem(response));
  return ((await response.json()) as { assignments: Assignment[] }).assignments;
}

/** Runs one claimed build to its end and reports it; never rejects. */
async function runBuild(options: AgentOptions, assignment: Assignment, logs: LogFiles, workspaces: Workspaces, cookiePrefix: string): Promise<void> {
  const { job, build } = assignment;
  const log = options.log.child({ job: job.fullName, build: build.number });
  const base = `builds/${job.id}/${build.number}`;
  const control = new BuildControl();
  const reporter = new Reporter(options, base, assignment.lease, logs.path(job.id, build.number), control);
  log.info('build claimed');
  // Told to stop (SIGTERM): the build ends ABORTED saying so, and the server hears it, instead of
  // waiting for the lease to run out.
  const stopBuild = () => control.stop({ kind: 'agent_stopped', node: options.name }, 'term');
  options.signal.addEventListener('abort', stopBuild, { once: true });
  const runner = new ShellRunner({
    logs,
    workspaces,
    buildUser: null,
    globalEnvironment: assignment.environment,
    unseal: (sealed) => assignment.secrets[sealed] ?? null,
    rootUrl: () => assignment.rootUrl,
    cookiePrefix,
    killGraceMs: 10_000,
    log: options.log,
    nodeLabels: assignment.nodeLabels,
    credentials: async () => new Map((assignment.credentials ?? []).map((credential) => [credential.id, credential])),
    previousRevisions: async () => assignment.previousRevisions ?? NO_PREVIOUS_REVISIONS,
    recordSource: (_job, _build, source) => reporter.source(source),
  });
  const renewing = setInterval(() => void reporter.renew(), assignment.renewEveryMs);
  const uploading = setInterval(() => void reporter.upload(), UPLOAD_EVERY_MS);
  void reporter.watch();
  let outcome: RunOutcome;
  try {
    outcome = await runner.run(job, build, control);
  } finally {
    clearInterval(renewing);
    clearInterval(uploading);
    options.signal.removeEventListener('abort', stopBuild);
  }
  await reporter.finish(outcome);
  reporter.close();
  await rm(join(logs.path(job.id, build.number), '..'), { recursive: true, force: true });
  log.info({ result: outcome.result }, 'build reported');
}

/** Tells the server about one build: its log, its lease, its end; and hears of stop requests. */
class Reporter {
  private sent = 0;
  private lost = false;
  private warnedElsewhere = false;
  private closed = false;
  private uploading: Promise<void> | null = null;
  /** Ends the reporter's requests: when the build is reported, or when a stopping agent gives up on the server. */
  private readonly requests = new AbortController();

  constructor(
    private readonly options: AgentOptions,
    private readonly base: string,
    private readonly lease: string,
    private readonly logPath: string,
    private readonly control: BuildControl,
  ) {
    if (options.signal.aborted) this.giveUpLater();
    else options.signal.addEventListener('abort', this.giveUpLater, { once: true });
  }

  private readonly giveUpLater = (): void => {
    setTimeout(() => this.requests.abort(), STOP_REPORT_GRACE_MS).unref();
  };

  async renew(): Promise<void> {
    const response = await this.send(`${this.base}/lease`, { method: 'POST', body: JSON.stringify({}) });
    if (response?.ok) this.obey((await response.json()) as StopRequest);
  }

  /** A long poll for stop requests, again and again while the build runs. */
  async watch(): Promise<void> {
    while (!this.closed && !this.lost && !this.requests.signal.aborted) {
      const response = await this.send(`${this.base}/watch`, { method: 'POST', body: JSON.stringify({}) });
      if (!response) {
        await sleep(RETRY_FIRST_MS, this.requests.signal);
        continue;
      }
      if (response.ok) this.obey((await response.json()) as StopRequest);
    }
  }

  /** Sends what the local log has beyond what the server has, in ranges of at most 1 MiB. */
  upload(): Promise<void> {
    this.uploading ??= this.uploadNow().finally(() => {
      this.uploading = null;
    });
    return this.uploading;
  }

  /** Sends what the build checked out; tried a few times, since the build goes on without it. */
  async source(source: BuildSource): Promise<void> {
    for (let attempt = 0; attempt < 5 && !this.lost && !this.requests.signal.aborted; attempt++) {
      const response = await this.send(`${this.base}/source`, { method: 'POST', body: JSON.stringify(source) });
      if (response?.ok) return;
      await sleep(Math.min(RETRY_MAX_MS, RETRY_FIRST_MS * 2 ** attempt), this.requests.signal);
    }
    throw new Error('the server did not take the revision this build checked out');
  }

  async finish(outcome: RunOutcome): Promise<void> {
    for (let attempt = 0; !this.lost && !this.requests.signal.aborted; attempt++) {
      await this.upload();
      const size = await sizeOf(this.logPath);
      if (this.sent < size) continue;
      const body = { result: outcome.result satisfies Result, interruption: outcome.interruption satisfies Interruption | null, size };
      const response = await this.send(`${this.base}/finish`, { method: 'POST', body: JSON.stringify(body) });
      if (response?.ok) return;
      if (response?.status === 416) {
        this.sent = Number(response.headers.get('x-steward-log-size') ?? 0);
        continue;
      }
      await sleep(Math.min(RETRY_MAX_MS, RETRY_FIRST_MS * 2 ** attempt), this.requests.signal);
    }
  }

  close(): void {
    this.closed = true;
    this.requests.abort();
    this.options.signal.removeEventListener('abort', this.giveUpLater);
  }

  private async uploadNow(): Promise<void> {
    const size = await sizeOf(this.logPath);
    while (!this.lost && this.sent < size) {
      const end = Math.min(size, this.sent + UPLOAD_MAX_BYTES);
      const bytes = await readRange(this.logPath, this.sent, end);
      const response = await this.send(`${this.base}/log`, { method: 'PUT', body: new Uint8Array(bytes), headers: { 'content-type': 'application/octet-stream', 'content-range': `bytes ${this.sent}-${end - 1}/*` } });
      if (!response) return;
      if (response.status === 202) this.sent = ((await response.json()) as { size: number }).size;
      else if (response.status === 416) this.sent = Number(response.headers.get('x-steward-log-size') ?? 0);
      else return;
    }
  }

  private obey(request: StopRequest): void {
    if (request.stop) this.control.stop(request.interruption ?? { kind: 'shutdown' }, request.stop);
  }

  /**
   * One request with the lease; null when the server could not be reached, or when every try reached
   * a server that does not hold the build. A stale lease stops the build.
   */
  private async send(path: string, init: Omit<RequestInit, 'headers'> & { headers?: Record<string, string> }): Promise<Response | null> {
    const attempt = () => request(this.options, path, { ...init, headers: { ...init.headers, 'x-steward-lease': this.lease } }, this.requests.signal);
    try {
      let response = await attempt();
      for (let tries = 1; heldElsewhere(response); tries++) {
        if (!this.warnedElsewhere) {
          this.warnedElsewhere = true;
          this.options.log.warn(`a report reached a server that does not hold this build (${await problem(response)}); sending it again`);
        } else await response.body?.cancel();
        if (tries === HELD_ELSEWHERE_TRIES) return null;
        await sleep(20 * tries, this.requests.signal);
        response = await attempt();
      }
      if (response.status === 409) {
        this.lost = true;
        // The server ended the build (its lease expired): stop what still runs of it here.
        this.control.stop({ kind: 'agent_lost', node: this.options.name, silentMs: 0 }, 'kill');
      }
      return response;
    } catch {
      return null;
    }
  }
}

function request(options: AgentOptions, path: string, init: Omit<RequestInit, 'headers'> & { headers?: Record<string, string> }, signal: AbortSignal): Promise<Response> {
  return fetch(new URL(`steward/agent/v1/${path}`, options.url), {
    ...init,
    signal,
    headers: { 'content-type': 'application/json', ...init.headers, authorization: `Bearer ${options.secret}`, 'x-steward-agent': options.name },
  });
}

function heldElsewhere(response: Response): boolean {
  return response.status === 409 && response.headers.get('x-steward-reason') === 'build_held_elsewhere';
}

async function problem(response: Response): Promise<string> {
  return `${response.status} ${response.headers.get('x-steward-reason') ?? ''}: ${(await response.text()).trim()}`;
}

async function sizeOf(path: string): Promise<number> {
  try {
    const handle = await open(path, 'r');
    try {
      return (await handle.stat()).size;
    } finally {
      await handle.close();
    }
  } catch {
    return 0;
  }
}

async function readRange(path: string, start: number, end: number): Promise<Buffer> {
  const handle = await open(path, 'r');
  try {
    const bytes = Buffer.alloc(end - start);
    const { bytesRead } = await handle.read(bytes, 0, bytes.length, start);
    return bytes.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => {
      clearTimeout(timer);
      resolve();
    }, { once: true });
  });
}
