import type { Database, Statement } from 'better-sqlite3';
import { type Build, type Interruption, PERMALINKS, type PermalinkName } from '../../core/build.js';
import { DomainError } from '../../core/errors.js';
import type { BuildStore, FinishBuild, RunningBuildRecord, StartBuild } from '../types.js';
import { newestNumber } from '../sql/permalinks.js';
import { type BuildRow, rowToBuild } from '../sql/rows.js';
import type { CauseTable } from './causes.js';
import type { ItemCache } from './items.js';
import type { WriteBatch } from './write-batch.js';

export class SqliteBuildStore implements BuildStore {
  private readonly one: Statement<[number, number], BuildRow>;
  private readonly page: Statement<[number, number, number], BuildRow>;
  private readonly ascending: Statement<[number, number, number], BuildRow>;
  private readonly total: Statement<[number], { n: number | null }>;
  private readonly oldest: Statement<[number], BuildRow>;
  private readonly running: Statement<[], BuildRow>;
  private readonly waitingItem: Statement<[number], { id: number; job_id: number; parameters: string | null }>;
  private readonly takeNumber: Statement<[number], { number: number }>;
  private readonly leaveQueue: Statement<[number, number, number]>;
  private readonly insert: Statement;
  private readonly complete: Statement;
  private readonly processGroup: Statement<[number | null, number, number]>;
  /** For each permalink, the builds it points to for a JSON array of job ids. */
  private readonly permalinkOf: Record<PermalinkName, Statement<[string], BuildRow>>;
  private readonly deleteRow: Statement<[number, number], { queue_id: number }>;
  private readonly deleteQueueItem: Statement<[number]>;

  constructor(
    db: Database,
    private readonly batch: WriteBatch,
    private readonly causes: CauseTable,
    private readonly items: ItemCache,
  ) {
    this.one = db.prepare('SELECT * FROM builds WHERE job_id = ? AND number = ?');
    this.page = db.prepare('SELECT * FROM builds WHERE job_id = ? ORDER BY number DESC LIMIT ? OFFSET ?');
    this.ascending = db.prepare('SELECT * FROM builds WHERE job_id = ? AND number >= ? ORDER BY number ASC LIMIT ?');
    this.total = db.prepare('SELECT build_count AS n FROM items WHERE id = ?');
    this.permalinkOf = Object.fromEntries(
      Object.keys(PERMALINKS).map((name) => [
        name,
        db.prepare(`SELECT b.* FROM json_each(?) AS ids JOIN builds AS b ON b.job_id = ids.value AND b.number = ${newestNumber(name as PermalinkName, 'ids.value')}`),
      ]),
    ) as Record<PermalinkName, Statement<[string], BuildRow>>;
    this.oldest = db.prepare('SELECT * FROM builds WHERE job_id = ? ORDER BY number ASC LIMIT 1');
    this.running = db.prepare(`SELECT * FROM builds WHERE state = 'running' ORDER BY started_at`);
    this.waitingItem = db.prepare(`SELECT id, job_id, parameters FROM queue_items WHERE id = ? AND state = 'waiting'`);
    this.takeNumber = db.prepare('UPDATE items SET next_build_number = next_build_number + 1 WHERE id = ? RETURNING next_build_number - 1 AS number');
    this.leaveQueue = db.prepare(`UPDATE queue_items SET state = 'left', build_number = ?, left_at = ? WHERE id = ?`);
    this.insert = db.prepare(
      `INSERT INTO builds (job_id, number, queue_id, state, started_at, parameters, executor, node)
       VALUES (@jobId, @number, @queueId, 'running', @startedAt, @parameters, @executor, @node) RETURNING *`,
    );
    this.complete = db.prepare(
      `UPDATE builds SET state = 'completed', result = @result, duration_ms = @durationMs, interruption = @interruption, process_group = NULL
       WHERE job_id = @jobId AND number = @number RETURNING *`,
    );
    this.processGroup = db.prepare('UPDATE builds SET process_group = ? WHERE job_id = ? AND number = ?');
    this.deleteRow = db.prepare('DELETE FROM builds WHERE job_id = ? AND number = ? RETURNING queue_id');
    this.deleteQueueItem = db.prepare('DELETE FROM queue_items WHERE id = ?');
  }

