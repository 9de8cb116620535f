import type { Job } from '../core/item.js';
import type { OfflineNode, QueueItem, WaitingReason } from '../core/queue-item.js';

/** A node as the waiting reasons see it at one moment: what it offers, and whether it can take work. */
export interface NodeCapacity {
  readonly name: string;
  /** The labels it is matched by (`BUILT_IN_LABELS`, `agentLabels`). */
  readonly labels: ReadonlySet<string>;
  readonly executors: number;
  /** Executors running a build now. */
  readonly busy: number;
  /** Null while it is online; else who it is and why it is offline. */
  readonly offline: OfflineNode | null;
}

/**
 * What decides why items wait, as of one moment: the nodes (read once, whatever the number of items
 * asked about), what runs on them, the clock, and the scheduler's own matching rule, so the reason
 * given is the scheduler's reason and not a second opinion.
 */
export interface QueueSituation {
  readonly now: number;
  /** The nodes with executors: the built-in node when it has any, and every agent. */
  readonly nodes: readonly NodeCapacity[];
  /** The number of a running build of the job, or null. */
  runningBuildOf(jobId: number): number | null;
  /** Whether the job may run on a node with these labels (the scheduler's `canRun`). */
  canRun(job: Job, labels: ReadonlySet<string>): boolean;
}

/** Why each waiting item has not started, answered without I/O from one `QueueSituation`. */
export type WaitingReasons = (item: QueueItem, job: Job) => WaitingReason;

/**
 * Why a waiting item has not started, in the order the scheduler decides: its quiet period, then a
 * running build of the same job (unless the job allows concurrent builds), then the nodes that match
 * its job's label expression: none, all offline, or executors to wait for. Costs one pass over the
 * nodes (few: operators register them) per item.
 */
export function waitingReason(item: QueueItem, job: Job, situation: QueueSituation): WaitingReason {
  const remainingMs = item.dueAt - situation.now;
  if (remainingMs > 0) return { kind: 'quiet', remainingMs };
  if (!job.settings.concurrentBuild) {
    const running = situation.runningBuildOf(job.id);
    if (running !== null) return { kind: 'blocked', runningBuildNumber: running };
  }
  const labelExpression = job.settings.labelExpression;
  const matching = situation.nodes.filter((node) => situation.canRun(job, node.labels));
  if (matching.length === 0) return { kind: 'no-node', labelExpression };
  const online = matching.filter((node) => node.offline === null);
  const offline = matching.flatMap((node) => (node.offline === null ? [] : [node.offline]));
  if (online.length === 0) return { kind: 'offline', labelExpression, nodes: offline };
  return {
    kind: 'executor',
    labelExpression,
    online: online.map((node) => node.name),
    executors: online.reduce((sum, node) => sum + node.executors, 0),
    busy: online.reduce((sum, node) => sum + Math.min(node.busy, node.executors), 0),
    offline,
  };
}
