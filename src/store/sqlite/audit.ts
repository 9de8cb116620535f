import type { Database, Statement } from 'better-sqlite3';
import type { AuditEvent, AuditFilter, StoredAuditEvent } from '../../core/audit.js';
import type { AuditStore } from '../types.js';
import type { WriteBatch } from './write-batch.js';

interface AuditRow {
  id: number;
  at: number;
  request_id: string | null;
  action: string;
  outcome: 'accepted' | 'refused';
  reason: string | null;
  actor: string;
  credential: string;
  address: string | null;
  item: string | null;
  queue_id: number | null;
  detail: string;
}

/** Appends audit events; used by the audit store and, inside its own writes, by the queue store. */
export class AuditTable {
  private readonly insert: Statement;

  constructor(db: Database) {
    this.insert = db.prepare(
      `INSERT INTO audit_events (at, request_id, action, outcome, reason, actor, credential, address, item, queue_id, detail)
       VALUES (@at, @requestId, @action, @outcome, @reason, @actor, @credential, @address, @item, @queueId, @detail)`,
    );
  }

  /** Call inside a write. */
  append(event: AuditEvent): void {
    this.insert.run({ ...event, detail: JSON.stringify(event.detail) });
  }
}

export class SqliteAuditStore implements AuditStore {
  private readonly pruneOld: Statement<[number]>;

  constructor(
    private readonly db: Database,
    private readonly batch: WriteBatch,
    private readonly table: AuditTable,
  ) {
    this.pruneOld = db.prepare('DELETE FROM audit_events WHERE at < ?');
  }

  record(event: AuditEvent): Promise<void> {
    return this.batch.write(() => this.table.append(event));
  }

  async query(filter: AuditFilter): Promise<StoredAuditEvent[]> {
    const where: string[] = [];
    const values: Record<string, string | number> = { limit: filter.limit };
    const add = (clause: string, name: string, value: string | number | undefined) => {
      if (value === undefined) return;
      where.push(clause);
      values[name] = value;
    };
    add('at >= @since', 'since', filter.since);
    add('at < @until', 'until', filter.until);
    add('actor = @actor COLLATE NOCASE', 'actor', filter.actor);
    add('item = @item COLLATE NOCASE', 'item', filter.item);
    add('action = @action', 'action', filter.action);
    add('outcome = @outcome', 'outcome', filter.outcome);
    add('id < @beforeId', 'beforeId', filter.beforeId);
    const sql = `SELECT * FROM audit_events ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY id DESC LIMIT @limit`;
    return (this.db.prepare(sql).all(values) as AuditRow[]).map(rowToEvent);
  }

  prune(before: number): Promise<number> {
    return this.batch.write(() => this.pruneOld.run(before).changes);
  }
}

function rowToEvent(row: AuditRow): StoredAuditEvent {
  return {
    id: row.id,
    at: row.at,
    requestId: row.request_id,
    action: row.action as StoredAuditEvent['action'],
    outcome: row.outcome,
    reason: row.reason,
    actor: row.actor,
    credential: row.credential as StoredAuditEvent['credential'],
    address: row.address,
    item: row.item,
    queueId: row.queue_id,
    detail: JSON.parse(row.detail) as StoredAuditEvent['detail'],
  };
}
