import type { Logger } from 'pino';
import { isDomainError } from '../core/errors.js';
import type { Job } from '../core/item.js';
import type { Store } from '../store/types.js';
import { nextFire, parseTimerSpec } from '../timers/timer-spec.js';
import type { Triggers } from './trigger.js';

/** How many due timers one read takes. */
const BATCH = 100;

export interface TimerTriggerDeps {
  readonly store: Store;
  readonly triggers: Pick<Triggers, 'trigger'>;
  readonly log: Logger;
  readonly now?: () => number;
}

/**
 * Fires the jobs' "Build periodically" timers that are due: reads them through the store's index
 * (nothing when none is due), moves each to its next fire time and, on the one server that moved it,
 * queues a build with the cause "Started by timer", recorded in the audit log as Steward's own
 * trigger. Every server calls this every few seconds; a timer fires once per deployment. A time
 * missed while no server ran fires once when one is back, not once per missed time, as in Jenkins.
 * A disabled job's timer moves on without a build. Answers how many builds were queued.
 */
export async function fireDueTimers(deps: TimerTriggerDeps): Promise<number> {
  const now = (deps.now ?? Date.now)();
  let queued = 0;
  for (;;) {
    const due = await deps.store.timers.due('build', now, BATCH);
    for (const timer of due) {
      const item = await deps.store.items.get(timer.jobId);
      const job = item?.kind === 'job' ? item : null;
      if (!(await deps.store.timers.advance('build', timer.jobId, timer.dueAt, job ? nextTime(job, now, deps.log) : null))) continue;
      if (job && !job.settings.disabled && job.settings.timerSpec !== null && (await queueBuild(deps, job, timer.dueAt))) queued += 1;
    }
    if (due.length < BATCH) return queued;
  }
}

function nextTime(job: Job, now: number, log: Logger): number | null {
  if (job.settings.timerSpec === null) return null;
  try {
    return nextFire(parseTimerSpec(job.settings.timerSpec, job.fullName), now);
  } catch (error) {
    // Checked when saved; a time zone this Node no longer knows stops the timer, loudly.
    log.warn({ job: job.fullName, err: error }, 'the "Build periodically" schedule of this job cannot be read any more: its timer stops until the job is saved again');
    return null;
  }
}

async function queueBuild(deps: TimerTriggerDeps, job: Job, dueAt: number): Promise<boolean> {
  try {
    await deps.triggers.trigger({
      job,
      parameters: null,
      rejectUnknownParameters: false,
      delayMs: null,
      starter: { kind: 'steward', cause: { kind: 'timer' }, detail: { timer: job.settings.timerSpec, dueAt } },
    });
    return true;
  } catch (error) {
    if (!isDomainError(error)) throw error;
    // A full queue (`queue_full`), a job disabled a moment ago: this time is skipped, the next one comes.
    deps.log.warn({ job: job.fullName, reason: error.code, err: error.message }, 'a "Build periodically" timer came due, but no build was queued');
    return false;
  }
}
