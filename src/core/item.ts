import { type ArchiveSettings, checkArchiveSettings } from './archive.js';
import { type Binding, checkBindings } from './binding.js';
import { DomainError } from './errors.js';
import { checkGitSource, type GitSource } from './git-source.js';
import { checkParameterDefinitions, type ParameterDefinition } from './parameters.js';
import { checkProjectTrigger, type ProjectTrigger } from './job-edges.js';

/**
 * Items are folders and jobs, arranged in a tree. An item's full name (`team/app/deploy`) is its
 * path from the root; names are unique within a folder, ignoring case.
 */
export type Item = Folder | Job;

interface ItemBase {
  readonly id: number;
  readonly name: string;
  readonly fullName: string;
  /** The enclosing folder, or null at the top level. */
  readonly parentId: number | null;
  /** The ids of every enclosing folder, outermost first (grants on them hold for this item). */
  readonly ancestorIds: readonly number[];
  /**
   * The configuration document the item was last written from through a compatibility API, kept
   * verbatim so that settings Steward does not act on survive a round trip. The domain never reads
   * it; null when the item was only ever written natively.
   */
  readonly sourceConfig: string | null;
  readonly createdAt: number;
  readonly updatedAt: number;
}

export interface Folder extends ItemBase {
  readonly kind: 'folder';
  readonly settings: FolderSettings;
}

export interface Job extends ItemBase {
  readonly kind: 'job';
  readonly settings: JobSettings;
  /** The number the next build of this job will get; numbers are dense and never reused. */
  readonly nextBuildNumber: number;
}

export interface FolderSettings {
  readonly kind: 'folder';
  readonly description: string;
}

export interface JobSettings {
  readonly kind: 'job';
  readonly description: string;
  /** A disabled job keeps its history but cannot be triggered. */
  readonly disabled: boolean;
  /** When false (the default), one build of the job runs at a time and later ones wait. */
  readonly concurrentBuild: boolean;
  /** Seconds a trigger waits before its build may start; null means the server's default. */
  readonly quietPeriodSeconds: number | null;
  readonly parameters: readonly ParameterDefinition[];
  readonly steps: readonly ShellStep[];
  /** A build running longer than this is aborted; null means no limit. */
  readonly timeoutMs: number | null;
  /** Which completed builds to keep; null means the server's default. */
  readonly retention: Retention | null;
  /** The job's "Trigger builds remotely" token, stored only as a keyed hash. */
  readonly remoteToken: RemoteTokenDigest | null;
  /**
   * What an identical trigger does while one waits: fold into it (Jenkins' behaviour, the default,
   * every cause kept), or queue a build of its own.
   */
  readonly coalesce: boolean;
  /** The most items of this job that may wait in the queue; null means the server's default. */
  readonly maxQueued: number | null;
  /**
   * Where the job may run: a Jenkins label expression over node labels (`linux && !arm`; Jenkins'
   * `assignedNode`); null means any node.
   */
  readonly labelExpression: string | null;
  /**
   * How many times a build that lost its agent (the agent went offline or restarted) is queued again,
   * each with a cause naming the lost build; 0 (the default) never re-runs anything.
   */
  readonly retryOnAgentLoss: number;
  /**
   * "Build periodically": a schedule in Jenkins' cron syntax (`H 2 * * 1-5`, several lines, `TZ=`),
   * checked when the job is saved; null means none.
   */
  readonly timerSpec: string | null;
  /** Source control: the git repository checked out into the workspace before the steps; null means none. */
  readonly scm: GitSource | null;
  /**
   * "Poll SCM" (Jenkins' SCMTrigger): a schedule in the same cron syntax on which the job's repository
   * is asked whether its branches moved, building when they did; an empty schedule polls only when a
   * push notification names the repository; null means the job does not poll.
   */
  readonly pollSpec: string | null;
  /** Push notifications (notifyCommit, GitHub pushes) do not make this job poll; only its schedule does. */
  readonly ignorePostCommitHooks: boolean;
  /** "GitHub hook trigger for GITScm polling" (the GitHub plugin's push trigger): a push GitHub delivers to `/github-webhook/` makes the job poll. */
  readonly githubPushTrigger: boolean;
  /**
   * Credentials bound into each build as environment variables and files (Jenkins' "Use secret
   * text(s) or file(s)", `SecretBuildWrapper`); checked against the credential store when the job is saved.
   */
  readonly bindings: readonly Binding[];
  /**
   * "Build after other projects are built" (Jenkins' `ReverseBuildTrigger`): the upstream jobs whose
   * finished builds queue a build of this one, named relative to the job's folder; null means none.
   */
  readonly upstreamTrigger: ProjectTrigger | null;
  /**
   * "Build other projects" (Jenkins' `BuildTrigger` publisher): the downstream jobs a finished build
   * of this one queues, named relative to the job's folder; null means none.
   */
  readonly downstreamTrigger: ProjectTrigger | null;
  /** "Archive the artifacts": workspace files kept with each build after its steps; null means none. */
  readonly archive: ArchiveSettings | null;
  /**
   * What the job's config.xml asks for that Steward keeps but does not run (`scm (hudson.plugins.git.GitSCM)`,
   * `triggers/hudson.triggers.TimerTrigger`, …), so that every place a person looks at the job says
   * so: its page, its configure page, each build's log and its API answer. Empty for a job Steward runs whole.
   */
  readonly ignoredSettings: readonly string[];
}

