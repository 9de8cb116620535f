import { causeKey } from '../../core/cause.js';
import type { EnqueueRequest, EnqueueResult } from '../types.js';

/** Requests with equal keys are identical triggers: same job, parameters and cause. */
export function coalescingKey(request: EnqueueRequest): string {
  return `${request.jobId}\u0000${request.parametersKey}\u0000${causeKey(request.cause)}`;
}

/** The earliest due time of a group of identical requests. */
export function earliestDue(requests: readonly EnqueueRequest[]): number {
  return requests.reduce((earliest, request) => Math.min(earliest, request.dueAt), (requests[0] as EnqueueRequest).dueAt);
}

/** The answers to a group of identical requests folded into the waiting item `queueId`, due at `dueAt` until now. */
export function foldedResults(requests: readonly EnqueueRequest[], queueId: number, dueAt: number): EnqueueResult[] {
  const earliest = Math.min(dueAt, earliestDue(requests));
  return requests.map((request) => ({ queueId, created: false, dueAt: earliest, advanced: request.dueAt < dueAt }));
}

/** The answers to a group of identical requests that made the new item `queueId`: the first created it. */
export function createdResults(requests: readonly EnqueueRequest[], queueId: number): EnqueueResult[] {
  const dueAt = earliestDue(requests);
  return requests.map((_, index) => ({ queueId, created: index === 0, dueAt, advanced: index === 0 }));
}

/** The audit events of a group of requests, with the queue item they made or joined (null: left to the statement that writes them). */
export function auditEvents(requests: readonly EnqueueRequest[], queueId: number | null) {
  return requests.flatMap((request) => (request.audit ? [{ ...request.audit, queueId }] : []));
}
