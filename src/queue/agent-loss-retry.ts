import { type Build, isAgentLoss } from '../core/build.js';
import type { Cause } from '../core/cause.js';
import type { Job } from '../core/item.js';
import type { Triggers } from './trigger.js';

/**
 * The cause of the retry a finished build earns, or null: a build that lost its agent is queued again
 * while its job's `retryOnAgentLoss` allows, counting the retries that led to it. A build that failed,
 * was stopped or timed out is never re-run.
 */
export function agentLossRetry(job: Job, build: Build): Extract<Cause, { kind: 'agent_loss_retry' }> | null {
  if (!isAgentLoss(build.interruption)) return null;
  const previous = build.causes.find(({ cause }) => cause.kind === 'agent_loss_retry')?.cause;
  const attempt = (previous?.kind === 'agent_loss_retry' ? previous.attempt : 0) + 1;
  if (attempt > job.settings.retryOnAgentLoss) return null;
  return { kind: 'agent_loss_retry', build: build.number, node: build.interruption.node, attempt };
}

/** Queues the retry a finished build earns, if any, recorded in the audit log as Steward's own trigger. Answers its queue id. */
export async function retryAfterAgentLoss(triggers: Triggers, job: Job, build: Build): Promise<number | null> {
  const cause = agentLossRetry(job, build);
  if (!cause) return null;
  const { queueId } = await triggers.requeue(job, build, cause, { retryOf: build.number, node: cause.node, attempt: cause.attempt, of: job.settings.retryOnAgentLoss });
  return queueId;
}
