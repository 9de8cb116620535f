import type { OfflineNode, WaitingReason } from '../../../core/queue-item.js';
import { timeSpan } from './time-span.js';

/** How many offline nodes a `why` names before it only counts the rest. */
const NAMED_NODES = 5;

/**
 * A queue item's `why`, in Jenkins' words where Jenkins has them (`hudson.model.Messages`:
 * `Queue.InQuietPeriod`, `AbstractProject.BuildInProgress`, `Queue.WaitingForNextAvailableExecutor[On]`,
 * `Queue.LabelHasNoNodes`, `Queue.NodeOffline`, `Queue.AllNodesOffline`), since clients and people
 * know and match them; what Steward knows beyond them follows in parentheses. A job that may run
 * anywhere gets Jenkins' bare sentence while it waits for an executor.
 */
export function why(reason: WaitingReason, estimatedMs: number): string {
  switch (reason.kind) {
    case 'quiet':
      return `In the quiet period. Expires in ${timeSpan(reason.remainingMs)}`;
    case 'blocked':
      return `Build #${reason.runningBuildNumber} is already in progress (ETA: ${estimatedMs >= 0 ? timeSpan(estimatedMs) : 'N/A'})`;
    case 'executor':
      return executorWhy(reason);
    case 'no-node':
      return reason.labelExpression === null
        ? 'There are no nodes with executors (the built-in node has none, and no agent is registered)'
        : `There are no nodes with the label ‘${reason.labelExpression}’`;
    case 'offline': {
      const [only] = reason.nodes;
      if (reason.nodes.length === 1 && only) return `${only.name} is offline (${offlineDetail(only)})`;
      const named = reason.nodes.slice(0, NAMED_NODES).map((node) => `${node.name}: ${offlineDetail(node)}`);
      const more = reason.nodes.length - named.length;
      const details = `${named.join('; ')}${more > 0 ? `; and ${more} more` : ''}`;
      return reason.labelExpression === null ? `All nodes are offline (${details})` : `All nodes of label ‘${reason.labelExpression}’ are offline (${details})`;
    }
  }
}

/**
 * Jenkins names the node when one node matches the label, else the label; with a label expression,
 * Steward adds whether every executor of the online matching nodes is busy, and which matching nodes
 * are offline.
 */
function executorWhy(reason: Extract<WaitingReason, { kind: 'executor' }>): string {
  if (reason.labelExpression === null) return 'Waiting for next available executor';
  const [only] = reason.online;
  const on = reason.online.length === 1 && reason.offline.length === 0 && only ? only : reason.labelExpression;
  const notes: string[] = [];
  if (reason.busy >= reason.executors) notes.push(reason.executors === 1 ? 'its one executor is busy' : `all ${reason.executors} executors are busy`);
  if (reason.offline.length > 0) notes.push(offlineNames(reason.offline));
  return `Waiting for next available executor on ‘${on}’${notes.length > 0 ? ` (${notes.join('; ')})` : ''}`;
}

/** Why one node is offline: taken offline on purpose, never connected, or not heard from since its last contact. */
function offlineDetail(node: OfflineNode): string {
  if (node.offlineMessage !== null) return node.offlineMessage.trim() === '' ? 'taken offline' : `taken offline: ${node.offlineMessage}`;
  if (node.lastSeenAt === null) return 'never connected';
  return `no contact since ${new Date(node.lastSeenAt).toISOString()}`;
}

function offlineNames(nodes: readonly OfflineNode[]): string {
  const named = nodes.slice(0, NAMED_NODES).map((node) => node.name);
  const more = nodes.length - named.length;
  const list = more > 0 ? `${named.join(', ')} and ${more} more` : named.length === 1 ? named[0] : `${named.slice(0, -1).join(', ')} and ${named.at(-1)}`;
  return `${list} ${nodes.length === 1 ? 'is' : 'are'} offline`;
}
