import type { Build } from '../../../core/build.js';
import type { Job } from '../../../core/item.js';
import { BUILT_IN_NODE, type DiskSpace } from '../../../core/node.js';
import { type Bean, bean } from '../export/bean.js';
import { type AgentView, agentComputerBean } from './agent.js';
import { buildBean } from './build.js';
import { type BeanContext, canRead } from './context.js';
import { itemBeans } from './item.js';
import { viewRef, viewRefs } from './view.js';

const NODE_DESCRIPTION = "the Steward controller's built-in node";

function labels(): Bean[] {
  return [bean('hudson.model.labels.LabelAtom', [['name', 1, () => BUILT_IN_NODE]], { showClass: false })];
}

/** The root object (hudson.model.Hudson): the server and its top-level items. */
export function rootBean(context: BeanContext): Bean {
  return bean('hudson.model.Hudson', [
    ['assignedLabels', 1, labels],
    ['mode', 1, () => 'NORMAL'],
    ['nodeDescription', 1, () => NODE_DESCRIPTION],
    ['nodeName', 1, () => ''],
    ['numExecutors', 1, () => context.scheduler.executorCount],
    ['description', 1, () => null],
    ['jobs', 1, async () => itemBeans(context, await context.store.items.listChildren(null))],
    ['overallLoad', 1, () => bean('hudson.model.OverallLoadStatistics', [], { showClass: false })],
    ['primaryView', 1, () => viewRef(context, null, null)],
    ['quietDownReason', 1, () => null],
    ['quietingDown', 1, () => false],
    ['slaveAgentPort', 1, () => -1],
    ['unlabeledLoad', 1, () => bean('jenkins.model.UnlabeledLoadStatistics', [])],
    ['url', 1, () => context.rootUrl],
    ['useCrumbs', 1, () => context.useCrumbs],
    ['useSecurity', 1, () => true],
    ['views', 1, () => viewRefs(context, null)],
  ]);
}

export function executorBean(context: BeanContext, number: number, running: { job: Job; build: Build } | null): Bean {
  return bean(
    'hudson.model.Executor',
    [
      ['currentExecutable', 1, () => (running ? buildBean(context, running.job, running.build) : null)],
      ['idle', 1, () => running === null],
      ['likelyStuck', 1, () => false],
      ['number', 1, () => number],
      ['progress', 1, () => -1],
    ],
    { showClass: false },
  );
}

/** The built-in node (hudson.model.Hudson$MasterComputer): the only node until agents exist. */
export function computerBean(context: BeanContext): Bean {
  const executors = () => context.scheduler.executors().filter((executor) => executor.build === null || canRead(context, executor.build.job));
  return bean('hudson.model.Hudson$MasterComputer', [
    ['actions', 1, () => []],
    ['assignedLabels', 1, labels],
    ['description', 1, () => NODE_DESCRIPTION],
    ['displayName', 1, () => 'Built-In Node'],
    ['executors', 1, () => context.scheduler.executors().map((executor) => executorBean(context, executor.number, executor.build && canRead(context, executor.build.job) ? executor.build : null))],
    ['icon', 1, () => 'symbol-computer'],
    ['iconClassName', 1, () => 'symbol-computer'],
    ['idle', 1, () => executors().every((executor) => executor.build === null)],
    ['jnlpAgent', 1, () => false],
    ['launchSupported', 1, () => true],
    ['manualLaunchAllowed', 1, () => true],
    ['monitorData', 1, () => monitorData(context.builtInNode().diskSpace)],
    ['numExecutors', 1, () => context.scheduler.executorCount],
    ['offline', 1, () => false],
    ['offlineCause', 1, () => null],
    ['offlineCauseReason', 1, () => ''],
    ['oneOffExecutors', 1, () => []],
    ['temporarilyOffline', 1, () => false],
  ]);
}

/**
 * Jenkins' node monitors, as its API shows them: the free space of the node's home under
 * `hudson.node_monitors.DiskSpaceMonitor` (`size` in bytes), null until measured.
 */
function monitorData(disk: DiskSpace | null): Bean {
  const space = disk
    ? bean('hudson.node_monitors.DiskSpaceMonitorDescriptor$DiskSpace', [
        ['timestamp', 3, () => disk.checkedAt],
        ['path', 3, () => disk.path],
        ['size', 3, () => disk.freeBytes],
        ['totalSize', 3, () => disk.totalBytes],
      ])
    : null;
  return bean('hudson.node_monitors', [['hudson.node_monitors.DiskSpaceMonitor', 2, () => space]], { showClass: false });
}

/** `/computer/`: the built-in node, then each agent (`agents`, each with the builds it runs). */
export function computerSetBean(context: BeanContext, agents: readonly AgentView[] = []): Bean {
  const busyOnAgents = agents.reduce((sum, agent) => sum + agent.running.length, 0);
  return bean('hudson.model.ComputerSet', [
    ['busyExecutors', 1, () => context.scheduler.executors().filter((executor) => executor.build !== null).length + busyOnAgents],
    ['computer', 1, () => [computerBean(context), ...agents.map((agent) => agentComputerBean(context, agent))], { inline: true }],
    ['displayName', 1, () => 'Nodes'],
    ['totalExecutors', 1, () => context.scheduler.executorCount + agents.reduce((sum, agent) => sum + agent.node.executors, 0)],
  ]);
}
