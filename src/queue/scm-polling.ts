import type { Logger } from 'pino';
import type { Cause } from '../core/cause.js';
import { isDomainError } from '../core/errors.js';
import type { Job } from '../core/item.js';
import type { PollRecord, Store } from '../store/types.js';
import { nextFire, parseTimerSpec } from '../timers/timer-spec.js';
import type { Triggers } from './trigger.js';

/**
 * What asking a job's repository answered: the commit at the head of each branch the job builds, by
 * ref (null when the asking failed), and the lines it wrote to the polling log.
 */
export interface RepositoryAnswer {
  readonly heads: Readonly<Record<string, string>> | null;
  readonly log: readonly string[];
}

export interface ScmPollingDeps {
  readonly store: Store;
  readonly triggers: Pick<Triggers, 'trigger'>;
  /** Asks the job's repository for its branch heads (`git ls-remote`), within a time limit. */
  readonly ask: (job: Job) => Promise<RepositoryAnswer>;
  readonly log: Logger;
  readonly now?: () => number;
}

/** How many due polls one read takes, and how many run at once (each is a `git ls-remote`). */
const BATCH = 100;
const AT_ONCE = 4;
/** The most of a polling log kept: the end of a longer one. */
const MAX_LOG_CHARS = 64 * 1024;

/**
 * Polls jobs' repositories ("Poll SCM", Jenkins' SCMTrigger): on each job's schedule, and at once when
 * a push notification names its repository. A poll asks the repository for the heads of the branches
 * the job builds and compares them with what the job's last poll saw; when they moved, it queues a
 * build through the one trigger path. A job's first poll builds, as in Jenkins, so that there is a
 * baseline. The poll's log is kept for `/job/X/scmPollLog/`. With several servers, a due poll is taken
 * by one of them (`TimerStore.advance`), and of two polls of one job at once (a schedule and a
 * notification) only the one that records the change builds (`PollStore.record`).
 */
export class ScmPolling {
  /** Jobs this server is polling now: a poll asked for meanwhile is already being answered. */
  private readonly polling = new Set<number>();

  constructor(private readonly deps: ScmPollingDeps) {}

  /** Polls the jobs whose schedule is due; answers how many builds were queued. */
  async pollDue(): Promise<number> {
    const now = this.now();
    let queued = 0;
    for (;;) {
      const due = await this.deps.store.timers.due('poll', now, BATCH);
      const taken: Job[] = [];
      for (const timer of due) {
        const item = await this.deps.store.items.get(timer.jobId);
        const job = item?.kind === 'job' ? item : null;
        if (!(await this.deps.store.timers.advance('poll', timer.jobId, timer.dueAt, job ? this.nextPoll(job, now) : null))) continue;
        if (job && !job.settings.disabled && job.settings.pollSpec !== null) taken.push(job);
      }
      for (let start = 0; start < taken.length; start += AT_ONCE) {
        const results = await Promise.all(taken.slice(start, start + AT_ONCE).map((job) => this.poll(job, { kind: 'scm_change' })));
        queued += results.filter(Boolean).length;
      }
      if (due.length < BATCH) return queued;
    }
  }

  /**
   * Polls one job now and queues a build with `cause` when its branches moved. Answers whether a build
   * was queued; false also when this server is already polling the job (that poll answers the same question).
   */
  async poll(job: Job, cause: Cause): Promise<boolean> {
    if (this.polling.has(job.id)) return false;
    this.polling.add(job.id);
    try {
      return await this.pollOnce(job, cause);
    } finally {
      this.polling.delete(job.id);
    }
  }

  /** The job's last poll, for `/job/X/scmPollLog/`. */
  last(job: Job): Promise<PollRecord | null> {
    return this.deps.store.polls.last(job.id);
  }

  private async pollOnce(job: Job, cause: Cause): Promise<boolean> {
    const started = this.now();
    const last = await this.deps.store.polls.last(job.id);
    const lines = [`Started on ${new Date(started).toISOString()}`];
    let answer: RepositoryAnswer;
    try {
      answer = await this.deps.ask(job);
    } catch (error) {
      answer = { heads: null, log: [`ERROR: polling failed: ${error instanceof Error ? error.message : String(error)}`] };
    }
    lines.push(...answer.log);
    const changes = answer.heads === null ? [] : changedRefs(last?.heads ?? null, answer.heads);
    const found = answer.heads !== null && Object.keys(answer.heads).length > 0;
    if (answer.heads !== null && !found) lines.push('No branch matches the job\'s branch specifiers: nothing to build.');
    if (found && last === null) lines.push('No earlier poll of this job: building once to have a baseline.');
    for (const ref of changes) lines.push(`${ref} moved: ${last?.heads[ref]?.slice(0, 12) ?? '(new)'} → ${answer.heads?.[ref]?.slice(0, 12)}`);
    lines.push(`Done. Took ${this.now() - started} ms`);
    const changed = found && (last === null || changes.length > 0);
    lines.push(answer.heads === null ? 'Polling failed: no build.' : changed ? 'Changes found' : 'No changes');
    const record: PollRecord = { heads: answer.heads ?? last?.heads ?? {}, log: bounded(`${lines.join('\n')}\n`), polledAt: Math.max(started, (last?.polledAt ?? 0) + 1) };
    if (!(await this.deps.store.polls.record(job.id, last, record))) {
      // Another poll of this job (another server's, or a notification's) recorded first; it decides.
      return false;
    }
    if (!changed) return false;
    return this.queueBuild(job, cause, last === null ? 'first poll' : changes.join(' '));
  }

  private async queueBuild(job: Job, cause: Cause, changes: string): Promise<boolean> {
    try {
      await this.deps.triggers.trigger({
        job,
        parameters: null,
        rejectUnknownParameters: false,
        delayMs: null,
        starter: { kind: 'steward', cause, detail: { poll: job.settings.pollSpec, changes } },
      });
      return true;
    } catch (error) {
      if (!isDomainError(error)) throw error;
      this.deps.log.warn({ job: job.fullName, reason: error.code, err: error.message }, 'a poll found changes, but no build was queued');
      return false;
    }
  }

  private nextPoll(job: Job, now: number): number | null {
    const spec = job.settings.pollSpec;
    if (spec === null || spec === '') return null;
    try {
      return nextFire(parseTimerSpec(spec, job.fullName), now);
    } catch (error) {
      this.deps.log.warn({ job: job.fullName, err: error }, 'the "Poll SCM" schedule of this job cannot be read any more: it stops polling until the job is saved again');
      return null;
    }
  }

  private now(): number {
    return (this.deps.now ?? Date.now)();
  }
}

/** The refs whose head is new or moved since the earlier poll, sorted; a branch deleted since builds nothing. */
export function changedRefs(before: Readonly<Record<string, string>> | null, after: Readonly<Record<string, string>>): string[] {
  return Object.keys(after)
    .filter((ref) => before?.[ref] !== after[ref])
    .sort();
}

function bounded(log: string): string {
  return log.length <= MAX_LOG_CHARS ? log : `[… the beginning of this log is cut]\n${log.slice(log.length - MAX_LOG_CHARS)}`;
}
