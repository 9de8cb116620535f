import { causeKey } from '../../core/cause.js';
import { DomainError } from '../../core/errors.js';
import type { QueueItem } from '../../core/queue-item.js';
import { countIdentical } from '../sql/audit-groups.js';
import { Coalescer } from '../sql/coalescer.js';
import { auditEvents, coalescingKey, createdResults, earliestDue, foldedResults } from '../sql/enqueue.js';
import { queueFull } from '../sql/refusals.js';
import { QUEUE_COLUMNS, type QueueRow, rowToQueueItem } from '../sql/rows.js';
import type { EnqueueRequest, EnqueueResult, QueuePosition, QueueStore, WaitingCounts } from '../types.js';
import { type AuditTable, auditRows, insertAuditEvents } from './audit.js';
import { BoundedDelete } from './bounded-delete.js';
import type { CauseTable } from './causes.js';
import { holdJob } from './job-lock.js';
import type { Sql } from './sql.js';
import type { PgWriteBatch } from './write-batch.js';

const COLUMNS = QUEUE_COLUMNS;

/**
 * The statements every trigger and every wake of the scheduler runs. Each is one seek in a partial
 * index of waiting items (migration 0001) that stops at its limit, however many items wait or have
 * left; postgres.test.ts checks their plans.
 */
export const QUEUE_STATEMENTS = {
  /** A waiting item of the job with the same parameters, to fold a trigger into. */
  twin: `SELECT id, due_at FROM queue_items WHERE job_id = $1 AND state = 'waiting' AND parameters_key = $2 ORDER BY id LIMIT 1`,
  /**
   * The claim: due items after a position, soonest first, skipping excluded jobs and jobs that run a
   * build that must run alone (on any server).
   */
  due: `SELECT ${COLUMNS} FROM queue_items AS q
    WHERE state = 'waiting' AND due_at <= $1 AND (due_at, id) > ($2, $3) AND job_id <> ALL ($4::bigint[])
      AND NOT EXISTS (SELECT 1 FROM builds AS b WHERE b.job_id = q.job_id AND b.state = 'running' AND b.exclusive)
    ORDER BY due_at, id LIMIT $5`,
  /** When the scheduler must look again. */
  nextDue: `SELECT MIN(due_at) AS due_at FROM queue_items WHERE state = 'waiting' AND due_at > $1`,
} as const;

/**
 * A group of identical triggers in one statement, run under the job's lock (taken by the batch in an
 * earlier statement, so this one sees what committed while it waited). When they coalesce and the job
 * has a twin waiting item ($1 job, $2 parameters key, $3 coalesce), they fold into it, moving its due
 * time earlier only ($4); else a new item is made unless the job already has $7 items waiting (null: no
 * limit; counted up to the limit). The item made or joined gets the cause, counted ($8, $9: a cause it
 * has already counts up), and the audit events ($10). The one row answers the new item's id, or the
 * twin's id and its due time before the move, or neither: the queue is full.
 */
export const ENQUEUE = `WITH twin AS (
    SELECT id, due_at FROM (${QUEUE_STATEMENTS.twin}) AS twin WHERE $3::boolean
  ), moved AS (
    UPDATE queue_items SET due_at = $4 WHERE id = (SELECT id FROM twin) AND due_at > $4
  ), item AS (
    INSERT INTO queue_items (job_id, state, queued_at, due_at, parameters, parameters_key)
    SELECT $1, 'waiting', $5::bigint, $4, $6::text, $2
    WHERE NOT EXISTS (SELECT 1 FROM twin)
      AND ($7::integer IS NULL OR (SELECT COUNT(*) FROM (SELECT 1 FROM queue_items WHERE job_id = $1 AND state = 'waiting' LIMIT $7) AS limited) < $7)
    RETURNING id
  ), queued AS (
    SELECT id FROM item UNION ALL SELECT id FROM twin
  ), cause AS (
    INSERT INTO queue_causes (queue_id, position, cause, count)
    SELECT id, (SELECT COALESCE(MAX(position), 0) + 1 FROM queue_causes WHERE queue_id = queued.id), $8::text, $9::bigint FROM queued
    ON CONFLICT (queue_id, cause) DO UPDATE SET count = queue_causes.count + excluded.count
  ), audit AS (
    ${insertAuditEvents('$10', 'queued.id', 'queued, ')}
  )
  SELECT (SELECT id FROM item) AS created_id, (SELECT id FROM twin) AS twin_id, (SELECT due_at FROM twin) AS twin_due_at`;

