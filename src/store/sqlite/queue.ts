import type { Database, Statement } from 'better-sqlite3';
import type { QueueItem } from '../../core/queue-item.js';
import type { EnqueueRequest, EnqueueResult, QueuePosition, QueueStore, WaitingCounts } from '../types.js';
import { Coalescer } from '../sql/coalescer.js';
import { auditEvents, coalescingKey, createdResults, earliestDue, foldedResults } from '../sql/enqueue.js';
import { queueFull } from '../sql/refusals.js';
import { QUEUE_COLUMNS, type QueueRow, rowToQueueItem } from '../sql/rows.js';
import type { AuditTable } from './audit.js';
import type { CauseTable } from './causes.js';
import { BoundedDelete } from './bounded-delete.js';
import type { WriteBatch } from './write-batch.js';

export class SqliteQueueStore implements QueueStore {
  private readonly byId: Statement<[number], QueueRow>;
  private readonly waiting: Statement<[number], QueueRow>;
  private readonly due: Statement<{ now: number; excluded: string; limit: number; afterDue: number; afterId: number }, QueueRow>;
  private readonly nextDue: Statement<[number], { due_at: number | null }>;
  private readonly waitingTwin: Statement<[number, string], { id: number; due_at: number }>;
  private readonly waitingOfJob: Statement<[number, number], QueueRow>;
  private readonly insert: Statement;
  private readonly moveDue: Statement<[number, number]>;
  private readonly cancelRow: Statement<[number, number]>;
  private readonly prune: BoundedDelete;
  private readonly keyOf: Statement<[string, string, number], { fingerprint: string; queue_id: number; created: number }>;
  private readonly recordKey: Statement;
  private readonly pruneKeys: BoundedDelete;
  private readonly countWaiting: Statement<[number], { waiting: number }>;
  private readonly countAll: Statement<[], { count: number }>;
  private readonly countQuiet: Statement<[number], { count: number }>;
  private readonly countBlocked: Statement<[string, number], { count: number }>;
  private readonly groups = new Coalescer<EnqueueRequest, EnqueueResult>();

