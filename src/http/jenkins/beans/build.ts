import type { Artifact } from '../../../core/artifact.js';
import type { Build } from '../../../core/build.js';
import type { Job } from '../../../core/item.js';
import { buildPath } from '../../../core/item-url.js';
import { BUILT_IN_NODE } from '../../../core/node.js';
import { type Bean, bean, type Exported } from '../export/bean.js';
import { causeAction, interruptedBuildAction, parametersAction } from './actions.js';
import type { BeanContext } from './context.js';
import { fullDisplayName } from './names.js';
import { buildDataAction, changeSetBean } from './scm.js';
import type { BuildSource } from '../../../core/revision.js';

export const BUILD_CLASS = 'hudson.model.FreeStyleBuild';

/** Jenkins' `Run.Artifact`: `displayPath` is the file's name (Jenkins shortens it only when two share a name). */
function artifactBean(artifact: Artifact): Bean {
  const fileName = artifact.path.slice(artifact.path.lastIndexOf('/') + 1);
  // Jenkins exports its fields at visibility 3 (shown inside a build at depth 0) and no _class.
  return bean('hudson.model.Run$Artifact', [
    ['displayPath', 3, () => fileName],
    ['fileName', 3, () => fileName],
    ['relativePath', 3, () => artifact.path],
  ], { showClass: false });
}

/** A build, as `…/job/X/N/api/json` shows it (hudson.model.FreeStyleBuild). */
export function buildBean(context: BeanContext, job: Job, build: Build): Bean {
  const running = build.state === 'running';
  // What it checked out: read once, only when a property that shows it is rendered.
  let reading: Promise<BuildSource | null> | null = null;
  const source = () => (reading ??= context.store.sources.get(job.id, build.number));
  return bean(BUILD_CLASS, [
    ['actions', 1, async () => buildActions(build, await source(), job)],
    ['artifacts', 1, async () => (running ? [] : (await context.artifacts.list(job.id, build.number)).map(artifactBean))],
    ['building', 1, () => running],
    ['description', 1, () => null],
    ['displayName', 1, () => `#${build.number}`],
    ['duration', 1, () => (running ? 0 : build.durationMs)],
    ['estimatedDuration', 1, () => estimatedDuration(context, job)],
    ['executor', 1, () => (running ? bean('hudson.model.Executor', []) : null)],
    ['fullDisplayName', 1, () => `${fullDisplayName(job.fullName)} #${build.number}`],
    ['id', 1, () => String(build.number)],
    ['inProgress', 1, () => running],
    ['keepLog', 1, () => false],
    ['number', 2, () => build.number],
    ['queueId', 1, () => build.queueId],
    ['result', 1, () => build.result],
    ['timestamp', 1, () => build.startedAt],
    ['url', 2, () => context.rootUrl + buildPath(job.fullName, build.number)],
    // The node it ran on, as Jenkins names it: '' for the built-in node, else the agent's name.
    ['builtOn', 1, () => (build.node === BUILT_IN_NODE ? '' : build.node)],
    ['changeSet', 1, async () => changeSetBean(context.rootUrl, await source())],
    // Newer Jenkins' list of change sets (one per SCM): empty without a recorded source.
    ['changeSets', 1, async () => {
      const recorded = await source();
      return recorded === null ? [] : [changeSetBean(context.rootUrl, recorded)];
    }],
    ['culprits', 1, () => []],
  ]);
}

function buildActions(build: Build, source: BuildSource | null, job: Job): Exported[] {
  const actions: Exported[] = [];
  if (build.parameters) actions.push(parametersAction(build.parameters));
  actions.push(causeAction(build.causes));
  if (source) actions.push(buildDataAction(source, job.settings.scm));
  if (build.interruption) actions.push(interruptedBuildAction(build.interruption));
  return actions;
}

/** The mean duration of the last three successful builds, or -1 when there are none. */
export async function estimatedDuration(context: BeanContext, job: Job): Promise<number> {
  const recent = await context.store.builds.list(job.id, { offset: 0, limit: 25 });
  const successful = recent.filter((build) => build.state === 'completed' && (build.result === 'SUCCESS' || build.result === 'UNSTABLE')).slice(0, 3);
  if (successful.length === 0) return -1;
  return Math.round(successful.reduce((sum, build) => sum + build.durationMs, 0) / successful.length);
}
