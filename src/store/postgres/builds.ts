import { type Build, type Interruption, leaseRanOut, PERMALINKS, type PermalinkName } from '../../core/build.js';
import { BUILT_IN_NODE } from '../../core/node.js';
import { DomainError } from '../../core/errors.js';
import { newestNumber } from '../sql/permalinks.js';
import { type BuildRow, rowToBuild } from '../sql/rows.js';
import { type ServerColumns, toStopRequest } from '../sql/rows.js';
import type { BuildStore, FinishBuild, RunningBuildRecord, StartBuild, StopRequest, TakeOver, TakeOverOutcome } from '../types.js';
import type { CauseTable } from './causes.js';
import type { Sql } from './sql.js';
import type { PgWriteBatch } from './write-batch.js';

const PERMALINK_SQL = Object.fromEntries(
  Object.keys(PERMALINKS).map((name) => [
    name,
    `SELECT b.* FROM unnest($1::bigint[]) AS ids (value) JOIN builds AS b ON b.job_id = ids.value AND b.number = ${newestNumber(name as PermalinkName, 'ids.value')}`,
  ]),
) as Record<PermalinkName, string>;

const COMPLETE = `UPDATE builds SET state = 'completed', result = $3, duration_ms = $4, interruption = $5, process_group = NULL, lease_until = NULL, stop_request = NULL
  WHERE job_id = $1 AND number = $2 AND state = 'running'`;
/** A result recorded by a server: not for a build another server holds now (`FinishBuild.server`). */
const FINISH_HELD = `${COMPLETE} AND ($6::text IS NULL OR server IS NULL OR server = $6) RETURNING *`;

/** The running builds of a server's built-in executors, and built-in builds that name no server. */
const RUNNING_ON = `state = 'running' AND node = 'built-in' AND (server = $1 OR server IS NULL)`;

export class PgBuildStore implements BuildStore {
  constructor(
    private readonly db: Sql,
    private readonly batch: PgWriteBatch,
    private readonly causes: CauseTable,
  ) {}

  /**
   * The claim: in one transaction the job's row is locked (declared, so that the batch takes it with
   * its other jobs, in order) and its build counter read, the item leaves the queue only if it is still
   * waiting, and the build takes the job's next number. A start of the same item on another node waits
   * for the lock and then finds the item gone; starts of different jobs' items never wait for each other.
   */
  start(request: StartBuild): Promise<Build | null> {
    return this.batch.write(async (tx) => {
      // The batch holds the job's lock already, so the counter read here is the one now; the UPDATE
      // below checks again that the item still waits.
      const job = await tx.one<{ job_id: number; next_build_number: number }>(
        `SELECT q.job_id, i.next_build_number FROM queue_items AS q JOIN items AS i ON i.id = q.job_id WHERE q.id = $1 AND q.state = 'waiting' FOR NO KEY UPDATE OF i`,
        [request.queueId],
      );
      if (!job) return null;
      // Under the job's lock, so that two servers cannot both start a build of a job that runs one at a time.
      const busy = await tx.one(`SELECT 1 FROM builds WHERE job_id = $1 AND state = 'running' AND (exclusive OR $2) LIMIT 1`, [job.job_id, request.exclusive ?? false]);
      if (busy) return null;
      const number = job.next_build_number;
      const left = await tx.one<{ parameters: string | null }>(
        `UPDATE queue_items SET state = 'left', build_number = $2, left_at = $3 WHERE id = $1 AND state = 'waiting' RETURNING parameters`,
        [request.queueId, number, request.startedAt],
      );
      if (!left) return null;
      const row = (await tx.one<BuildRow>(
        `WITH counter AS (UPDATE items SET next_build_number = $2 + 1 WHERE id = $1)
         INSERT INTO builds (job_id, number, queue_id, state, started_at, parameters, executor, node, server, exclusive, lease_until)
         VALUES ($1, $2, $3, 'running', $4, $5, $6, $7, $8, $9, $10) RETURNING *`,
        [job.job_id, number, request.queueId, request.startedAt, left.parameters, request.executor, request.node, request.server ?? null, request.exclusive ?? false, request.leaseUntil ?? null],
      )) as BuildRow;
      return rowToBuild(row, await this.causes.of(row.queue_id, tx));
    }, { queueIds: [request.queueId] });
  }