/** How a build's log says which of its job's settings Steward does not run. */
export function ignoredSettingsLine(ignored: readonly string[]): string {
  return `ignored: ${ignored.join(', ')} (Steward keeps ${ignored.length === 1 ? 'this setting' : 'these settings'} of the job's config.xml but does not run ${ignored.length === 1 ? 'it' : 'them'})`;
}

/** One shell build step: run like Jenkins' Shell builder, `sh -xe` unless the command has a `#!` line. */
export interface ShellStep {
  readonly command: string;
  /** An exit code that marks the build UNSTABLE instead of FAILURE and lets later steps run. */
  readonly unstableReturn: number | null;
}

/** Build retention: keep at most `maxBuilds` builds and none older than `maxDays` (either may be null). */
export interface Retention {
  readonly maxBuilds: number | null;
  readonly maxDays: number | null;
}

/** A secret kept only as a keyed hash, plus a random handle that names it without revealing it. */
export interface RemoteTokenDigest {
  readonly handle: string;
  readonly digest: string;
}

/** The most times a job may re-queue a build that lost its agent: enough for flaky machines, not a loop. */
export const MAX_AGENT_LOSS_RETRIES = 10;

export function defaultJobSettings(): JobSettings {
  return {
    kind: 'job',
    description: '',
    disabled: false,
    concurrentBuild: false,
    quietPeriodSeconds: null,
    parameters: [],
    steps: [],
    timeoutMs: null,
    retention: null,
    remoteToken: null,
    coalesce: true,
    maxQueued: null,
    labelExpression: null,
    retryOnAgentLoss: 0,
    timerSpec: null,
    pollSpec: null,
    ignorePostCommitHooks: false,
    githubPushTrigger: false,
    scm: null,
    bindings: [],
    upstreamTrigger: null,
    downstreamTrigger: null,
    archive: null,
    ignoredSettings: [],
  };
}

export function isParameterized(job: Job): boolean {
  return job.settings.parameters.length > 0;
}

/** The last path segment of a full name. */
export function baseName(fullName: string): string {
  const slash = fullName.lastIndexOf('/');
  return slash < 0 ? fullName : fullName.slice(slash + 1);
}

/** Checks settings that no job may have, whichever way they arrived (API, config file, config.xml). */
export function checkJobSettings(settings: JobSettings): void {
  checkParameterDefinitions(settings.parameters);
  if (settings.quietPeriodSeconds !== null && !(Number.isInteger(settings.quietPeriodSeconds) && settings.quietPeriodSeconds >= 0)) {
    throw new DomainError('config_invalid', `Quiet period ${settings.quietPeriodSeconds} is not a whole number of seconds.`, 'Use 0 or more seconds.').at('quietPeriodSeconds');
  }
  if (settings.timeoutMs !== null && !(settings.timeoutMs > 0)) {
    throw new DomainError('config_invalid', 'A build timeout must be longer than zero.', 'Remove the timeout, or give a positive duration such as 10min.').at('timeoutMs');
  }
  if (settings.retention) checkRetention(settings.retention);
  if (settings.maxQueued !== null && !(Number.isInteger(settings.maxQueued) && settings.maxQueued >= 1)) {
    throw new DomainError('config_invalid', `The most queued builds of a job must be a whole number of at least 1 (got ${settings.maxQueued}).`).at('maxQueued');
  }
  if (!(Number.isInteger(settings.retryOnAgentLoss) && settings.retryOnAgentLoss >= 0 && settings.retryOnAgentLoss <= MAX_AGENT_LOSS_RETRIES)) {
    throw new DomainError('config_invalid', `Retries after a lost agent must be a whole number from 0 to ${MAX_AGENT_LOSS_RETRIES} (got ${settings.retryOnAgentLoss}).`).at('retryOnAgentLoss');
  }
  if (settings.scm !== null) checkGitSource(settings.scm);
  checkBindings(settings.bindings);
  if (settings.upstreamTrigger) checkProjectTrigger(settings.upstreamTrigger, 'upstreamTrigger');
  if (settings.downstreamTrigger) checkProjectTrigger(settings.downstreamTrigger, 'downstreamTrigger');
  if (settings.archive) checkArchiveSettings(settings.archive);
  settings.steps.forEach((step, index) => {
    if (step.unstableReturn !== null && !(Number.isInteger(step.unstableReturn) && step.unstableReturn >= 1 && step.unstableReturn <= 255)) {
      throw new DomainError('config_invalid', `Unstable return code ${step.unstableReturn} is not an exit code.`, 'Use a whole number from 1 to 255.').at(`steps.${index}.unstableReturn`);
    }
  });
}

export function checkRetention(retention: Retention): void {
  for (const [what, value, field] of [
    ['builds to keep', retention.maxBuilds, 'retention.maxBuilds'],
    ['days to keep builds', retention.maxDays, 'retention.maxDays'],
  ] as const) {
    if (value !== null && !(Number.isInteger(value) && value >= 1)) {
      throw new DomainError('config_invalid', `The number of ${what} must be a whole number of at least 1 (got ${value}).`).at(field);
    }
  }
}
