/**
 * Why a build was started. A queue item collects one cause per trigger that was folded into it;
 * identical causes are counted rather than repeated.
 */
export type Cause =
  | { readonly kind: 'user'; readonly userId: string | null; readonly userName: string }
  | { readonly kind: 'remote'; readonly address: string; readonly note: string | null }
  | {
      readonly kind: 'token';
      readonly tokenUuid: string;
      readonly tokenName: string;
      readonly createdBy: string;
      readonly address: string;
      readonly note: string | null;
    }
  | { readonly kind: 'webhook'; readonly webhook: string; readonly event: string | null; readonly delivery: string | null; readonly address: string }
  /** A build started again with the parameters of an earlier one (Jenkins' Rebuild plugin), by a user. */
  | { readonly kind: 'rebuild'; readonly job: string; readonly build: number; readonly userId: string | null; readonly userName: string }
  /** A build queued again because build `build` lost its agent (the job's `retryOnAgentLoss`); `attempt` counts from 1. */
  | { readonly kind: 'agent_loss_retry'; readonly build: number; readonly node: string; readonly attempt: number }
  /** The job's "Build periodically" schedule came due. */
  | { readonly kind: 'timer' }
  /** A poll of the job's repository found its branches moved (on the job's "Poll SCM" schedule, or asked by a push notification). */
  | { readonly kind: 'scm_change' }
  /** A push notification (`/git/notifyCommit` with `sha1`) asked for a build of this commit. */
  | { readonly kind: 'commit_hook'; readonly sha1: string }
  /** A GitHub push event (`/github-webhook/`) for the job's repository and branch, by the pusher named. */
  | { readonly kind: 'github_push'; readonly pushedBy: string }
  /** Build `build` of the upstream job `job` (a full name) finished with a result that meets this job's threshold. */
  | { readonly kind: 'upstream'; readonly job: string; readonly build: number };

export interface CauseCount {
  readonly cause: Cause;
  readonly count: number;
}

/** One line a person reads, in Jenkins' words (the console's first line, the API's shortDescription). */
export function describeCause(cause: Cause): string {
  switch (cause.kind) {
    case 'user':
      return `Started by user ${cause.userName}`;
    case 'remote':
      return cause.note ? `Started by remote host ${cause.address} with note: ${cause.note}` : `Started by remote host ${cause.address}`;
    case 'rebuild':
      return `Rebuilt from #${cause.build} by user ${cause.userName}`;
    case 'timer':
      return 'Started by timer';
    case 'scm_change':
      return 'Started by an SCM change';
    case 'commit_hook':
      return `commit notification ${cause.sha1}`;
    case 'github_push':
      return `Started by GitHub push by ${cause.pushedBy}`;
    case 'upstream':
      return `Started by upstream project "${cause.job}" build number ${cause.build}`;
    case 'agent_loss_retry':
      return `Started again because build #${cause.build} lost its agent ${cause.node} (retry ${cause.attempt})`;
    case 'webhook':
      return `Started by webhook '${cause.webhook}'${cause.event ? ` (${cause.event})` : ''} from ${cause.address}`;
    case 'token': {
      const started = `Started by trigger token '${cause.tokenName}' (created by ${cause.createdBy}) from ${cause.address}`;
      return cause.note ? `${started} with note: ${cause.note}` : started;
    }
  }
}

/** A stable identity for a cause, used to count identical causes. */
export function causeKey(cause: Cause): string {
  return JSON.stringify(cause);
}

/** Adds one occurrence of a cause to a list of counted causes. */
export function addCause(causes: readonly CauseCount[], cause: Cause): CauseCount[] {
  const key = causeKey(cause);
  let found = false;
  const next = causes.map((entry) => {
    if (causeKey(entry.cause) !== key) return entry;
    found = true;
    return { cause: entry.cause, count: entry.count + 1 };
  });
  return found ? next : [...next, { cause, count: 1 }];
}
