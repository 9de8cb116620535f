import type { CauseCount } from './cause.js';
import type { ParameterValue } from './parameters.js';

/**
 * A request to build a job, waiting in the queue until an executor takes it. Its id is global,
 * increasing and never reused; once it starts it records the number of the build it became.
 */
export interface QueueItem {
  readonly id: number;
  readonly jobId: number;
  readonly state: 'waiting' | 'left' | 'cancelled';
  /** When it entered the queue (epoch ms). */
  readonly queuedAt: number;
  /** When its quiet period ends and it may start (epoch ms). */
  readonly dueAt: number;
  readonly parameters: readonly ParameterValue[] | null;
  readonly causes: readonly CauseCount[];
  /** Set once the item has started. */
  readonly buildNumber: number | null;
  /** When it started or was cancelled. */
  readonly leftAt: number | null;
}

/**
 * A node that could run a waiting item but is offline: it never connected (`lastSeenAt` null), has
 * not been heard from since `lastSeenAt`, or was taken offline on purpose with `offlineMessage`.
 */
export interface OfflineNode {
  readonly name: string;
  readonly lastSeenAt: number | null;
  readonly offlineMessage: string | null;
}

/**
 * Where a waiting item stands, for people and for the API: still in its quiet period, blocked by a
 * build of the same job, or due and then, by the nodes that match its job's label expression
 * (`labelExpression`, null for any node): waiting for one of their executors, or **stuck** because no
 * node matches (with null, no node has executors at all) or every node that matches is offline.
 */
export type WaitingReason =
  | { readonly kind: 'quiet'; readonly remainingMs: number }
  | { readonly kind: 'blocked'; readonly runningBuildNumber: number }
  | {
      readonly kind: 'executor';
      readonly labelExpression: string | null;
      /** The matching nodes that are online, by name. */
      readonly online: readonly string[];
      /** Their executors, and how many of those run a build now. */
      readonly executors: number;
      readonly busy: number;
      /** The matching nodes that are offline. */
      readonly offline: readonly OfflineNode[];
    }
  | { readonly kind: 'no-node'; readonly labelExpression: string | null }
  | { readonly kind: 'offline'; readonly labelExpression: string | null; readonly nodes: readonly OfflineNode[] };

/**
 * Whether no node can run the item as things stand (Jenkins: a stuck buildable item): it waits for
 * an operator (a node registered, relabelled or brought online), not for a build to end.
 */
export function isStuck(reason: WaitingReason): boolean {
  return reason.kind === 'no-node' || reason.kind === 'offline';
}
