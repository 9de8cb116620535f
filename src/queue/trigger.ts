import { createHash } from 'node:crypto';
import type { TriggerLimiter } from '../auth/rate-limits.js';
import type { Build } from '../core/build.js';
import type { Cause } from '../core/cause.js';
import { DomainError } from '../core/errors.js';
import type { Job } from '../core/item.js';
import { plainValue, resolveParameters, type ParameterValue } from '../core/parameters.js';
import type { EnqueueResult, Store } from '../store/types.js';
import { auditOf, causeOf, idempotencyOf, keyReused, ownTriggerAudit, rateLimited, type Starter } from './trigger-starter.js';

export { ownTriggerAudit, type RequestOrigin, type Starter } from './trigger-starter.js';

/** Seals and unseals secret parameter values; implemented by `auth/secret-box.ts`. */
export interface Sealer {
  seal(plaintext: string): string;
  unseal(sealed: string): string | null;
  digest(value: string): string;
}

export interface TriggerRequest {
  readonly job: Job;
  /** Who or what starts the build: decides the rate limit, the cause, the audit entry and the idempotency. */
  readonly starter: Starter;
  /**
   * The parameter values the trigger supplied, by name; null when it supplied none. A job with
   * parameters always gets a value for each (defaults fill the gaps); a job without gets none.
   */
  readonly parameters: ReadonlyMap<string, readonly string[]> | null;
  /** Refuse names the job does not declare, instead of ignoring them. */
  readonly rejectUnknownParameters: boolean;
  /** Overrides the quiet period; negative values mean "now". */
  readonly delayMs: number | null;
}

/** How long an idempotency key is honoured. */
export const IDEMPOTENCY_KEPT_MS = 86_400_000;

/**
 * The one trigger service: every way of starting a build (the Jenkins endpoints, Build Token Root,
 * webhooks, the pages, rebuilds, timers, retries after a lost agent, upstream builds) comes through
 * `trigger` (or, for a retry, `requeue`), which applies the rate limits, the job's rules (disabled,
 * parameters, quiet period, coalescing, queue cap), and records the cause and the audit entry in the
 * same commit as the queue item. The returned promise resolves once the item (or the cause folded
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
      /** Counts triggers per token, webhook and address; Steward's own triggers are not counted. */
      readonly limiter?: Pick<TriggerLimiter, 'admit'>;
      /** Hears each trigger that made or joined a queue item (not the repeat of an idempotency key): the metrics. */
      readonly accepted?: () => void;
      readonly now?: () => number;
    },
  ) {}

  /**
   * Queues a build of the job for the starter. Refuses, in this order: over a rate limit (429), a
   * malformed Idempotency-Key, a disabled job (409), parameters that are not the job's; and a repeat
   * of a caller's Idempotency-Key with another request (422, after the first one's item is found).
   */
  async trigger(request: TriggerRequest): Promise<EnqueueResult> {
    const { job, starter } = request;
    const limited = rateLimited(starter);
    if (limited) await this.deps.limiter?.admit(limited.address, limited.token);
    const idempotency = idempotencyOf(starter, job, request);
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
      cause: causeOf(starter, job),
      coalesce: job.settings.coalesce,
      maxWaiting: job.settings.maxQueued ?? this.deps.defaultMaxQueued(),
      now,
      audit: auditOf(starter, job, now),
      ...(idempotency ? { idempotency: { ...idempotency, since: now - IDEMPOTENCY_KEPT_MS } } : {}),
    });
    // Folding into a waiting item changes nothing the scheduler acts on, unless the item became due sooner.
    if (result.advanced) this.deps.wake();
    if (!result.replayOf) this.deps.accepted?.();
    if (starter.kind === 'caller' && starter.idempotencyKey && idempotency && result.replayOf && result.replayOf.fingerprint !== idempotency.fingerprint) {
      throw keyReused(starter.idempotencyKey.key, result.queueId);
    }
    return result;
  }

  /**
   * Queues a build again exactly as it was (its parameter values, sealed ones still sealed), for a
   * cause no request carries (a retry after a lost agent): never folded into a waiting item, never
   * refused for a full queue, due at once.
   */
  async requeue(job: Job, build: Build, cause: Cause, detail: Record<string, string | number | boolean | null>): Promise<EnqueueResult> {
    const now = (this.deps.now ?? Date.now)();
    const result = await this.deps.store.queue.enqueue({
      jobId: job.id,
      dueAt: now,
      parameters: build.parameters,
      parametersKey: this.parametersKey(build.parameters),
      cause,
      coalesce: false,
      now,
      audit: ownTriggerAudit(job.fullName, detail, now),
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
