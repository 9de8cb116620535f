import type { Build, Result } from '../../../core/build.js';
import { PERMALINKS } from '../../../core/build.js';
import type { Folder, Item, Job } from '../../../core/item.js';
import { itemPath } from '../../../core/item-url.js';
import { type Bean, bean, type Exported, type PropertySpec } from '../export/bean.js';
import { parametersDefinitionProperty } from './actions.js';
import { buildBean } from './build.js';
import { type BeanContext, canRead } from './context.js';
import { fullDisplayName } from './names.js';
import { queueItemBean } from './queue.js';

export const JOB_CLASS = 'hudson.model.FreeStyleProject';
export const FOLDER_CLASS = 'com.cloudbees.hudson.plugins.folder.Folder';
const BUILDS_SHOWN = 100;

export function itemBean(context: BeanContext, item: Item): Bean {
  return item.kind === 'job' ? jobBean(context, item) : folderBean(context, item);
}

function itemHead(context: BeanContext, item: Item, actions: () => Exported): PropertySpec[] {
  return [
    ['actions', 1, actions],
    ['description', 1, () => (item.settings.description === '' ? null : item.settings.description)],
    ['displayName', 1, () => item.name],
    ['displayNameOrNull', 1, () => null],
    ['fullDisplayName', 1, () => fullDisplayName(item.fullName)],
    ['fullName', 1, () => item.fullName],
    ['name', 999, () => item.name],
    ['url', 999, () => context.rootUrl + itemPath(item.fullName)],
  ];
}

/** A freestyle job (hudson.model.FreeStyleProject). It has no `jobs` key: clients take that to mean a folder. */
export function jobBean(context: BeanContext, job: Job): Bean {
  const { settings } = job;
  const builds = () => context.store.builds.list(job.id, { offset: 0, limit: BUILDS_SHOWN });
  const ref = (build: Build | null) => (build ? buildBean(context, job, build) : null);
  const permalink = (name: keyof typeof PERMALINKS): PropertySpec => [name, 1, async () => ref(await context.store.builds.latest(job.id, PERMALINKS[name]))];
  const waiting = async () => (await context.store.queue.listWaiting()).filter((item) => item.jobId === job.id);
  const parameters = settings.parameters.length > 0 ? [parametersDefinitionProperty(settings.parameters)] : [];
  return bean(JOB_CLASS, [
    ...itemHead(context, job, () => parameters),
    ['buildable', 1, () => !settings.disabled],
    ['builds', 1, async () => (await builds()).map((build) => buildBean(context, job, build))],
    ['color', 2, () => jobColor(context, job)],
    ['firstBuild', 1, async () => ref(await context.store.builds.first(job.id))],
    ['healthReport', 1, async () => healthReport(await builds())],
    ['inQueue', 1, async () => (await waiting()).length > 0],
    ['keepDependencies', 1, () => false],
    permalink('lastBuild'),
    permalink('lastCompletedBuild'),
    permalink('lastFailedBuild'),
    permalink('lastStableBuild'),
    permalink('lastSuccessfulBuild'),
    permalink('lastUnstableBuild'),
    permalink('lastUnsuccessfulBuild'),
    ['nextBuildNumber', 1, () => job.nextBuildNumber],
    ['property', 1, () => parameters, { inline: true }],
    [
      'queueItem',
      1,
      async () => {
        const first = (await waiting())[0];
        return first ? queueItemBean(context, first, job) : null;
      },
    ],
    ['concurrentBuild', 1, () => settings.concurrentBuild],
    ['disabled', 1, () => settings.disabled],
    ['downstreamProjects', 1, () => []],
    ['labelExpression', 1, () => null],
    ['scm', 1, () => bean('hudson.scm.NullSCM', [])],
    ['upstreamProjects', 1, () => []],
    [
      'allBuilds',
      -2,
      async () => (await context.store.builds.list(job.id, { offset: 0, limit: await context.store.builds.count(job.id) })).map((build) => buildBean(context, job, build)),
    ],
  ]);
}

/** A folder (com.cloudbees.hudson.plugins.folder.Folder): its readable children in `jobs`. */
export function folderBean(context: BeanContext, folder: Folder): Bean {
  const url = context.rootUrl + itemPath(folder.fullName);
  return bean(FOLDER_CLASS, [
    ...itemHead(context, folder, () => []),
    ['healthReport', 1, () => []],
    ['jobs', 1, async () => (await context.store.items.listChildren(folder.id)).filter((item) => canRead(context, item)).map((item) => itemBean(context, item))],
    ['primaryView', 1, () => allView(url)],
    ['views', 1, () => [allView(url)]],
  ]);
}

export function allView(url: string): Bean {
  return bean('hudson.model.AllView', [
    ['name', 999, () => 'all'],
    ['url', 999, () => url],
  ]);
}

/** Jenkins' ball colour of each build result. */
export const RESULT_COLOR: Record<Result, string> = { SUCCESS: 'blue', UNSTABLE: 'yellow', FAILURE: 'red', NOT_BUILT: 'notbuilt', ABORTED: 'aborted' };

/**
 * Jenkins' ball colour: from the newest started build's result; while a build runs, the previous
 * completed build's colour with `_anime`; `notbuilt` before any build; `disabled` for a disabled job.
 */
export async function jobColor(context: BeanContext, job: Job): Promise<string> {
  const last = await context.store.builds.latest(job.id, PERMALINKS.lastBuild);
  const running = last?.state === 'running';
  if (job.settings.disabled) return running ? 'disabled_anime' : 'disabled';
  if (!last) return 'notbuilt';
  if (!running) return RESULT_COLOR[last.result ?? 'NOT_BUILT'];
  const previous = await context.store.builds.latest(job.id, PERMALINKS.lastCompletedBuild);
  return `${previous ? RESULT_COLOR[previous.result ?? 'NOT_BUILT'] : 'notbuilt'}_anime`;
}

/** "Build stability" over the last five completed builds, as Jenkins reports it. */
function healthReport(newestFirst: readonly Build[]): Bean[] {
  const recent = newestFirst.filter((build) => build.state === 'completed').slice(0, 5);
  if (recent.length === 0) return [];
  const failed = recent.filter((build) => build.result === 'FAILURE').length;
  const score = Math.round((100 * (recent.length - failed)) / recent.length);
  const description =
    failed === 0
      ? 'Build stability: No recent builds failed.'
      : failed === recent.length
        ? 'Build stability: All recent builds failed.'
        : `Build stability: ${failed} out of the last ${recent.length} builds failed.`;
  const band = score > 80 ? '80plus' : score > 60 ? '60to79' : score > 40 ? '40to59' : score > 20 ? '20to39' : '00to19';
  return [
    bean('hudson.model.HealthReport', [
      ['description', 2, () => description],
      ['iconClassName', 2, () => `icon-health-${band}`],
      ['iconUrl', 2, () => `health-${band}.png`],
      ['score', 2, () => score],
    ]),
  ];
}
