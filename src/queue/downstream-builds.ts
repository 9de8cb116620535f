import type { Logger } from 'pino';
import type { Build } from '../core/build.js';
import { isDomainError } from '../core/errors.js';
import type { Job } from '../core/item.js';
import { meetsThreshold } from '../core/job-edges.js';
import type { Store } from '../store/types.js';
import type { Triggers } from './trigger.js';

export interface DownstreamDeps {
  readonly store: Store;
  readonly triggers: Pick<Triggers, 'trigger'>;
  readonly log: Logger;
}

/**
 * Queues a build of each downstream job whose threshold a finished build's result meets, caused
 * "Started by upstream project …", through the trigger service (audited as Steward's own trigger).
 * Reads only the job's downstream edges (`job_edges`, by index), never every job. A job named by
 * both kinds of edge is queued once. A disabled downstream job, or one whose queue is full, is
 * skipped with a warning, as Jenkins skips it with a line in the log. Answers how many were queued.
 *
 * Once per finished build: the scheduler calls this (its `onFinished`) on the server whose executor
 * ran the build, after `BuildStore.finish` recorded its end; a build that was running when its server
 * died is finished ABORTED by recovery or by the reaper, neither of which calls this, and ABORTED meets
 * no threshold anyway. Two servers can still both see one build finished (one took an agent's build
 * over while the other recorded it), so each trigger carries the idempotency key (upstream job,
 * build number, downstream job): the store gives the second attempt the first one's queue item
 * instead of a second build, in the same transaction that would have created it, whichever server
 * or restart repeats it.
 */
export async function queueDownstream(deps: DownstreamDeps, job: Job, build: Build): Promise<number> {
  if (build.result === null) return 0;
  const result = build.result;
  const edges = await deps.store.items.downstreamOf(job.id);
  const downstreamIds = [...new Set(edges.filter((edge) => meetsThreshold(result, edge.threshold)).map((edge) => edge.downstreamId))];
  let queued = 0;
  for (const id of downstreamIds) {
    const downstream = await deps.store.items.get(id);
    if (downstream?.kind !== 'job') continue;
    try {
      await deps.triggers.trigger({
        job: downstream,
        parameters: null,
        rejectUnknownParameters: false,
        delayMs: null,
        starter: {
          kind: 'steward',
          cause: { kind: 'upstream', job: job.fullName, build: build.number },
          detail: { upstream: job.fullName, upstreamBuild: build.number, result },
          once: { what: `upstream:${job.id}`, key: `${build.number}:${downstream.id}` },
        },
      });
      queued += 1;
    } catch (error) {
      if (!isDomainError(error)) throw error;
      deps.log.warn({ job: downstream.fullName, upstream: job.fullName, build: build.number, reason: error.code, err: error.message }, 'an upstream build finished, but no build of this downstream job was queued');
    }
  }
  return queued;
}
