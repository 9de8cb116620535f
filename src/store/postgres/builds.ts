import { type Build, type Interruption, PERMALINKS, type PermalinkName } from '../../core/build.js';
import { DomainError } from '../../core/errors.js';
import { newestNumber } from '../sql/permalinks.js';
import { type BuildRow, rowToBuild } from '../sql/rows.js';
import type { BuildStore, FinishBuild, RunningBuildRecord, StartBuild } from '../types.js';
import type { CauseTable } from './causes.js';
import { lockJob } from './job-lock.js';
import type { Sql } from './sql.js';
import type { PgWriteBatch } from './write-batch.js';

const PERMALINK_SQL = Object.fromEntries(
  Object.keys(PERMALINKS).map((name) => [
    name,
    `SELECT b.* FROM unnest($1::bigint[]) AS ids (value) JOIN builds AS b ON b.job_id = ids.value AND b.number = ${newestNumber(name as PermalinkName, 'ids.value')}`,
  ]),
) as Record<PermalinkName, string>;

const COMPLETE = `UPDATE builds SET state = 'completed', result = $3, duration_ms = $4, interruption = $5, process_group = NULL
  WHERE job_id = $1 AND number = $2 RETURNING *`;

export class PgBuildStore implements BuildStore {
  constructor(
    private readonly db: Sql,
    private readonly batch: PgWriteBatch,
    private readonly causes: CauseTable,
  ) {}

  /**
   * The claim: in one transaction the job's row is locked (its build counter), the item leaves the
   * queue only if it is still waiting, and the build takes the job's next number. A start of the same
   * item on another node waits for the lock and then finds the item gone; starts of different jobs'
   * items never wait for each other.
   */
  start(request: StartBuild): Promise<Build | null> {
    return this.batch.write(async (tx) => {
      const item = await tx.one<{ job_id: number }>(`SELECT job_id FROM queue_items WHERE id = $1 AND state = 'waiting'`, [request.queueId]);
      if (!item) return null;
      const job = await lockJob(tx, item.job_id);
      if (!job) return null;
      const number = job.next_build_number;
      const left = await tx.one<{ parameters: string | null }>(
        `UPDATE queue_items SET state = 'left', build_number = $2, left_at = $3 WHERE id = $1 AND state = 'waiting' RETURNING parameters`,
        [request.queueId, number, request.startedAt],
      );
      if (!left) return null;
      const row = (await tx.one<BuildRow>(
        `WITH counter AS (UPDATE items SET next_build_number = $2 + 1 WHERE id = $1)
         INSERT INTO builds (job_id, number, queue_id, state, started_at, parameters, executor, node)
         VALUES ($1, $2, $3, 'running', $4, $5, $6, $7) RETURNING *`,
        [item.job_id, number, request.queueId, request.startedAt, left.parameters, request.executor, request.node],
      )) as BuildRow;
      return rowToBuild(row, await this.causes.of(row.queue_id, tx));
    });
  }

  finish(jobId: number, number: number, outcome: FinishBuild): Promise<Build> {
    return this.batch.write(async (tx) => {
      const interruption = outcome.interruption === null ? null : JSON.stringify(outcome.interruption);
      const row = await tx.one<BuildRow>(COMPLETE, [jobId, number, outcome.result, outcome.durationMs, interruption]);
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
    return rows.map((row, index) => ({ build: builds[index] as Build, processGroup: row.process_group }));
  }

  abortRunning(node: string, interruption: Interruption, now: number): Promise<RunningBuildRecord[]> {
    return this.batch.write(async (tx) => {
      // Running builds are few (one per busy executor): the partial index of running builds finds them.
      const rows = await tx.rows<BuildRow & { old_process_group: number | null }>(
        `WITH running AS (
           SELECT job_id, number, process_group FROM builds WHERE state = 'running' AND lower(node) = lower($1) FOR UPDATE
         )
         UPDATE builds AS b SET state = 'completed', result = 'ABORTED', duration_ms = GREATEST(0, $2 - b.started_at), interruption = $3, process_group = NULL
         FROM running WHERE b.job_id = running.job_id AND b.number = running.number
         RETURNING b.*, running.process_group AS old_process_group`,
        [node, now, JSON.stringify(interruption)],
      );
      rows.sort((a, b) => a.started_at - b.started_at);
      const builds = await this.toBuilds(rows, tx);
      return rows.map((row, index) => ({ build: builds[index] as Build, processGroup: row.old_process_group }));
    });
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
