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
 * Where a waiting item stands, for people and for the API: still in its quiet period, blocked by a
 * build of the same job, or ready and waiting for a free executor.
 */
export type WaitingReason =
  | { readonly kind: 'quiet'; readonly remainingMs: number }
  | { readonly kind: 'blocked'; readonly runningBuildNumber: number }
  | { readonly kind: 'executor' };