  start(request: StartBuild): Promise<Build | null> {
    return this.batch.write(() => {
      const item = this.waitingItem.get(request.queueId);
      if (!item) return null;
      const { number } = this.takeNumber.get(item.job_id) as { number: number };
      this.items.forget(item.job_id);
      this.leaveQueue.run(number, request.startedAt, item.id);
      const row = this.insert.get({
        jobId: item.job_id,
        number,
        queueId: item.id,
        startedAt: request.startedAt,
        parameters: item.parameters,
        executor: request.executor,
        node: request.node,
      }) as BuildRow;
      return this.toBuild(row);
    });
  }

  finish(jobId: number, number: number, outcome: FinishBuild): Promise<Build> {
    return this.batch.write(() => {
      const row = this.complete.get({
        jobId,
        number,
        result: outcome.result,
        durationMs: outcome.durationMs,
        interruption: outcome.interruption === null ? null : JSON.stringify(outcome.interruption),
      }) as BuildRow | undefined;
      if (!row) throw new DomainError('build_not_found', `Build #${number} of job ${jobId} does not exist.`);
      return this.toBuild(row);
    });
  }

  setProcess(jobId: number, number: number, processGroup: number | null): Promise<void> {
    return this.batch.write(() => {
      this.processGroup.run(processGroup, jobId, number);
    });
  }

  async get(jobId: number, number: number): Promise<Build | null> {
    const row = this.one.get(jobId, number);
    return row ? this.toBuild(row) : null;
  }

  async list(jobId: number, range: { offset: number; limit: number }): Promise<Build[]> {
    return this.toBuilds(this.page.all(jobId, range.limit, range.offset));
  }

  async listFrom(jobId: number, fromNumber: number, limit: number): Promise<Build[]> {
    return this.toBuilds(this.ascending.all(jobId, fromNumber, limit));
  }

  async count(jobId: number): Promise<number> {
    return this.total.get(jobId)?.n ?? 0;
  }

  async latest(jobId: number, name: PermalinkName): Promise<Build | null> {
    return (await this.permalinks([jobId], name)).get(jobId) ?? null;
  }

  async permalinks(jobIds: readonly number[], name: PermalinkName): Promise<Map<number, Build>> {
    if (jobIds.length === 0) return new Map();
    const builds = this.toBuilds(this.permalinkOf[name].all(JSON.stringify(jobIds)));
    return new Map(builds.map((build) => [build.jobId, build]));
  }

  async first(jobId: number): Promise<Build | null> {
    const row = this.oldest.get(jobId);
    return row ? this.toBuild(row) : null;
  }

  async listRunning(): Promise<RunningBuildRecord[]> {
    return this.running.all().map((row) => ({ build: this.toBuild(row), processGroup: row.process_group }));
  }

  abortRunning(node: string, interruption: Interruption, now: number): Promise<RunningBuildRecord[]> {
    // Running builds are few (one per busy executor): filtering them here reads nothing more.
    return this.batch.write(() =>
      this.running.all().filter((row) => row.node.toLowerCase() === node.toLowerCase()).map((row) => {
        const done = this.complete.get({
          jobId: row.job_id,
          number: row.number,
          result: 'ABORTED',
          durationMs: Math.max(0, now - row.started_at),
          interruption: JSON.stringify(interruption),
        }) as BuildRow;
        return { build: this.toBuild(done), processGroup: row.process_group };
      }),
    );
  }

  delete(jobId: number, number: number): Promise<void> {
    return this.batch.write(() => {
      const row = this.deleteRow.get(jobId, number);
      if (row) this.deleteQueueItem.run(row.queue_id);
    });
  }

  private toBuild(row: BuildRow): Build {
    return rowToBuild(row, this.causes.of(row.queue_id));
  }

  private toBuilds(rows: BuildRow[]): Build[] {
    const causes = this.causes.ofMany(rows.map((row) => row.queue_id));
    return rows.map((row) => rowToBuild(row, causes.get(row.queue_id) ?? []));
  }
}