interface EnqueueRow {
  readonly created_id: number | null;
  readonly twin_id: number | null;
  readonly twin_due_at: number | null;
}

export class PgQueueStore implements QueueStore {
  private readonly groups = new Coalescer<EnqueueRequest, EnqueueResult>();
  private readonly prune: BoundedDelete;
  private readonly pruneKeys: BoundedDelete;

  constructor(
    private readonly db: Sql,
    private readonly batch: PgWriteBatch,
    private readonly causes: CauseTable,
    private readonly audit: AuditTable,
  ) {
    this.prune = new BoundedDelete(batch, 'queue_items', `state = 'cancelled' AND left_at < $1`);
    this.pruneKeys = new BoundedDelete(batch, 'idempotency_keys', 'at < $1');
  }

  /**
   * Identical coalescing requests that arrive for the same write batch are written once, with their
   * count (as on SQLite); each caller still gets its own answer, once the commit returned.
   */
  enqueue(request: EnqueueRequest): Promise<EnqueueResult> {
    const locks = { jobIds: [request.jobId] };
    if (request.idempotency) return this.batch.write((tx) => this.enqueueOnce(tx, request), locks);
    if (!request.coalesce) return this.batch.write(async (tx) => (await this.enqueueGroup(tx, [request]))[0] as EnqueueResult, locks);
    return this.groups.join(coalescingKey(request), request, (take) => this.batch.write((tx) => this.enqueueGroup(tx, take()), locks));
  }