  finish(jobId: number, number: number, outcome: FinishBuild): Promise<Build> {
    return this.batch.write(async (tx) => {
      const interruption = outcome.interruption === null ? null : JSON.stringify(outcome.interruption);
      const row = (await tx.one<BuildRow>(FINISH_HELD, [jobId, number, outcome.result, outcome.durationMs, interruption, outcome.server ?? null])) ?? (await tx.one<BuildRow>('SELECT * FROM builds WHERE job_id = $1 AND number = $2', [jobId, number]));
      if (!row) throw new DomainError('build_not_found', `Build #${number} of job ${jobId} does not exist.`);
      return rowToBuild(row, await this.causes.of(row.queue_id, tx));
    });
  }

  setProcess(jobId: number, number: number, processGroup: number | null): Promise<void> {
    return this.batch.write(async (tx) => {
      await tx.run('UPDATE builds SET process_group = $3 WHERE job_id = $1 AND number = $2', [jobId, number, processGroup]);
    });
  }

  async get(jobId: number, number: number): Promise<Build | null> {
    const row = await this.db.one<BuildRow>('SELECT * FROM builds WHERE job_id = $1 AND number = $2', [jobId, number]);
    return row ? rowToBuild(row, await this.causes.of(row.queue_id)) : null;
  }

  async list(jobId: number, range: { offset: number; limit: number }): Promise<Build[]> {
    return this.toBuilds(await this.db.rows<BuildRow>('SELECT * FROM builds WHERE job_id = $1 ORDER BY number DESC LIMIT $2 OFFSET $3', [jobId, range.limit, range.offset]));
  }

  async listFrom(jobId: number, fromNumber: number, limit: number): Promise<Build[]> {
    return this.toBuilds(await this.db.rows<BuildRow>('SELECT * FROM builds WHERE job_id = $1 AND number >= $2 ORDER BY number ASC LIMIT $3', [jobId, fromNumber, limit]));
  }

  async count(jobId: number): Promise<number> {
    // Kept by a trigger (migration 0001), not counted.
    return (await this.db.one<{ n: number }>('SELECT build_count AS n FROM items WHERE id = $1', [jobId]))?.n ?? 0;
  }

  async latest(jobId: number, name: PermalinkName): Promise<Build | null> {
    return (await this.permalinks([jobId], name)).get(jobId) ?? null;
  }

  async permalinks(jobIds: readonly number[], name: PermalinkName): Promise<Map<number, Build>> {
    if (jobIds.length === 0) return new Map();
    const builds = await this.toBuilds(await this.db.rows<BuildRow>(PERMALINK_SQL[name], [jobIds]));
    return new Map(builds.map((build) => [build.jobId, build]));
  }

  async first(jobId: number): Promise<Build | null> {
    const row = await this.db.one<BuildRow>('SELECT * FROM builds WHERE job_id = $1 ORDER BY number ASC LIMIT 1', [jobId]);
    return row ? rowToBuild(row, await this.causes.of(row.queue_id)) : null;
  }

  async listRunning(): Promise<RunningBuildRecord[]> {
    const rows = await this.db.rows<BuildRow>(`SELECT * FROM builds WHERE state = 'running' ORDER BY started_at`);
    const builds = await this.toBuilds(rows);
    return rows.map((row, index) => ({ build: builds[index] as Build, processGroup: row.process_group, server: (row as BuildRow & ServerColumns).server, leaseUntil: (row as BuildRow & ServerColumns).lease_until }));
  }

  abortRunningOn(server: string, interruption: Interruption, now: number): Promise<RunningBuildRecord[]> {
    return this.batch.write(async (tx) => this.abort(tx, await tx.rows<BuildRow & ServerColumns>(`SELECT * FROM builds WHERE ${RUNNING_ON} FOR UPDATE`, [server]), () => interruption, now));
  }

  renewLeases(server: string, until: number): Promise<Array<{ jobId: number; number: number }>> {
    return this.batch.write(async (tx) =>
      (await tx.rows<{ job_id: number; number: number }>(`UPDATE builds SET lease_until = $2 WHERE state = 'running' AND server = $1 RETURNING job_id, number`, [server, until])).map((row) => ({
        jobId: row.job_id,
        number: row.number,
      })),
    );
  }

