import type { Database, Statement } from 'better-sqlite3';
import { type Build, type Interruption, leaseRanOut, PERMALINKS, type PermalinkName } from '../../core/build.js';
import { DomainError } from '../../core/errors.js';
import { BUILT_IN_NODE } from '../../core/node.js';
import type { BuildStore, FinishBuild, RunningBuildRecord, StartBuild, StopRequest, TakeOver, TakeOverOutcome } from '../types.js';
import { newestNumber } from '../sql/permalinks.js';
import { type BuildRow, rowToBuild, type ServerColumns, toStopRequest } from '../sql/rows.js';
import type { CauseTable } from './causes.js';
import type { ItemCache } from './items.js';
import type { WriteBatch } from './write-batch.js';

/** The running builds of a server's built-in executors, and built-in builds that name no server. */
const RUNNING_ON = `state = 'running' AND node = 'built-in' AND (server = ? OR server IS NULL)`;

export class SqliteBuildStore implements BuildStore {
  private readonly one: Statement<[number, number], BuildRow>;
  private readonly page: Statement<[number, number, number], BuildRow>;
  private readonly ascending: Statement<[number, number, number], BuildRow>;
  private readonly total: Statement<[number], { n: number | null }>;
  private readonly oldest: Statement<[number], BuildRow>;
  private readonly running: Statement<[], BuildRow & ServerColumns>;
  private readonly busy: Statement<[number, number], { found: number }>;
  private readonly renew: Statement<[number, string], { job_id: number; number: number }>;
  private readonly stop: Statement<[string, number, number]>;
  private readonly stops: Statement<[string], { job_id: number; number: number; stop_request: string }>;
  private readonly waitingItem: Statement<[number], { id: number; job_id: number; parameters: string | null }>;
  private readonly takeNumber: Statement<[number], { number: number }>;
  private readonly leaveQueue: Statement<[number, number, number]>;
  private readonly insert: Statement;
  private readonly complete: Statement;
  private readonly finishHeld: Statement;
  private readonly move: Statement<[string, number, number, number], BuildRow>;
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
    this.busy = db.prepare(`SELECT 1 AS found FROM builds WHERE job_id = ? AND state = 'running' AND (exclusive OR ?) LIMIT 1`);
    this.renew = db.prepare(`UPDATE builds SET lease_until = ? WHERE state = 'running' AND server = ? RETURNING job_id, number`);
    this.stop = db.prepare(`UPDATE builds SET stop_request = ? WHERE job_id = ? AND number = ? AND state = 'running'`);
    this.stops = db.prepare(`SELECT job_id, number, stop_request FROM builds WHERE state = 'running' AND server = ? AND stop_request IS NOT NULL`);
    this.waitingItem = db.prepare(`SELECT id, job_id, parameters FROM queue_items WHERE id = ? AND state = 'waiting'`);
    this.takeNumber = db.prepare('UPDATE items SET next_build_number = next_build_number + 1 WHERE id = ? RETURNING next_build_number - 1 AS number');
    this.leaveQueue = db.prepare(`UPDATE queue_items SET state = 'left', build_number = ?, left_at = ? WHERE id = ?`);
    this.insert = db.prepare(
      `INSERT INTO builds (job_id, number, queue_id, state, started_at, parameters, executor, node, server, exclusive, lease_until)
       VALUES (@jobId, @number, @queueId, 'running', @startedAt, @parameters, @executor, @node, @server, @exclusive, @leaseUntil) RETURNING *`,
    );
    const complete = `UPDATE builds SET state = 'completed', result = @result, duration_ms = @durationMs, interruption = @interruption, process_group = NULL, lease_until = NULL, stop_request = NULL
       WHERE job_id = @jobId AND number = @number AND state = 'running'`;
    this.complete = db.prepare(`${complete} RETURNING *`);
    this.finishHeld = db.prepare(`${complete} AND (@server IS NULL OR server IS NULL OR server = @server) RETURNING *`);
    this.move = db.prepare(`UPDATE builds SET server = ?, lease_until = ? WHERE job_id = ? AND number = ? AND state = 'running' RETURNING *`);
    this.processGroup = db.prepare('UPDATE builds SET process_group = ? WHERE job_id = ? AND number = ?');
    this.deleteRow = db.prepare('DELETE FROM builds WHERE job_id = ? AND number = ? RETURNING queue_id');
    this.deleteQueueItem = db.prepare('DELETE FROM queue_items WHERE id = ?');
  }

  start(request: StartBuild): Promise<Build | null> {
    return this.batch.write(() => {
      const item = this.waitingItem.get(request.queueId);
      if (!item) return null;
      if (this.busy.get(item.job_id, request.exclusive ? 1 : 0)) return null;
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
        server: request.server ?? null,
        exclusive: request.exclusive ? 1 : 0,
        leaseUntil: request.leaseUntil ?? null,
      }) as BuildRow;
      return this.toBuild(row);
    });
  }

  finish(jobId: number, number: number, outcome: FinishBuild): Promise<Build> {
    return this.batch.write(() => {
      const row = this.finishHeld.get({
        jobId,
        number,
        result: outcome.result,
        durationMs: outcome.durationMs,
        interruption: outcome.interruption === null ? null : JSON.stringify(outcome.interruption),
        server: outcome.server ?? null,
      }) as BuildRow | undefined;
      const recorded = row ?? this.one.get(jobId, number);
      if (!recorded) throw new DomainError('build_not_found', `Build #${number} of job ${jobId} does not exist.`);
      return this.toBuild(recorded);
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
    return this.running.all().map((row) => ({ build: this.toBuild(row), processGroup: row.process_group, server: row.server, leaseUntil: row.lease_until }));
  }

  abortRunningOn(server: string, interruption: Interruption, now: number): Promise<RunningBuildRecord[]> {
    // Running builds are few (one per busy executor): filtering them here reads nothing more.
    return this.batch.write(() => this.abort(this.running.all().filter((row) => row.node === BUILT_IN_NODE && (row.server === server || row.server === null)), () => interruption, now));
  }

  renewLeases(server: string, until: number): Promise<Array<{ jobId: number; number: number }>> {
    return this.batch.write(() => this.renew.all(until, server).map((row) => ({ jobId: row.job_id, number: row.number })));
  }

  reapExpired(now: number, asking: string, agentGraceMs: number): Promise<RunningBuildRecord[]> {
    return this.batch.write(() =>
      this.abort(
        this.running.all().filter((row) => row.server !== asking && leaseRanOut(row, row.lease_until, now, agentGraceMs)),
        (row) => ({ kind: 'server_lost', server: row.server ?? 'unknown', silentMs: Math.max(0, now - (row.lease_until ?? now)) }),
        now,
      ),
    );
  }

  takeOver(request: TakeOver): Promise<TakeOverOutcome> {
    return this.batch.write(() => {
      const row = this.one.get(request.jobId, request.number) as (BuildRow & ServerColumns) | undefined;
      if (!row || row.state !== 'running') return null;
      if (row.server === request.server) return { taken: this.toBuild(row) };
      if (row.node === BUILT_IN_NODE || (row.lease_until !== null && row.lease_until >= request.now)) return { heldBy: row.server };
      return { taken: this.toBuild(this.move.get(request.server, request.leaseUntil, request.jobId, request.number) as BuildRow) };
    });
  }

  requestStop(request: StopRequest): Promise<boolean> {
    return this.batch.write(() => this.stop.run(JSON.stringify({ interruption: request.interruption, mode: request.mode }), request.jobId, request.number).changes > 0);
  }

  async stopRequests(server: string): Promise<StopRequest[]> {
    return this.stops.all(server).map(toStopRequest);
  }

  /** Finishes running builds (oldest first) as ABORTED, each with its interruption; inside a write. */
  private abort(rows: ReadonlyArray<BuildRow & ServerColumns>, why: (row: BuildRow & ServerColumns) => Interruption, now: number): RunningBuildRecord[] {
    return rows.map((row) => {
      const done = this.complete.get({
        jobId: row.job_id,
        number: row.number,
        result: 'ABORTED',
        durationMs: Math.max(0, now - row.started_at),
        interruption: JSON.stringify(why(row)),
      }) as BuildRow;
      return { build: this.toBuild(done), processGroup: row.process_group, server: row.server, leaseUntil: null };
    });
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
