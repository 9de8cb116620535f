import type { Build } from '../../../core/build.js';
import type { Job } from '../../../core/item.js';
import { type AgentNode, isNodeOnline } from '../../../core/node.js';
import { type Bean, bean } from '../export/bean.js';
import { type BeanContext, canRead } from './context.js';
import { executorBean } from './server.js';

/** An agent as the computer API shows it: the node, what runs on it, and when the answer was made. */
export interface AgentView {
  readonly node: AgentNode;
  readonly running: ReadonlyArray<{ job: Job; build: Build }>;
  readonly now: number;
}

/** Why an agent is offline, in Jenkins' words where it has some; null while it is online. */
export function offlineReason(node: AgentNode, now: number): string | null {
  if (node.offlineMessage !== null) return node.offlineMessage;
  if (isNodeOnline(node, now)) return null;
  return node.lastSeenAt === null ? 'Agent has not connected' : `No contact since ${new Date(node.lastSeenAt).toISOString()}`;
}

/**
 * An agent (hudson.slaves.SlaveComputer), connected by `steward agent` (Jenkins: an inbound, "JNLP"
 * agent). Its executors show the builds the caller may read; the others look idle, as on Jenkins.
 */
export function agentComputerBean(context: BeanContext, { node, running, now }: AgentView): Bean {
  const reason = offlineReason(node, now);
  // Each build on the executor it runs on (its slot, the build's EXECUTOR_NUMBER), as clients such as
  // python-jenkins' get_running_builds report it.
  const bySlot = new Map(running.filter((one) => canRead(context, one.job)).map((one) => [one.build.executor, one]));
  const executors = () => Array.from({ length: node.executors }, (_, number) => executorBean(context, number, bySlot.get(number) ?? null));
  return bean('hudson.slaves.SlaveComputer', [
    ['actions', 1, () => []],
    ['assignedLabels', 1, () => node.labels.map((name) => bean('hudson.model.labels.LabelAtom', [['name', 2, () => name]], { showClass: false }))],
    ['description', 1, () => node.description],
    ['displayName', 1, () => node.name],
    ['executors', 1, executors],
    ['icon', 1, () => (reason === null ? 'symbol-computer' : 'symbol-computer-offline')],
    ['iconClassName', 1, () => (reason === null ? 'symbol-computer' : 'symbol-computer-offline')],
    ['idle', 1, () => running.length === 0],
    ['jnlpAgent', 1, () => true],
    // Steward cannot launch an agent; the agent connects itself (`steward agent`).
    ['launchSupported', 1, () => false],
    ['manualLaunchAllowed', 1, () => false],
    ['monitorData', 1, () => bean('hudson.node_monitors', [], { showClass: false })],
    ['numExecutors', 1, () => node.executors],
    ['offline', 1, () => reason !== null],
    ['offlineCause', 1, () => (reason === null ? null : bean(node.offlineMessage !== null ? 'hudson.slaves.OfflineCause$UserCause' : 'hudson.slaves.OfflineCause$ChannelTermination', [['description', 1, () => reason]]))],
    ['offlineCauseReason', 1, () => reason ?? ''],
    ['oneOffExecutors', 1, () => []],
    ['temporarilyOffline', 1, () => node.offlineMessage !== null],
    ['absoluteRemotePath', 1, () => null],
  ]);
}