  reapExpired(now: number, asking: string, agentGraceMs: number): Promise<RunningBuildRecord[]> {
    return this.batch.write(async (tx) => {
      // SKIP LOCKED: a build its server is finishing right now is not reaped under it.
      const expired = await tx.rows<BuildRow & ServerColumns>(`SELECT * FROM builds WHERE state = 'running' AND lease_until < $1 AND server IS DISTINCT FROM $2 FOR UPDATE SKIP LOCKED`, [now, asking]);
      const rows = expired.filter((row) => leaseRanOut(row, row.lease_until, now, agentGraceMs));
      return this.abort(tx, rows, (row) => ({ kind: 'server_lost', server: row.server ?? 'unknown', silentMs: Math.max(0, now - (row.lease_until ?? now)) }), now);
    });
  }

  takeOver(request: TakeOver): Promise<TakeOverOutcome> {
    return this.batch.write(async (tx) => {
      const row = await tx.one<BuildRow & ServerColumns>(`SELECT * FROM builds WHERE job_id = $1 AND number = $2 AND state = 'running' FOR UPDATE`, [request.jobId, request.number]);
      if (!row) return null;
      if (row.server !== request.server) {
        if (row.node === BUILT_IN_NODE || (row.lease_until !== null && row.lease_until >= request.now)) return { heldBy: row.server };
        await tx.run('UPDATE builds SET server = $3, lease_until = $4 WHERE job_id = $1 AND number = $2', [request.jobId, request.number, request.server, request.leaseUntil]);
      }
      return { taken: rowToBuild(row, await this.causes.of(row.queue_id, tx)) };
    });
  }

  requestStop(request: StopRequest): Promise<boolean> {
    return this.batch.write(
      async (tx) =>
        (await tx.run(`UPDATE builds SET stop_request = $3 WHERE job_id = $1 AND number = $2 AND state = 'running'`, [
          request.jobId,
          request.number,
          JSON.stringify({ interruption: request.interruption, mode: request.mode }),
        ])) > 0,
    );
  }

  async stopRequests(server: string): Promise<StopRequest[]> {
    const rows = await this.db.rows<{ job_id: number; number: number; stop_request: string }>(
      `SELECT job_id, number, stop_request FROM builds WHERE state = 'running' AND server = $1 AND stop_request IS NOT NULL`,
      [server],
    );
    return rows.map(toStopRequest);
  }

  /** Finishes locked running builds as ABORTED, each with its interruption, oldest first. */
  private async abort(tx: Sql, rows: ReadonlyArray<BuildRow & ServerColumns>, why: (row: BuildRow & ServerColumns) => Interruption, now: number): Promise<RunningBuildRecord[]> {
    const sorted = [...rows].sort((a, b) => a.started_at - b.started_at);
    const done: BuildRow[] = [];
    for (const row of sorted) {
      done.push((await tx.one<BuildRow>(`${COMPLETE} RETURNING *`, [row.job_id, row.number, 'ABORTED', Math.max(0, now - row.started_at), JSON.stringify(why(row))])) as BuildRow);
    }
    const builds = await this.toBuilds(done, tx);
    return sorted.map((row, index) => ({ build: builds[index] as Build, processGroup: row.process_group, server: row.server, leaseUntil: null }));
  }

  delete(jobId: number, number: number): Promise<void> {
    return this.batch.write(async (tx) => {
      const row = await tx.one<{ queue_id: number }>('DELETE FROM builds WHERE job_id = $1 AND number = $2 RETURNING queue_id', [jobId, number]);
      if (row) await tx.run('DELETE FROM queue_items WHERE id = $1', [row.queue_id]);
    });
  }

  private async toBuilds(rows: readonly BuildRow[], sql: Sql = this.db): Promise<Build[]> {
    const causes = await this.causes.ofMany(
      rows.map((row) => row.queue_id),
      sql,
    );
    return rows.map((row) => rowToBuild(row, causes.get(row.queue_id) ?? []));
  }
}