  constructor(
    db: Database,
    private readonly batch: WriteBatch,
    private readonly causes: CauseTable,
    private readonly audit: AuditTable,
  ) {
    const columns = QUEUE_COLUMNS;
    this.byId = db.prepare(`SELECT ${columns} FROM queue_items WHERE id = ?`);
    // Every read of waiting items walks the (state, due_at, id) or (job_id, state, …) index and stops
    // at its limit: a wake of the scheduler or a page costs what it returns, however long the queue.
    this.waiting = db.prepare(`SELECT ${columns} FROM queue_items WHERE state = 'waiting' ORDER BY due_at, id LIMIT ?`);
    this.due = db.prepare(
      `SELECT ${columns} FROM queue_items AS q
       WHERE state = 'waiting' AND due_at <= @now AND (due_at, id) > (@afterDue, @afterId) AND job_id NOT IN (SELECT value FROM json_each(@excluded))
         AND NOT EXISTS (SELECT 1 FROM builds AS b WHERE b.job_id = q.job_id AND b.state = 'running' AND b.exclusive)
       ORDER BY due_at, id LIMIT @limit`,
    );
    this.nextDue = db.prepare(`SELECT MIN(due_at) AS due_at FROM queue_items WHERE state = 'waiting' AND due_at > ?`);
    this.waitingTwin = db.prepare(`SELECT id, due_at FROM queue_items WHERE job_id = ? AND state = 'waiting' AND parameters_key = ? ORDER BY id LIMIT 1`);
    this.waitingOfJob = db.prepare(`SELECT ${columns} FROM queue_items WHERE job_id = ? AND state = 'waiting' ORDER BY due_at, id LIMIT ?`);
    this.insert = db.prepare(
      `INSERT INTO queue_items (job_id, state, queued_at, due_at, parameters, parameters_key)
       VALUES (@jobId, 'waiting', @now, @dueAt, @parameters, @parametersKey) RETURNING ${columns}`,
    );
    this.moveDue = db.prepare('UPDATE queue_items SET due_at = ? WHERE id = ?');
    this.cancelRow = db.prepare(`UPDATE queue_items SET state = 'cancelled', left_at = ? WHERE id = ? AND state = 'waiting'`);
    this.prune = new BoundedDelete(db, batch, 'queue_items', `SELECT id FROM queue_items WHERE state = 'cancelled' AND left_at < ?`);
    this.keyOf = db.prepare('SELECT fingerprint, queue_id, created FROM idempotency_keys WHERE credential = ? AND key = ? AND at >= ?');
    this.recordKey = db.prepare(
      `INSERT INTO idempotency_keys (credential, key, fingerprint, queue_id, created, at) VALUES (@credential, @key, @fingerprint, @queueId, @created, @at)
       ON CONFLICT (credential, key) DO UPDATE SET fingerprint = excluded.fingerprint, queue_id = excluded.queue_id, created = excluded.created, at = excluded.at`,
    );
    this.pruneKeys = new BoundedDelete(db, batch, 'idempotency_keys', 'SELECT rowid FROM idempotency_keys WHERE at < ?');
    // Kept by triggers (migration 0004), not counted.
    this.countWaiting = db.prepare('SELECT waiting_count AS waiting FROM items WHERE id = ?');
    // The metrics' counts: SQLite counts the entries of the partial indexes of waiting items without
    // reading rows (about 1 ms per 100,000 waiting items), once per scrape, never per request.
    this.countAll = db.prepare(`SELECT COUNT(*) AS count FROM queue_items WHERE state = 'waiting'`);
    this.countQuiet = db.prepare(`SELECT COUNT(*) AS count FROM queue_items WHERE state = 'waiting' AND due_at > ?`);
    this.countBlocked = db.prepare(`SELECT COUNT(*) AS count FROM queue_items WHERE state = 'waiting' AND job_id IN (SELECT value FROM json_each(?)) AND due_at <= ?`);
  }

  /**
   * Identical coalescing requests that arrive for the same write batch (same job, parameters and
   * cause: a burst of the same trigger) are written once, with their count; each caller still gets
   * its own answer, and only after that write is durable.
   */
  enqueue(request: EnqueueRequest): Promise<EnqueueResult> {
    if (request.idempotency) return this.batch.write(() => this.enqueueOnce(request));
    if (!request.coalesce) return this.batch.write(() => this.enqueueGroup([request])[0] as EnqueueResult);
    return this.groups.join(coalescingKey(request), request, (take) => this.batch.write(() => this.enqueueGroup(take())));
  }

  /** A request with an idempotency key: the first with its key is queued, later ones get its result. */
  private enqueueOnce(request: EnqueueRequest): EnqueueResult {
    const { credential, key, fingerprint, since } = request.idempotency as NonNullable<EnqueueRequest['idempotency']>;
    const first = this.keyOf.get(credential, key, since);
    if (first) {
      const item = this.byId.get(first.queue_id);
      if (request.audit) this.audit.append({ ...request.audit, queueId: first.queue_id, detail: { ...request.audit.detail, replayOfIdempotencyKey: true } });
      return { queueId: first.queue_id, created: first.created === 1, dueAt: item?.due_at ?? request.dueAt, advanced: false, replayOf: { fingerprint: first.fingerprint } };
    }
    const result = this.enqueueGroup([request])[0] as EnqueueResult;
    this.recordKey.run({ credential, key, fingerprint, queueId: result.queueId, created: result.created ? 1 : 0, at: request.now });
    return result;
  }

