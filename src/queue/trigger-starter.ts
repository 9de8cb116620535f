import { hash } from 'node:crypto';
import type { Authority } from '../auth/trigger-authority.js';
import type { Principal } from '../auth/principal.js';
import type { AuditEvent } from '../core/audit.js';
import type { Cause } from '../core/cause.js';
import { DomainError } from '../core/errors.js';
import type { Job } from '../core/item.js';

/**
 * The request a trigger came in, as the HTTP layer hands it over: who asks, from where, and the audit
 * event it knows so far (request id, actor, credential), which the trigger service completes.
 */
export interface RequestOrigin {
  readonly principal: Principal;
  readonly address: string;
  readonly audit: AuditEvent;
}

/**
 * Who or what starts a build: every way in describes itself as one of these, and the trigger service
 * (`Triggers.trigger`) derives from it the rate limit, the cause, the audit entry and the idempotency key.
 * - `caller`: a request with a user's permission, the job's token or a trigger token (`/build`,
 *   `/buildWithParameters`, `/polling`, Build Token Root, the pages); with `rebuildOf`, a rebuild.
 * - `webhook`: a verified delivery; its id makes a redelivery a duplicate.
 * - `notification`: a push notification from a repository host (`/git/notifyCommit?sha1=`), with
 *   the cause it names; counted against the notifier's trigger token, and the same notification again
 *   (`once`) is the same build.
 * - `steward`: Steward on its own (a timer, an upstream build, a poll that found changes): no request,
 *   no rate limit; `once` makes it idempotent across servers.
 */
export type Starter =
  | {
      readonly kind: 'caller';
      readonly origin: RequestOrigin;
      readonly authority: Authority;
      /** The `cause=` note of the request. */
      readonly note: string | null;
      /** The endpoint (last path segment) and the Idempotency-Key header, when one was sent. */
      readonly idempotencyKey?: { readonly key: string; readonly endpoint: string };
      /** Rebuilds this build number of the job ("Rebuilt from #N"). */
      readonly rebuildOf?: number;
    }
  | {
      readonly kind: 'webhook';
      readonly origin: RequestOrigin;
      readonly webhook: string;
      readonly event: string | null;
      readonly delivery: string | null;
      /** A digest of the delivery's body: a redelivery with the same id is the same request. */
      readonly bodyDigest: string;
    }
  | {
      readonly kind: 'notification';
      readonly origin: RequestOrigin;
      readonly cause: Cause;
      /** The trigger token the notifier presented, by uuid and name. */
      readonly token: { readonly uuid: string; readonly name: string };
      readonly detail: AuditEvent['detail'];
      readonly once: { readonly what: string; readonly key: string };
    }
  | {
      readonly kind: 'steward';
      readonly cause: Cause;
      readonly detail: AuditEvent['detail'];
      /** Makes a repeat of the same trigger (by whoever repeats it) a replay instead of a second build: `what` names the source, `key` the occurrence. */
      readonly once?: { readonly what: string; readonly key: string };
    };

const MAX_IDEMPOTENCY_KEY = 255;

/** The cause a trigger records: the token by name, the remote host, the user, the webhook, or Steward's own. */
export function causeOf(starter: Starter, job: Job): Cause {
  switch (starter.kind) {
    case 'steward':
    case 'notification':
      return starter.cause;
    case 'webhook':
      return { kind: 'webhook', webhook: starter.webhook, event: starter.event, delivery: starter.delivery, address: starter.origin.address };
    case 'caller': {
      const { authority, origin, note } = starter;
      if (starter.rebuildOf !== undefined) return { kind: 'rebuild', job: job.fullName, build: starter.rebuildOf, ...userOf(origin.principal) };
      switch (authority.kind) {
        case 'trigger_token':
          return { kind: 'token', tokenUuid: authority.token.uuid, tokenName: authority.token.name, createdBy: authority.token.createdBy, address: origin.address, note };
        case 'job_token':
          return { kind: 'remote', address: origin.address, note };
        case 'permission':
          return { kind: 'user', ...userOf(origin.principal) };
      }
    }
  }
}

function userOf(principal: Principal): { userId: string | null; userName: string } {
  return principal.kind === 'user' ? { userId: principal.id, userName: principal.fullName } : { userId: null, userName: 'anonymous' };
}

/** The audit entry of an accepted trigger, recorded in the same commit as its queue item. */
export function auditOf(starter: Starter, job: Job, now: number): AuditEvent {
  switch (starter.kind) {
    case 'steward':
      return ownTriggerAudit(job.fullName, starter.detail, now);
    case 'notification':
      return { ...starter.origin.audit, action: 'trigger', outcome: 'accepted', actor: `trigger-token:${starter.token.name}`, credential: 'trigger_token', item: job.fullName, detail: { ...starter.detail, triggerToken: starter.token.name } };
    case 'webhook':
      return {
        ...starter.origin.audit,
        action: 'trigger',
        outcome: 'accepted',
        actor: `webhook:${starter.webhook}`,
        credential: 'webhook',
        item: job.fullName,
        detail: { webhook: starter.webhook, event: starter.event, delivery: starter.delivery },
      };
    case 'caller':
      return { ...starter.origin.audit, action: 'trigger', outcome: 'accepted', item: job.fullName, ...auditCredential(starter.authority) };
  }
}

