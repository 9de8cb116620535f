import type { Database, Statement } from 'better-sqlite3';
import type { AuditEvent, AuditFilter, StoredAuditEvent } from '../../core/audit.js';
import type { AuditStore } from '../types.js';
import { countIdentical } from '../sql/audit-groups.js';
import { type AuditRow, rowToAuditEvent as rowToEvent } from '../sql/rows.js';
import { BoundedDelete } from './bounded-delete.js';
import type { WriteBatch } from './write-batch.js';

/** Appends audit events; used by the audit store and, inside its own writes, by the queue store. */
export class AuditTable {
  private readonly insert: Statement;

  constructor(db: Database) {
    this.insert = db.prepare(
      `INSERT INTO audit_events (at, request_id, action, outcome, reason, actor, credential, address, item, queue_id, detail, count)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
  }

  /** Call inside a write. */
  append(event: AuditEvent, count = 1): void {
    const e = event;
    this.insert.run(e.at, e.requestId, e.action, e.outcome, e.reason, e.actor, e.credential, e.address, e.item, e.queueId, JSON.stringify(e.detail), count);
  }

  /**
   * Appends events, one row for each set of identical ones (equal but for time and request id),
   * counted, with the first one's time and request id. Call inside a write.
   */
  appendCounted(events: readonly AuditEvent[]): void {
    for (const { event, count } of countIdentical(events)) this.append(event, count);
  }
}

export class SqliteAuditStore implements AuditStore {
  private readonly pruneOld: BoundedDelete;
  private readonly queries = new Map<string, Statement>();

  constructor(
    private readonly db: Database,
    private readonly batch: WriteBatch,
    private readonly table: AuditTable,
  ) {
    this.pruneOld = new BoundedDelete(db, batch, 'audit_events', 'SELECT id FROM audit_events WHERE at < ?');
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
    add('reason = @reason', 'reason', filter.reason);
    add('id < @beforeId', 'beforeId', filter.beforeId);
    const sql = `SELECT * FROM audit_events ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY id DESC LIMIT @limit`;
    // One statement per combination of filters (at most 2^8), each prepared once.
    let statement = this.queries.get(sql);
    if (!statement) {
      statement = this.db.prepare(sql);
      this.queries.set(sql, statement);
    }
    return (statement.all(values) as AuditRow[]).map(rowToEvent);
  }

  prune(before: number): Promise<number> {
    return this.pruneOld.run(before);
  }
}
