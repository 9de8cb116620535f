import type { Logger } from 'pino';
import type { AuditEvent, AuditFilter, StoredAuditEvent } from '../core/audit.js';
import type { Store } from '../store/types.js';

/**
 * The audit log. `record` is for refusals and other events whose answer need not wait for the disk:
 * the event is committed with the next group commit, and a failure to write it is logged. Acts that
 * change state await `recordNow`, and accepted triggers are recorded in the same commit as their
 * queue item (see `EnqueueRequest.audit`).
 */
export class AuditLog {
  constructor(
    private readonly store: Store,
    private readonly log: Logger,
    private readonly retentionMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  record(event: AuditEvent): void {
    this.store.audit.record(event).catch((error: unknown) => this.log.error({ err: error, action: event.action }, 'writing an audit event failed'));
  }

  recordNow(event: AuditEvent): Promise<void> {
    return this.store.audit.record(event);
  }

  query(filter: AuditFilter): Promise<StoredAuditEvent[]> {
    return this.store.audit.query(filter);
  }

  prune(): Promise<number> {
    return this.store.audit.prune(this.now() - this.retentionMs);
  }
}