function auditCredential(authority: Authority): { credential?: 'job_token' | 'trigger_token'; detail?: Record<string, string | boolean> } {
  switch (authority.kind) {
    case 'trigger_token':
      return { credential: 'trigger_token', detail: { triggerToken: authority.token.name, tokenInQuery: authority.inQuery } };
    case 'job_token':
      return { credential: 'job_token', detail: { jobToken: true, tokenInQuery: authority.inQuery } };
    case 'permission':
      return {};
  }
}

/** The audit entry of a build Steward queues on its own (a timer, a retry after a lost agent, an upstream build): actor `steward`, no credential. */
export function ownTriggerAudit(item: string, detail: AuditEvent['detail'], at: number = Date.now()): AuditEvent {
  return { at, requestId: null, action: 'trigger', outcome: 'accepted', reason: null, actor: 'steward', credential: 'none', address: null, item, queueId: null, detail };
}

/** Whose triggers a rate limit counts: the trigger token or the webhook, else (with a limit per address) the address; none for Steward's own. */
export function rateLimited(starter: Starter): { address: string; token: { uuid: string; name: string } | null } | null {
  switch (starter.kind) {
    case 'steward':
      return null;
    case 'notification':
      return { address: starter.origin.address, token: starter.token };
    case 'webhook':
      return { address: starter.origin.address, token: { uuid: `webhook:${starter.webhook}`, name: `webhook ${starter.webhook}` } };
    case 'caller':
      return { address: starter.origin.address, token: starter.authority.kind === 'trigger_token' ? starter.authority.token : null };
  }
}

/** What makes two triggers one for an idempotency key: the credential, the key, and a fingerprint of the request. */
export interface Idempotency {
  readonly credential: string;
  readonly key: string;
  readonly fingerprint: string;
}

/**
 * The idempotency of a trigger, or undefined: a caller's Idempotency-Key (1 to 255 characters) per
 * user, token, or (for a job token) job, fingerprinted by job, endpoint, parameters, delay and note; a
 * webhook's delivery id per webhook and job, fingerprinted by the body.
 */
export function idempotencyOf(
  starter: Starter,
  job: Job,
  request: { readonly parameters: ReadonlyMap<string, readonly string[]> | null; readonly delayMs: number | null },
): Idempotency | undefined {
  if (starter.kind === 'webhook') {
    return starter.delivery ? { credential: `webhook:${starter.webhook.toLowerCase()}`, key: `${starter.delivery}:${job.id}`, fingerprint: starter.bodyDigest } : undefined;
  }
  if (starter.kind === 'steward' || starter.kind === 'notification') return starter.once ? { credential: `${starter.kind}:${starter.once.what}`, key: starter.once.key, fingerprint: '' } : undefined;
  if (starter.idempotencyKey === undefined) return undefined;
  const { key, endpoint } = starter.idempotencyKey;
  if (key.trim() === '' || key.length > MAX_IDEMPOTENCY_KEY) {
    throw new DomainError('parameter_invalid', `An Idempotency-Key needs 1 to ${MAX_IDEMPOTENCY_KEY} characters.`, 'Send a unique value per logical trigger, e.g. a UUID or the commit id.');
  }
  const fingerprint = hash('sha256', JSON.stringify([job.id, endpoint, [...(request.parameters ?? new Map())].sort(), request.delayMs, starter.note]), 'hex');
  return { credential: callerCredential(starter, job), key: key.trim(), fingerprint };
}

/** Whose repeats an Idempotency-Key recognises: the user, the token, or (for a job token) the job. */
function callerCredential(starter: Extract<Starter, { kind: 'caller' }>, job: Job): string {
  const { authority, origin } = starter;
  if (authority.kind === 'trigger_token') return `token:${authority.token.uuid}`;
  if (authority.kind === 'job_token') return `job:${job.id}`;
  return origin.principal.kind === 'user' ? `user:${origin.principal.id.toLowerCase()}` : `anonymous:${origin.address}`;
}

/** A repeat of an Idempotency-Key with another request is refused (422), naming the first one's queue item. */
export function keyReused(key: string, queueId: number): DomainError {
  return new DomainError(
    'idempotency_key_reused',
    `The Idempotency-Key "${key}" was first used for another trigger (queue item ${queueId}), with other parameters.`,
    'Use a new key for a different trigger; repeat a trigger with exactly the same request to get its first answer.',
  );
}
