import type { Build } from '../../../core/build.js';
import type { Job } from '../../../core/item.js';
import { queueItemPath } from '../../../core/item-url.js';
import type { ParameterValue } from '../../../core/parameters.js';
import { isStuck, type QueueItem, type WaitingReason } from '../../../core/queue-item.js';
import { type Bean, bean, type Exported, type PropertySpec } from '../export/bean.js';
import { causeAction, parametersAction } from './actions.js';
import { buildBean } from './build.js';
import { canRead, type BeanContext } from './context.js';
import { jobBean, jobIds } from './item.js';
import { PermalinkLoader } from './permalinks.js';
import { why } from './why.js';

/** Jenkins' class for each state: an item no node can run now is buildable (and stuck) there too. */
const CLASS = {
  quiet: 'hudson.model.Queue$WaitingItem',
  blocked: 'hudson.model.Queue$BlockedItem',
  executor: 'hudson.model.Queue$BuildableItem',
  'no-node': 'hudson.model.Queue$BuildableItem',
  offline: 'hudson.model.Queue$BuildableItem',
  left: 'hudson.model.Queue$LeftItem',
} as const;

/** Jenkins also calls a buildable item stuck once it has waited more than a day (with no estimate of its duration). */
const STUCK_AFTER_MS = 86_400_000;

function isBuildable(reason: WaitingReason | null): boolean {
  return reason !== null && reason.kind !== 'quiet' && reason.kind !== 'blocked';
}

/** `NAME=value` lines as Jenkins' `params` field shows them, passwords masked. */
function paramsText(parameters: readonly ParameterValue[] | null): string {
  return (parameters ?? []).map((value) => `\n${value.name}=${value.type === 'password' ? '****' : String(value.value)}`).join('');
}

/**
 * A queue item, in whichever of Jenkins' four shapes its state calls for. All fields show at every
 * depth. `stuck` is Jenkins' `BuildableItem.isStuck`: no node can run it now (none matches, or all
 * that match are offline), or it has been buildable for more than a day.
 */
export async function queueItemBean(context: BeanContext, item: QueueItem, job: Job, permalinks?: PermalinkLoader): Promise<Bean> {
  const reason = item.state === 'waiting' ? (await context.waitingReasons())(item, job) : null;
  const kind = reason?.kind ?? 'left';
  const buildable = isBuildable(reason);
  const stuck = buildable && reason !== null && (isStuck(reason) || Date.now() - item.dueAt > STUCK_AFTER_MS);
  const actions = (): Exported[] => [...(item.parameters ? [parametersAction(item.parameters)] : []), causeAction(item.causes)];
  const specs: PropertySpec[] = [
    ['actions', 999, actions],
    ['blocked', 999, () => kind === 'blocked'],
    ['buildable', 999, () => buildable],
    ['id', 999, () => item.id],
    ['inQueueSince', 999, () => item.queuedAt],
    ['params', 999, () => paramsText(item.parameters)],
    ['stuck', 999, () => stuck],
    ['task', 999, () => jobBean(context, job, permalinks)],
    ['url', 999, () => queueItemPath(item.id)],
    ['why', 999, () => (reason ? why(reason, -1) : null)],
  ];
  if (kind === 'quiet') specs.push(['timestamp', 999, () => item.dueAt]);
  if (kind === 'blocked' || buildable) specs.push(['buildableStartMilliseconds', 999, () => item.dueAt]);
  if (buildable) specs.push(['pending', 999, () => false]);
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
        const [waiting, reasons] = await Promise.all([context.store.queue.listWaiting(QUEUE_SHOWN), context.waitingReasons()]);
        const rows: Array<{ item: QueueItem; job: Job; rank: number }> = [];
        for (const item of waiting) {
          const job = await context.store.items.get(item.jobId);
          if (!job || job.kind !== 'job' || !canRead(context, job)) continue;
          const kind = reasons(item, job).kind;
          rows.push({ item, job, rank: kind === 'quiet' ? 0 : kind === 'blocked' ? 1 : 2 });
        }
        const ordered = [
          ...rows.filter((row) => row.rank === 0),
          ...rows.filter((row) => row.rank === 1),
          ...rows.filter((row) => row.rank === 2).reverse(),
        ];
        const permalinks = new PermalinkLoader(context.store.builds, jobIds(rows.map((row) => row.job)));
        return Promise.all(ordered.map((row) => queueItemBean(context, row.item, row.job, permalinks)));
      },
    ],
  ]);
}