  /**
   * A request with an idempotency key: the first with its key is queued, later ones get its result.
   * A transaction-scoped advisory lock on the key makes concurrent requests of any node wait for the
   * first one's commit, so they find its key.
   */
  private async enqueueOnce(tx: Sql, request: EnqueueRequest): Promise<EnqueueResult> {
    const { credential, key, fingerprint, since } = request.idempotency as NonNullable<EnqueueRequest['idempotency']>;
    await tx.run('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [JSON.stringify(['idempotency', credential, key])]);
    const first = await tx.one<{ fingerprint: string; queue_id: number; created: number }>(
      'SELECT fingerprint, queue_id, created FROM idempotency_keys WHERE credential = $1 AND key = $2 AND at >= $3',
      [credential, key, since],
    );
    if (first) {
      const item = await tx.one<{ due_at: number }>('SELECT due_at FROM queue_items WHERE id = $1', [first.queue_id]);
      if (request.audit) {
        await this.audit.append(tx, [{ event: { ...request.audit, queueId: first.queue_id, detail: { ...request.audit.detail, replayOfIdempotencyKey: true } }, count: 1 }]);
      }
      return { queueId: first.queue_id, created: first.created === 1, dueAt: item?.due_at ?? request.dueAt, advanced: false, replayOf: { fingerprint: first.fingerprint } };
    }
    const result = (await this.enqueueGroup(tx, [request]))[0] as EnqueueResult;
    await tx.run(
      `INSERT INTO idempotency_keys (credential, key, fingerprint, queue_id, created, at) VALUES ($1, $2, $3, $4, $5, $6)
       ON CONFLICT (credential, key) DO UPDATE SET fingerprint = excluded.fingerprint, queue_id = excluded.queue_id, created = excluded.created, at = excluded.at`,
      [credential, key, fingerprint, result.queueId, result.created ? 1 : 0, request.now],
    );
    return result;
  }

  /** Writes requests for one job, with equal parameters and cause, as one; the job is locked first (declared by `enqueue`). */
  private async enqueueGroup(tx: Sql, requests: readonly EnqueueRequest[]): Promise<EnqueueResult[]> {
    const first = requests[0] as EnqueueRequest;
    if (!(await holdJob(tx, first.jobId))) throw new DomainError('item_not_found', `No job with id ${first.jobId}.`);
    const row = (await tx.one<EnqueueRow>(ENQUEUE, [
      first.jobId,
      first.parametersKey,
      first.coalesce,
      earliestDue(requests),
      first.now,
      first.parameters === null ? null : JSON.stringify(first.parameters),
      first.maxWaiting ?? null,
      causeKey(first.cause),
      requests.length,
      auditRows(countIdentical(auditEvents(requests, null))),
    ])) as EnqueueRow;
    if (row.twin_id !== null) return foldedResults(requests, row.twin_id, row.twin_due_at as number);
    // Counted up to the limit: a full queue holds exactly maxWaiting as far as the count goes.
    if (row.created_id === null) throw queueFull(first.maxWaiting as number);
    return createdResults(requests, row.created_id);
  }

  async get(id: number): Promise<QueueItem | null> {
    const row = await this.db.one<QueueRow>(`SELECT ${COLUMNS} FROM queue_items WHERE id = $1`, [id]);
    return row ? rowToQueueItem(row, await this.causes.of(row.id)) : null;
  }

  async listWaiting(limit: number): Promise<QueueItem[]> {
    // Every read of waiting items walks a partial index of waiting items and stops at its limit.
    return this.toItems(await this.db.rows<QueueRow>(`SELECT ${COLUMNS} FROM queue_items WHERE state = 'waiting' ORDER BY due_at, id LIMIT $1`, [limit]));
  }

  async listWaitingOfJob(jobId: number, limit: number): Promise<QueueItem[]> {
    return this.toItems(
      await this.db.rows<QueueRow>(`SELECT ${COLUMNS} FROM queue_items WHERE job_id = $1 AND state = 'waiting' ORDER BY due_at, id LIMIT $2`, [jobId, limit]),
    );
  }

  async listDue(now: number, excludedJobIds: readonly number[], limit: number, after: QueuePosition | null = null): Promise<QueueItem[]> {
    const start = after ?? { dueAt: Number.MIN_SAFE_INTEGER, id: 0 };
    return this.toItems(
      await this.db.rows<QueueRow>(QUEUE_STATEMENTS.due, [now, start.dueAt, start.id, excludedJobIds, limit]),
    );
  }

  async nextDueAfter(now: number): Promise<number | null> {
    return (await this.db.one<{ due_at: number | null }>(QUEUE_STATEMENTS.nextDue, [now]))?.due_at ?? null;
  }

  async waitingCounts(now: number, blockingJobIds: readonly number[]): Promise<WaitingCounts> {
    // The metrics' counts, once per scrape, through the partial indexes of waiting items.
    const row = (await this.db.one<{ all: number; quiet: number; blocked: number }>(
      `SELECT COUNT(*) AS all, COUNT(*) FILTER (WHERE due_at > $1) AS quiet, COUNT(*) FILTER (WHERE due_at <= $1 AND job_id = ANY ($2::bigint[])) AS blocked
       FROM queue_items WHERE state = 'waiting'`,
      [now, blockingJobIds],
    )) as { all: number; quiet: number; blocked: number };
    return { quiet: row.quiet, blocked: row.blocked, buildable: row.all - row.quiet - row.blocked };
  }

  cancel(id: number, now: number): Promise<QueueItem | null> {
    return this.batch.write(async (tx) => {
      const row = await tx.one<QueueRow>(`UPDATE queue_items SET state = 'cancelled', left_at = $2 WHERE id = $1 AND state = 'waiting' RETURNING ${COLUMNS}`, [id, now]);
      return row ? rowToQueueItem(row, await this.causes.of(row.id, tx)) : null;
    }, { queueIds: [id] });
  }

  cancelForJob(jobId: number, now: number): Promise<QueueItem[]> {
    return this.batch.write(async (tx) => {
      const rows = await tx.rows<QueueRow>(`UPDATE queue_items SET state = 'cancelled', left_at = $2 WHERE job_id = $1 AND state = 'waiting' RETURNING ${COLUMNS}`, [jobId, now]);
      rows.sort((a, b) => a.due_at - b.due_at || a.id - b.id);
      return this.toItems(rows, tx);
    }, { jobIds: [jobId] });
  }

  pruneCancelled(before: number): Promise<number> {
    return this.prune.run(before);
  }

  pruneIdempotencyKeys(before: number): Promise<number> {
    return this.pruneKeys.run(before);
  }

  private async toItems(rows: readonly QueueRow[], sql: Sql = this.db): Promise<QueueItem[]> {
    const causes = await this.causes.ofMany(
      rows.map((row) => row.id),
      sql,
    );
    return rows.map((row) => rowToQueueItem(row, causes.get(row.id) ?? []));
  }
}
