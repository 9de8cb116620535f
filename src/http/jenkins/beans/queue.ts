import type { Build } from '../../../core/build.js';
import type { Job } from '../../../core/item.js';
import { queueItemPath } from '../../../core/item-url.js';
import type { ParameterValue } from '../../../core/parameters.js';
import type { QueueItem, WaitingReason } from '../../../core/queue-item.js';
import { type Bean, bean, type Exported, type PropertySpec } from '../export/bean.js';
import { causeAction, parametersAction } from './actions.js';
import { buildBean } from './build.js';
import { canRead, type BeanContext } from './context.js';
import { jobBean, jobIds } from './item.js';
import { PermalinkLoader } from './permalinks.js';
import { timeSpan } from './time-span.js';

const CLASS = {
  quiet: 'hudson.model.Queue$WaitingItem',
  blocked: 'hudson.model.Queue$BlockedItem',
  executor: 'hudson.model.Queue$BuildableItem',
  left: 'hudson.model.Queue$LeftItem',
} as const;

export function why(reason: WaitingReason, estimatedMs: number): string {
  switch (reason.kind) {
    case 'quiet':
      return `In the quiet period. Expires in ${timeSpan(reason.remainingMs)}`;
    case 'blocked':
      return `Build #${reason.runningBuildNumber} is already in progress (ETA: ${estimatedMs >= 0 ? timeSpan(estimatedMs) : 'N/A'})`;
    case 'executor':
      return 'Waiting for next available executor';
  }
}

/** `NAME=value` lines as Jenkins' `params` field shows them, passwords masked. */
function paramsText(parameters: readonly ParameterValue[] | null): string {
  return (parameters ?? []).map((value) => `\n${value.name}=${value.type === 'password' ? '****' : String(value.value)}`).join('');
}

/** A queue item, in whichever of Jenkins' four shapes its state calls for. All fields show at every depth. */
export function queueItemBean(context: BeanContext, item: QueueItem, job: Job, permalinks?: PermalinkLoader): Bean {
  const reason = item.state === 'waiting' ? context.scheduler.waitingReason(item, job) : null;
  const kind = reason?.kind ?? 'left';
  const actions = (): Exported[] => [...(item.parameters ? [parametersAction(item.parameters)] : []), causeAction(item.causes)];
  const specs: PropertySpec[] = [
    ['actions', 999, actions],
    ['blocked', 999, () => kind === 'blocked'],
    ['buildable', 999, () => kind === 'executor'],
    ['id', 999, () => item.id],
    ['inQueueSince', 999, () => item.queuedAt],
    ['params', 999, () => paramsText(item.parameters)],
    ['stuck', 999, () => false],
    ['task', 999, () => jobBean(context, job, permalinks)],
    ['url', 999, () => queueItemPath(item.id)],
    ['why', 999, () => (reason ? why(reason, -1) : null)],
  ];
  if (kind === 'quiet') specs.push(['timestamp', 999, () => item.dueAt]);
  if (kind === 'blocked' || kind === 'executor') specs.push(['buildableStartMilliseconds', 999, () => item.dueAt]);
  if (kind === 'executor') specs.push(['pending', 999, () => false]);
  if (kind === 'left') {
    specs.push(['cancelled', 999, () => item.state === 'cancelled']);
    specs.push(['executable', 999, async () => executable(context, job, item)]);
  }
  return bean(CLASS[kind], specs);
}

async function executable(context: BeanContext, job: Job, item: QueueItem): Promise<Bean | null> {
  if (item.buildNumber === null) return null;
  const build: Build | null = await context.store.builds.get(job.id, item.buildNumber);
  return build ? buildBean(context, job, build) : null;
}

/** How many waiting items `/queue/api/json` lists at most: the ones due soonest. */
export const QUEUE_SHOWN = 1_000;

/**
 * `/queue/api/json`: the waiting items the caller may read, in Jenkins' order (quiet period first,
 * then blocked, then buildable newest first), so the next to start is last. Of a longer queue it
 * lists the QUEUE_SHOWN items due soonest (each item stays readable at /queue/item/N/api/json).
 */
export function queueBean(context: BeanContext): Bean {
  return bean('hudson.model.Queue', [
    ['discoverableItems', 1, () => []],
    [
      'items',
      1,
      async () => {
        const waiting = await context.store.queue.listWaiting(QUEUE_SHOWN);
        const rows: Array<{ item: QueueItem; job: Job; rank: number }> = [];
        for (const item of waiting) {
          const job = await context.store.items.get(item.jobId);
          if (!job || job.kind !== 'job' || !canRead(context, job)) continue;
          const kind = context.scheduler.waitingReason(item, job).kind;
          rows.push({ item, job, rank: kind === 'quiet' ? 0 : kind === 'blocked' ? 1 : 2 });
        }
        const ordered = [
          ...rows.filter((row) => row.rank === 0),
          ...rows.filter((row) => row.rank === 1),
          ...rows.filter((row) => row.rank === 2).reverse(),
        ];
        const permalinks = new PermalinkLoader(context.store.builds, jobIds(rows.map((row) => row.job)));
        return ordered.map((row) => queueItemBean(context, row.item, row.job, permalinks));
      },
    ],
  ]);
}
