import type { CauseCount } from './cause.js';
import { BUILT_IN_NODE } from './node.js';
import type { ParameterValue } from './parameters.js';

/** Results in Jenkins' order of severity. */
export const RESULTS = ['SUCCESS', 'UNSTABLE', 'FAILURE', 'NOT_BUILT', 'ABORTED'] as const;
export type Result = (typeof RESULTS)[number];

/** Why a running build was stopped before it finished on its own. */
export type Interruption =
  | { readonly kind: 'user'; readonly userId: string; readonly userName: string }
  | { readonly kind: 'timeout'; readonly timeoutMs: number }
  | { readonly kind: 'restart' }
  | { readonly kind: 'shutdown' }
  | { readonly kind: 'deleted' }
  /** The build's console log could not be written (a full or failing disk); `problem` is the system's words. */
  | { readonly kind: 'log_unwritable'; readonly problem: string }
  /** The agent running the build stopped answering: its lease expired `silentMs` after its last contact. */
  | { readonly kind: 'agent_lost'; readonly node: string; readonly silentMs: number }
  /** The agent no longer runs the build: it started afresh (a restart, a crash), or never received it. */
  | { readonly kind: 'agent_restarted'; readonly node: string }
  /** The agent was told to stop (SIGTERM: its service stopped or restarted) and stopped its builds first. */
  | { readonly kind: 'agent_stopped'; readonly node: string }
  /** The Steward server running the build on its built-in executors stopped renewing its lease `silentMs` ago (it died, or lost its database). */
  | { readonly kind: 'server_lost'; readonly server: string; readonly silentMs: number };

/**
 * Whether another server may end a running build whose server stopped renewing its lease. A build on
 * the built-in node dies with its server. A build on an agent runs on: its agent's next report makes
 * the server it reaches take the build over, so such a build is given the agent's lease
 * (`agentGraceMs`) on top before it is ended. A build without a lease (started before servers were
 * named) is never ended this way.
 */
export function leaseRanOut(build: { readonly node: string }, leaseUntil: number | null | undefined, now: number, agentGraceMs: number): boolean {
  if (leaseUntil === null || leaseUntil === undefined) return false;
  return leaseUntil < (build.node === BUILT_IN_NODE ? now : now - agentGraceMs);
}

/** Interruptions that mean the build's agent was lost, not that anyone asked the build to stop. */
export function isAgentLoss(interruption: Interruption | null): interruption is Extract<Interruption, { kind: 'agent_lost' | 'agent_restarted' | 'agent_stopped' }> {
  return interruption?.kind === 'agent_lost' || interruption?.kind === 'agent_restarted' || interruption?.kind === 'agent_stopped';
}

/** One numbered execution of a job. */
export interface Build {
  readonly jobId: number;
  readonly number: number;
  /** The queue item this build came from. */
  readonly queueId: number;
  readonly state: 'running' | 'completed';
  /** Null while running. */
  readonly result: Result | null;
  /** When the build started (epoch ms). */
  readonly startedAt: number;
  /** Milliseconds from start to finish; 0 while running. */
  readonly durationMs: number;
  readonly causes: readonly CauseCount[];
  /** Null when the job had no parameters. */
  readonly parameters: readonly ParameterValue[] | null;
  /** The node that runs (or ran) it: `built-in` or an agent's name. */
  readonly node: string;
  /** The executor slot of that node that runs (or ran) it. */
  readonly executor: number;
  readonly interruption: Interruption | null;
}

export function describeInterruption(interruption: Interruption): string {
  switch (interruption.kind) {
    case 'user':
      return `Aborted by ${interruption.userName}`;
    case 'timeout':
      return `Build timed out (after ${Math.round(interruption.timeoutMs / 1000)} s). Marking the build as aborted.`;
    case 'restart':
      return 'Steward restarted while this build was running, so the build was aborted.';
    case 'shutdown':
      return 'Steward shut down while this build was running, so the build was aborted.';
    case 'deleted':
      return 'The job was deleted while this build was running, so the build was aborted.';
    case 'log_unwritable':
      return `Steward could not write this build's console log (${interruption.problem}), so the build was aborted: free space on the server's disk.`;
    case 'agent_lost':
      return `Agent ${interruption.node} went offline during the build (no contact for ${Math.round(interruption.silentMs / 1000)} s), so the build was aborted.`;
    case 'agent_restarted':
      return `Agent ${interruption.node} no longer runs this build (it restarted, or never received the build), so the build was aborted.`;
    case 'agent_stopped':
      return `Agent ${interruption.node} was stopped during the build (its service stopped or restarted), so the build was aborted.`;
    case 'server_lost':
      return `Steward server ${interruption.server}, which ran this build, stopped answering (no lease renewal for ${Math.round(interruption.silentMs / 1000)} s: it died or lost its database), so another server aborted the build.`;
  }
}

/**
 * Permalinks name "the latest build such that …". `completedOnly` excludes a running build;
 * `results`, when set, restricts the result.
 */
export interface BuildFilter {
  readonly completedOnly: boolean;
  readonly results?: readonly Result[];
}

export const PERMALINKS = {
  lastBuild: { completedOnly: false },
  lastCompletedBuild: { completedOnly: true },
  lastSuccessfulBuild: { completedOnly: true, results: ['SUCCESS', 'UNSTABLE'] },
  lastStableBuild: { completedOnly: true, results: ['SUCCESS'] },
  lastFailedBuild: { completedOnly: true, results: ['FAILURE'] },
  lastUnstableBuild: { completedOnly: true, results: ['UNSTABLE'] },
  lastUnsuccessfulBuild: { completedOnly: true, results: ['UNSTABLE', 'FAILURE', 'NOT_BUILT', 'ABORTED'] },
} as const satisfies Record<string, BuildFilter>;

export type PermalinkName = keyof typeof PERMALINKS;

export function isPermalinkName(name: string): name is PermalinkName {
  return Object.hasOwn(PERMALINKS, name);
}
