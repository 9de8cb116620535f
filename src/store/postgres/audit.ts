import type { AuditEvent, AuditFilter, StoredAuditEvent } from '../../core/audit.js';
import { type AuditRow, rowToAuditEvent } from '../sql/rows.js';
import type { AuditStore } from '../types.js';
import { BoundedDelete } from './bounded-delete.js';
import type { Sql } from './sql.js';
import type { PgWriteBatch } from './write-batch.js';

/** Audit events, each with its count, as the JSON array parameter that `insertAuditEvents` reads. */
export function auditRows(events: ReadonlyArray<{ event: AuditEvent; count: number }>): string {
  return JSON.stringify(
    events.map(({ event: e, count }) => ({
      at: e.at,
      request_id: e.requestId,
      action: e.action,
      outcome: e.outcome,
      reason: e.reason,
      actor: e.actor,
      credential: e.credential,
      address: e.address,
      item: e.item,
      queue_id: e.queueId,
      detail: JSON.stringify(e.detail),
      count,
    })),
  );
}

/**
 * An INSERT of the audit events in the JSON array parameter `parameter` (`auditRows`), in their order.
 * `queueId` is the SQL of each event's queue id, the event's own unless given, and `from` names what it
 * reads: the enqueue statement gives the id of the queue item it made or joined.
 */
export function insertAuditEvents(parameter: string, queueId = 'r.queue_id', from = ''): string {
  return `INSERT INTO audit_events (at, request_id, action, outcome, reason, actor, credential, address, item, queue_id, detail, count)
    SELECT r.at, r.request_id, r.action, r.outcome, r.reason, r.actor, r.credential, r.address, r.item, ${queueId}, r.detail, r.count
    FROM ${from}jsonb_array_elements(${parameter}::jsonb) WITH ORDINALITY AS e (value, n),
      jsonb_to_record(e.value) AS r (at bigint, request_id text, action text, outcome text, reason text, actor text,
        credential text, address text, item text, queue_id bigint, detail text, count bigint)
    ORDER BY e.n`;
}

/** Appends audit events; used by the audit store and, inside its own writes, by the queue store. */
export class AuditTable {
  /** Appends events, each with its count, in one statement. Call inside a write. */
  async append(tx: Sql, events: ReadonlyArray<{ event: AuditEvent; count: number }>): Promise<void> {
    if (events.length > 0) await tx.run(insertAuditEvents('$1'), [auditRows(events)]);
  }
}

export class PgAuditStore implements AuditStore {
  private readonly pruneOld: BoundedDelete;

  constructor(
    private readonly db: Sql,
    private readonly batch: PgWriteBatch,
    private readonly table: AuditTable,
  ) {
    this.pruneOld = new BoundedDelete(batch, 'audit_events', 'at < $1');
  }

  record(event: AuditEvent): Promise<void> {
    return this.batch.write((tx) => this.table.append(tx, [{ event, count: 1 }]));
  }

  async query(filter: AuditFilter): Promise<StoredAuditEvent[]> {
    const where: string[] = [];
    const values: Array<string | number> = [];
    const add = (clause: (parameter: string) => string, value: string | number | undefined) => {
      if (value === undefined) return;
      values.push(value);
      where.push(clause(`$${values.length}`));
    };
    add((p) => `at >= ${p}`, filter.since);
    add((p) => `at < ${p}`, filter.until);
    add((p) => `lower(actor) = lower(${p})`, filter.actor);
    add((p) => `lower(item) = lower(${p})`, filter.item);
    add((p) => `action = ${p}`, filter.action);
    add((p) => `outcome = ${p}`, filter.outcome);
    add((p) => `reason = ${p}`, filter.reason);
    add((p) => `id < ${p}`, filter.beforeId);
    values.push(filter.limit);
    // One statement per combination of filters (at most 2^8), each prepared once per connection.
    const sql = `SELECT * FROM audit_events ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY id DESC LIMIT $${values.length}`;
    return (await this.db.rows<AuditRow>(sql, values)).map(rowToAuditEvent);
  }

  prune(before: number): Promise<number> {
    return this.pruneOld.run(before);
  }
}
