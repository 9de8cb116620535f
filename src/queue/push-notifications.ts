import type { Logger } from 'pino';
import type { Cause } from '../core/cause.js';
import { isDomainError } from '../core/errors.js';
import { buildsRef, repositoryKey, repositoryUrlMatches } from '../core/git-source.js';
import type { Job } from '../core/item.js';
import type { Store } from '../store/types.js';
import type { ScmPolling } from './scm-polling.js';
import type { Starter, Triggers } from './trigger.js';

/** The most jobs one notification looks at per repository URL: a bound on the work a request can cause. */
const MAX_JOBS = 1000;

/** A push a repository host told Steward about. */
export interface Push {
  /** The repository's URLs as the notification names them (one for notifyCommit; GitHub sends several). */
  readonly urls: readonly string[];
  /** The pushed branches (`main`, `refs/heads/main`) or tags (`refs/tags/v1`); empty: any. */
  readonly refs: readonly string[];
  /** The pushed commit, when the notification names one. */
  readonly sha1: string | null;
}

/** What a notification did to one job: polled it (the poll builds if the branches moved), or queued a build. */
export interface NoticeResult {
  readonly job: Job;
  readonly action: 'poll' | 'build';
}

export interface NoticeOptions {
  /** Whether a job listens to notifications (a "Poll SCM" trigger not ignoring them, GitHub's push trigger). */
  readonly listens: (job: Job) => boolean;
  /** Whether the notifier may start builds of the job (a trigger token covering it). */
  readonly mayTrigger: (job: Job) => boolean;
  /** The cause of a build a poll it asks for starts. */
  readonly pollCause: Cause;
  /** When the notification names a commit: who builds it at once, instead of a poll (notifyCommit's `sha1`). */
  readonly build?: (job: Job) => Starter;
}

export interface PushNotificationDeps {
  readonly store: Store;
  readonly polling: Pick<ScmPolling, 'poll'>;
  readonly triggers: Pick<Triggers, 'trigger'>;
  readonly log: Logger;
}

/**
 * Push notifications (the git plugin's `/git/notifyCommit`, GitHub's push events): find the jobs whose
 * git source uses the pushed repository and a branch specifier matching a pushed branch, through the
 * store's repository index, and make each of them poll — or, when the notification names the commit
 * (notifyCommit's `sha1`), queue a build of it at once, as the git plugin does. Only jobs that listen
 * are considered (`listens`: a "Poll SCM" trigger that does not ignore notifications, or GitHub's
 * push trigger), and only those the notifier may trigger (`mayTrigger`); disabled jobs match but are
 * not built. The caller says in its answer what happened, including when nothing matched.
 */
export class PushNotifications {
  constructor(private readonly deps: PushNotificationDeps) {}

  async notify(push: Push, options: NoticeOptions): Promise<NoticeResult[]> {
    const results: NoticeResult[] = [];
    for (const job of await this.matchingJobs(push, options.listens)) {
      if (job.settings.disabled || !options.mayTrigger(job)) continue;
      if (options.build && !parametrizedBranches(job)) {
        if (await this.queueBuild(job, options.build(job))) results.push({ job, action: 'build' });
        continue;
      }
      // Answered at once; the poll (a `git ls-remote`) goes on and builds when it finds the branches moved.
      void this.deps.polling.poll(job, options.pollCause).catch((error: unknown) => this.deps.log.error({ err: error, job: job.fullName }, 'a poll asked for by a push notification failed'));
      results.push({ job, action: 'poll' });
    }
    return results;
  }

  /** The jobs using one of the push's repositories with a branch specifier matching a pushed ref, by full name. */
  private async matchingJobs(push: Push, listens: (job: Job) => boolean): Promise<Job[]> {
    const found = new Map<number, Job>();
    for (const key of new Set(push.urls.flatMap((url) => repositoryKey(url) ?? []))) {
      for (const job of await this.deps.store.items.listJobsUsingRepository(key, MAX_JOBS)) {
        const source = job.settings.scm;
        if (!source || !listens(job)) continue;
        const remotes = source.remotes.filter((remote) => push.urls.some((url) => repositoryUrlMatches(url, remote.url)));
        if (remotes.length > 0 && (push.refs.length === 0 || push.refs.some((ref) => buildsRef(source, ref, remotes)))) found.set(job.id, job);
      }
    }
    return [...found.values()].sort((a, b) => a.fullName.localeCompare(b.fullName));
  }

  private async queueBuild(job: Job, starter: Starter): Promise<boolean> {
    try {
      await this.deps.triggers.trigger({ job, starter, parameters: null, rejectUnknownParameters: false, delayMs: null });
      return true;
    } catch (error) {
      if (!isDomainError(error)) throw error;
      this.deps.log.warn({ job: job.fullName, reason: error.code, err: error.message }, 'a push notification matched a job, but no build was queued');
      return false;
    }
  }
}

function parametrizedBranches(job: Job): boolean {
  return job.settings.scm?.branches.some((spec) => spec.includes('$')) ?? false;
}
