import { createHash } from 'node:crypto';
import type { AuditEvent } from '../core/audit.js';
import type { Build } from '../core/build.js';
import type { Cause } from '../core/cause.js';
import { DomainError } from '../core/errors.js';
import type { Job } from '../core/item.js';
import { plainValue, resolveParameters, type ParameterValue } from '../core/parameters.js';
import type { EnqueueResult, Store } from '../store/types.js';

/** Seals and unseals secret parameter values; implemented by `auth/secret-box.ts`. */
export interface Sealer {
  seal(plaintext: string): string;
  unseal(sealed: string): string | null;
  digest(value: string): string;
}

export interface TriggerRequest {
  readonly job: Job;
  /**
   * The parameter values the trigger supplied, by name; null when it supplied none. A job with
   * parameters always gets a value for each (defaults fill the gaps); a job without gets none.
   */
  readonly parameters: ReadonlyMap<string, readonly string[]> | null;
  /** Refuse names the job does not declare, instead of ignoring them. */
  readonly rejectUnknownParameters: boolean;
  /** Overrides the quiet period; negative values mean "now". */
  readonly delayMs: number | null;
  readonly cause: Cause;
  /** Recorded in the same commit as the queue item. */
  readonly audit?: AuditEvent;
  /**
   * A client's idempotency key: a repeat from the same credential within a day gets the first
   * request's queue item (see `EnqueueResult.replayOf`) instead of a new one.
   */
  readonly idempotency?: { readonly credential: string; readonly key: string; readonly fingerprint: string };
}

/** How long an idempotency key is honoured. */
export const IDEMPOTENCY_KEPT_MS = 86_400_000;

/**
 * Turns a trigger into a queue item. The returned promise resolves once the item (or the cause folded
 * into an identical waiting item) is durable, and the scheduler has been woken.
 */
export class Triggers {
  constructor(
    private readonly deps: {
      readonly store: Store;
      readonly sealer: Sealer;
      readonly defaultQuietPeriodSeconds: () => number;
      /** The most items of one job that may wait, for jobs that set none. */
      readonly defaultMaxQueued: () => number;
      readonly wake: () => void;
      /** Hears each trigger that made or joined a queue item (not the repeat of an idempotency key): the metrics. */
      readonly accepted?: () => void;
      readonly now?: () => number;
    },
  ) {}

  async trigger(request: TriggerRequest): Promise<EnqueueResult> {
    const { job } = request;
    if (job.settings.disabled) {
      throw new DomainError('job_disabled', `${job.fullName} is not buildable: it is disabled.`, 'Enable the job (POST …/enable, or `disabled: false` in the config file), then trigger again.');
    }
    const now = (this.deps.now ?? Date.now)();
    const parameters =
      job.settings.parameters.length === 0
        ? null
        : resolveParameters(job.settings.parameters, request.parameters ?? new Map(), (plain) => this.deps.sealer.seal(plain), {
            rejectUnknown: request.rejectUnknownParameters,
          });
    const quietMs = request.delayMs ?? (job.settings.quietPeriodSeconds ?? this.deps.defaultQuietPeriodSeconds()) * 1000;
    const result = await this.deps.store.queue.enqueue({
      jobId: job.id,
      dueAt: now + Math.max(0, quietMs),
      parameters,
      parametersKey: this.parametersKey(parameters),
      cause: request.cause,
      coalesce: job.settings.coalesce,
      maxWaiting: job.settings.maxQueued ?? this.deps.defaultMaxQueued(),
      now,
      ...(request.audit ? { audit: request.audit } : {}),
      ...(request.idempotency ? { idempotency: { ...request.idempotency, since: now - IDEMPOTENCY_KEPT_MS } } : {}),
    });
    // Folding into a waiting item changes nothing the scheduler acts on, unless the item became due sooner.
    if (result.advanced) this.deps.wake();
    if (!result.replayOf) this.deps.accepted?.();
    return result;
  }

  /**
   * Queues a build again exactly as it was (its parameter values, sealed ones still sealed), for a
   * cause no request carries (a retry after a lost agent): never folded into a waiting item, never
   * refused for a full queue, due at once.
   */
  async requeue(job: Job, build: Build, cause: Cause, audit: AuditEvent): Promise<EnqueueResult> {
    const now = (this.deps.now ?? Date.now)();
    const result = await this.deps.store.queue.enqueue({
      jobId: job.id,
      dueAt: now,
      parameters: build.parameters,
      parametersKey: this.parametersKey(build.parameters),
      cause,
      coalesce: false,
      now,
      audit,
    });
    this.deps.wake();
    return result;
  }

  /**
   * Two requests with equal keys are identical, so the queue folds one into the other (Jenkins
   * compares parameter values). Passwords are compared by value too, which is why the key is a keyed
   * digest and never the values themselves.
   */
  private parametersKey(parameters: readonly ParameterValue[] | null): string {
    if (parameters === null) return '';
    const canonical = JSON.stringify(
      [...parameters]
        .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
        .map((value) => [value.name, value.type, plainValue(value, (sealed) => this.deps.sealer.unseal(sealed) ?? sealed)]),
    );
    return this.deps.sealer.digest(createHash('sha256').update(canonical).digest('base64url'));
  }
}

/** The audit entry of a build Steward queues on its own (a timer, a retry after a lost agent): actor `steward`, no credential. */
export function ownTriggerAudit(item: string, detail: AuditEvent['detail'], at: number = Date.now()): AuditEvent {
  return { at, requestId: null, action: 'trigger', outcome: 'accepted', reason: null, actor: 'steward', credential: 'none', address: null, item, queueId: null, detail };
}
