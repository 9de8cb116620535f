import { causeKey } from '../../core/cause.js';
import { DomainError } from '../../core/errors.js';
import type { QueueItem } from '../../core/queue-item.js';
import { Coalescer } from '../sql/coalescer.js';
import { auditEvents, coalescingKey, createdResults, earliestDue, foldedResults } from '../sql/enqueue.js';
import { queueFull } from '../sql/refusals.js';
import { QUEUE_COLUMNS, type QueueRow, rowToQueueItem } from '../sql/rows.js';
import type { EnqueueRequest, EnqueueResult, QueuePosition, QueueStore, WaitingCounts } from '../types.js';
import type { AuditTable } from './audit.js';
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
    const dueAt = earliestDue(requests);
    const twin = first.coalesce
      ? await tx.one<{ id: number; due_at: number }>(QUEUE_STATEMENTS.twin, [first.jobId, first.parametersKey])
      : undefined;
    if (twin) {
      if (dueAt < twin.due_at) await tx.run(`UPDATE queue_items SET due_at = $2 WHERE id = $1 AND state = 'waiting'`, [twin.id, dueAt]);
      await this.causes.record(tx, twin.id, first.cause, requests.length);
      await this.audit.appendCounted(tx, auditEvents(requests, twin.id));
      return foldedResults(requests, twin.id, twin.due_at);
    }
    if (first.maxWaiting !== undefined) {
      // Counted through the job's index of waiting items, reading no more than the limit.
      const { waiting } = (await tx.one<{ waiting: number }>(
        `SELECT COUNT(*) AS waiting FROM (SELECT 1 FROM queue_items WHERE job_id = $1 AND state = 'waiting' LIMIT $2) AS limited`,
        [first.jobId, first.maxWaiting],
      )) as { waiting: number };
      if (waiting >= first.maxWaiting) throw queueFull(waiting);
    }
    const row = (await tx.one<QueueRow>(
      `WITH item AS (
         INSERT INTO queue_items (job_id, state, queued_at, due_at, parameters, parameters_key)
         VALUES ($1, 'waiting', $2, $3, $4, $5) RETURNING ${COLUMNS}
       ), cause AS (
         INSERT INTO queue_causes (queue_id, position, cause, count) SELECT id, 1, $6, $7 FROM item
       )
       SELECT * FROM item`,
      [first.jobId, first.now, dueAt, first.parameters === null ? null : JSON.stringify(first.parameters), first.parametersKey, causeKey(first.cause), requests.length],
    )) as QueueRow;
    await this.audit.appendCounted(tx, auditEvents(requests, row.id));
    return createdResults(requests, row.id);
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