  /** Writes requests for one job, with equal parameters and cause, as one. */
  private enqueueGroup(requests: readonly EnqueueRequest[]): EnqueueResult[] {
    const first = requests[0] as EnqueueRequest;
    const dueAt = earliestDue(requests);
    const twin = first.coalesce ? this.waitingTwin.get(first.jobId, first.parametersKey) : undefined;
    if (twin) {
      if (dueAt < twin.due_at) this.moveDue.run(dueAt, twin.id);
      this.causes.record(twin.id, first.cause, requests.length);
      this.recordAudit(requests, twin.id);
      return foldedResults(requests, twin.id, twin.due_at);
    }
    if (first.maxWaiting !== undefined) {
      const { waiting } = this.countWaiting.get(first.jobId) as { waiting: number };
      if (waiting >= first.maxWaiting) throw queueFull(waiting);
    }
    const row = this.insert.get({
      jobId: first.jobId,
      now: first.now,
      dueAt,
      parameters: first.parameters === null ? null : JSON.stringify(first.parameters),
      parametersKey: first.parametersKey,
    }) as QueueRow;
    this.causes.record(row.id, first.cause, requests.length);
    this.recordAudit(requests, row.id);
    return createdResults(requests, row.id);
  }


  private recordAudit(requests: readonly EnqueueRequest[], queueId: number): void {
    const events = auditEvents(requests, queueId);
    if (events.length > 0) this.audit.appendCounted(events);
  }

  async get(id: number): Promise<QueueItem | null> {
    const row = this.byId.get(id);
    return row ? this.toItem(row) : null;
  }

  async listWaiting(limit: number): Promise<QueueItem[]> {
    return this.toItems(this.waiting.all(limit));
  }

  async listWaitingOfJob(jobId: number, limit: number): Promise<QueueItem[]> {
    return this.toItems(this.waitingOfJob.all(jobId, limit));
  }

  async listDue(now: number, excludedJobIds: readonly number[], limit: number, after: QueuePosition | null = null): Promise<QueueItem[]> {
    const start = after ?? { dueAt: Number.MIN_SAFE_INTEGER, id: 0 };
    return this.toItems(this.due.all({ now, excluded: JSON.stringify(excludedJobIds), limit, afterDue: start.dueAt, afterId: start.id }));
  }

  async nextDueAfter(now: number): Promise<number | null> {
    return this.nextDue.get(now)?.due_at ?? null;
  }

  async waitingCounts(now: number, blockingJobIds: readonly number[]): Promise<WaitingCounts> {
    const all = this.countAll.get()?.count ?? 0;
    const quiet = this.countQuiet.get(now)?.count ?? 0;
    const blocked = blockingJobIds.length === 0 ? 0 : (this.countBlocked.get(JSON.stringify(blockingJobIds), now)?.count ?? 0);
    return { quiet, blocked, buildable: all - quiet - blocked };
  }

  cancel(id: number, now: number): Promise<QueueItem | null> {
    return this.batch.write(() => (this.cancelRow.run(now, id).changes === 1 ? this.load(id) : null));
  }

  cancelForJob(jobId: number, now: number): Promise<QueueItem[]> {
    return this.batch.write(() => {
      const rows = this.waitingOfJob.all(jobId, Number.MAX_SAFE_INTEGER);
      for (const row of rows) this.cancelRow.run(now, row.id);
      return rows.map((row) => this.load(row.id));
    });
  }

  pruneCancelled(before: number): Promise<number> {
    return this.prune.run(before);
  }

  pruneIdempotencyKeys(before: number): Promise<number> {
    return this.pruneKeys.run(before);
  }

  private load(id: number): QueueItem {
    return this.toItem(this.byId.get(id) as QueueRow);
  }

  private toItem(row: QueueRow): QueueItem {
    return rowToQueueItem(row, this.causes.of(row.id));
  }

  private toItems(rows: readonly QueueRow[]): QueueItem[] {
    const causes = this.causes.ofMany(rows.map((row) => row.id));
    return rows.map((row) => rowToQueueItem(row, causes.get(row.id) ?? []));
  }
}
