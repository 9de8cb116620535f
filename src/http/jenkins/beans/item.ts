import type { Build, PermalinkName, Result } from '../../../core/build.js';
import type { Folder, Item, Job } from '../../../core/item.js';
import { itemPath } from '../../../core/item-url.js';
import { type Bean, bean, type Exported, pagedList, type PropertySpec } from '../export/bean.js';
import { ignoredSettingsAction, parametersDefinitionProperty } from './actions.js';
import { buildBean } from './build.js';
import { type BeanContext, canRead } from './context.js';
import { fullDisplayName } from './names.js';
import { PermalinkLoader } from './permalinks.js';
import { queueItemBean } from './queue.js';
import { viewRef, viewRefs } from './view.js';

export const JOB_CLASS = 'hudson.model.FreeStyleProject';
export const FOLDER_CLASS = 'com.cloudbees.hudson.plugins.folder.Folder';
const BUILDS_SHOWN = 100;
/** Builds read for the health report: its five completed builds are among the newest few. */
const HEALTH_WINDOW = 25;

export function itemBean(context: BeanContext, item: Item, permalinks?: PermalinkLoader): Bean {
  return item.kind === 'job' ? jobBean(context, item, permalinks) : folderBean(context, item);
}

/** Beans of listed items (a folder's, the root's): their jobs' permalinks are read together. */
export function itemBeans(context: BeanContext, items: readonly Item[]): Bean[] {
  const readable = items.filter((item) => canRead(context, item));
  const permalinks = new PermalinkLoader(context.store.builds, jobIds(readable));
  return readable.map((item) => itemBean(context, item, permalinks));
}

export function jobIds(items: readonly Item[]): number[] {
  return items.filter((item) => item.kind === 'job').map((item) => item.id);
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
export function jobBean(context: BeanContext, job: Job, permalinks = new PermalinkLoader(context.store.builds, [job.id])): Bean {
  const { settings } = job;
  const ref = (build: Build | null) => (build ? buildBean(context, job, build) : null);
  const builds = (offset: number, limit: number) => context.store.builds.list(job.id, { offset, limit });
  const buildPages = (shown: number) => pagedList(shown, async (offset, limit) => (await builds(offset, limit)).map((build) => buildBean(context, job, build)));
  const permalink = (name: PermalinkName): PropertySpec => [name, 1, async () => ref(await permalinks.get(job.id, name))];
  const firstWaiting = async () => (await context.store.queue.listWaitingOfJob(job.id, 1))[0];
  const parameters = settings.parameters.length > 0 ? [parametersDefinitionProperty(settings.parameters)] : [];
  const ignored = settings.ignoredSettings.length > 0 ? [ignoredSettingsAction(settings.ignoredSettings)] : [];
  return bean(JOB_CLASS, [
    ...itemHead(context, job, () => [...parameters, ...ignored]),
    ['buildable', 1, () => !settings.disabled],
    ['builds', 1, () => buildPages(BUILDS_SHOWN)],
    ['color', 2, () => jobColor(job, (name) => permalinks.get(job.id, name))],
    ['firstBuild', 1, async () => ref(await context.store.builds.first(job.id))],
    ['healthReport', 1, async () => healthReport(await builds(0, HEALTH_WINDOW))],
    ['inQueue', 1, async () => (await firstWaiting()) !== undefined],
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
        const first = await firstWaiting();
        return first ? queueItemBean(context, first, job) : null;
      },
    ],
    ['concurrentBuild', 1, () => settings.concurrentBuild],
    ['disabled', 1, () => settings.disabled],
    ['downstreamProjects', 1, async () => projectRefs(context, (await context.store.items.downstreamOf(job.id)).map((edge) => edge.downstreamId))],
    ['labelExpression', 1, () => settings.labelExpression],
    ['scm', 1, () => bean('hudson.scm.NullSCM', [])],
    ['upstreamProjects', 1, async () => projectRefs(context, (await context.store.items.upstreamOf(job.id)).map((edge) => edge.upstreamId))],
    ['allBuilds', -2, () => buildPages(Number.POSITIVE_INFINITY)],
  ]);
}

/**
 * Upstream or downstream jobs as Jenkins lists them (`{_class, name, url, color}`), by full name, each
 * once, only those the caller may read: read through the job's edges, one lookup per job listed.
 */
async function projectRefs(context: BeanContext, ids: readonly number[]): Promise<Bean[]> {
  const found = await Promise.all([...new Set(ids)].map((id) => context.store.items.get(id)));
  const jobs = found.filter((item): item is Job => item?.kind === 'job' && canRead(context, item)).sort((a, b) => (a.fullName < b.fullName ? -1 : a.fullName > b.fullName ? 1 : 0));
  const permalinks = new PermalinkLoader(context.store.builds, jobIds(jobs));
  return jobs.map((job) =>
    bean(JOB_CLASS, [
      ['name', 999, () => job.name],
      ['url', 999, () => context.rootUrl + itemPath(job.fullName)],
      ['color', 999, () => jobColor(job, (name) => permalinks.get(job.id, name))],
    ]),
  );
}

/** A folder (com.cloudbees.hudson.plugins.folder.Folder): its readable children in `jobs`. */
export function folderBean(context: BeanContext, folder: Folder): Bean {
  return bean(FOLDER_CLASS, [
    ...itemHead(context, folder, () => []),
    ['healthReport', 1, () => []],
    ['jobs', 1, async () => itemBeans(context, await context.store.items.listChildren(folder.id))],
    ['primaryView', 1, () => viewRef(context, folder, null)],
    ['views', 1, () => viewRefs(context, folder)],
  ]);
}

/** Jenkins' ball colour of each build result. */
export const RESULT_COLOR: Record<Result, string> = { SUCCESS: 'blue', UNSTABLE: 'yellow', FAILURE: 'red', NOT_BUILT: 'notbuilt', ABORTED: 'aborted' };

/**
 * Jenkins' ball colour: from the newest started build's result; while a build runs, the previous
 * completed build's colour with `_anime`; `notbuilt` before any build; `disabled` for a disabled job.
 */
export async function jobColor(job: Job, permalink: (name: PermalinkName) => Promise<Build | null>): Promise<string> {
  const last = await permalink('lastBuild');
  const running = last?.state === 'running';
  if (job.settings.disabled) return running ? 'disabled_anime' : 'disabled';
  if (!last) return 'notbuilt';
  if (!running) return RESULT_COLOR[last.result ?? 'NOT_BUILT'];
  const previous = await permalink('lastCompletedBuild');
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
