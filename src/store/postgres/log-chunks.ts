import pg from 'pg';
import type { LogChunks } from '../../logs/chunked-logs.js';
import { serverConnection } from './open.js';
import { Sql } from './sql.js';
import { isDatabaseUnavailable } from './storage-errors.js';
import { PgWriteBatch } from './write-batch.js';

/** The most bytes a chunk holds (GitLab's chunk size): a read of any range touches at most one chunk more than it returns. */
export const LOG_CHUNK_BYTES = 128 * 1024;
/** Rows one statement of a deletion removes at most; other writes run between. */
const ROWS_PER_DELETE = 1_000;
/** Runs of small chunks merged in one transaction at most. */
const MERGES_PER_WRITE = 32;

const INSERT = 'INSERT INTO log_chunks (job_id, number, byte_offset, bytes) VALUES ($1, $2, $3, $4)';
const SIZE = 'SELECT byte_offset + octet_length(bytes) AS size FROM log_chunks WHERE job_id = $1 AND number = $2 ORDER BY byte_offset DESC LIMIT 1';
/**
 * Bytes $3 to $4 of a log: the chunk holding $3 (the last one starting at or before it, one index
 * seek) and those after it that start before $4, in order, each cut to the range in the database and
 * sent as base64. (`pg` takes bytea as hex text, twice the bytes, and decoding base64 costs this
 * process about a third less; joining the pieces here rather than with string_agg reads twice as fast:
 * docs/benchmarks.md, "Console logs on PostgreSQL".)
 */
const READ = `SELECT encode(substring(bytes FROM greatest($3 - byte_offset, 0)::int + 1 FOR (least($4 - byte_offset, octet_length(bytes)) - greatest($3 - byte_offset, 0))::int), 'base64') AS bytes
  FROM log_chunks
  WHERE job_id = $1 AND number = $2
    AND byte_offset >= coalesce((SELECT byte_offset FROM log_chunks WHERE job_id = $1 AND number = $2 AND byte_offset <= $3 ORDER BY byte_offset DESC LIMIT 1), 0)
    AND byte_offset < $4 AND byte_offset + octet_length(bytes) > $3
  ORDER BY byte_offset`;
/** The chunks' lengths: octet_length reads the length in a stored value's header, not the value. */
const LENGTHS = 'SELECT byte_offset, octet_length(bytes) AS length FROM log_chunks WHERE job_id = $1 AND number = $2 ORDER BY byte_offset';
const MERGE = `UPDATE log_chunks SET bytes = (
    SELECT string_agg(bytes, ''::bytea ORDER BY byte_offset) FROM log_chunks WHERE job_id = $1 AND number = $2 AND byte_offset >= $3 AND byte_offset < $4)
  WHERE job_id = $1 AND number = $2 AND byte_offset = $3`;
const MERGED = 'DELETE FROM log_chunks WHERE job_id = $1 AND number = $2 AND byte_offset > $3 AND byte_offset < $4';
const REMOVE_LOG = 'DELETE FROM log_chunks WHERE ctid = ANY (ARRAY (SELECT ctid FROM log_chunks WHERE job_id = $1 AND number = $2 LIMIT $3))';
const REMOVE_JOB = 'DELETE FROM log_chunks WHERE ctid = ANY (ARRAY (SELECT ctid FROM log_chunks WHERE job_id = $1 LIMIT $2))';

export interface PostgresLogChunksOptions {
  /** The database's address (the store's: it has migrated it, and made the table). */
  readonly url: string;
  /** The most connections the logs open: one writes at a time, the others read. */
  readonly maxConnections?: number;
}

/**
 * Console logs in PostgreSQL, as chunks (migrations/0003_logs.sql), for `ChunkedLogs`. On a pool of
 * their own, so that reading and writing logs (large values) neither waits for nor delays the store's
 * small transactions (a trigger's commit); chunks are stored through a write batch of their own, so
 * that the flushes of builds running at once share a commit. Every read is one or two index seeks
 * plus the chunks it returns, each cut to the range in the database, so a read returns the bytes
 * asked for and no more.
 */
export class PgLogChunks implements LogChunks {
  readonly chunkBytes = LOG_CHUNK_BYTES;
  private readonly pool: pg.Pool;
  private readonly db: Sql;
  private readonly batch: PgWriteBatch;

  constructor(options: PostgresLogChunksOptions) {
    this.pool = new pg.Pool({ ...serverConnection(options.url), max: options.maxConnections ?? 4 });
    // An idle connection the server closed is dropped from the pool; the next query opens another.
    this.pool.on('error', () => {});
    this.db = new Sql(this.pool);
    this.batch = new PgWriteBatch(this.pool);
  }

  async append(jobId: number, number: number, chunks: ReadonlyArray<{ readonly offset: number; readonly bytes: Buffer }>): Promise<void> {
    for (const chunk of chunks) {
      if (chunk.bytes.length === 0 || chunk.bytes.length > this.chunkBytes) throw new RangeError(`A log chunk holds 1 to ${this.chunkBytes} bytes, not ${chunk.bytes.length}.`);
    }
    await this.batch.write(async (tx) => {
      for (const chunk of chunks) await tx.run(INSERT, [jobId, number, chunk.offset, chunk.bytes]);
    });
  }

  async size(jobId: number, number: number): Promise<number | null> {
    return (await this.db.one<{ size: number }>(SIZE, [jobId, number]))?.size ?? null;
  }

  async read(jobId: number, number: number, start: number, end: number): Promise<Buffer> {
    if (end <= start) return Buffer.alloc(0);
    // PostgreSQL breaks base64 into lines of 76 characters, which Node's decoder skips.
    const pieces = (await this.db.rows<{ bytes: string }>(READ, [jobId, number, start, end])).map((row) => Buffer.from(row.bytes, 'base64'));
    return pieces.length === 1 ? (pieces[0] as Buffer) : Buffer.concat(pieces);
  }

  /**
   * Merges runs of consecutive chunks whose bytes fit in one chunk (a slow build stores a little every
   * ~100 ms): each run becomes its first chunk, holding the run's bytes, in one transaction, so a reader
   * sees the log whole before and after. Costs a read of the chunks' lengths and a rewrite of the runs.
   */
  isOutage(error: unknown): boolean {
    return isDatabaseUnavailable(error);
  }

  async compact(jobId: number, number: number): Promise<void> {
    const runs: Array<{ from: number; to: number }> = [];
    let run: { from: number; to: number; chunks: number } | null = null;
    for (const chunk of await this.db.rows<{ byte_offset: number; length: number }>(LENGTHS, [jobId, number])) {
      if (run && run.to === chunk.byte_offset && run.to - run.from + chunk.length <= this.chunkBytes) {
        run.to += chunk.length;
        run.chunks += 1;
        continue;
      }
      if (run && run.chunks > 1) runs.push(run);
      run = { from: chunk.byte_offset, to: chunk.byte_offset + chunk.length, chunks: 1 };
    }
    if (run && run.chunks > 1) runs.push(run);
    for (let at = 0; at < runs.length; at += MERGES_PER_WRITE) {
      const some = runs.slice(at, at + MERGES_PER_WRITE);
      await this.batch.write(async (tx) => {
        for (const { from, to } of some) {
          await tx.run(MERGE, [jobId, number, from, to]);
          await tx.run(MERGED, [jobId, number, from, to]);
        }
      });
    }
  }

  async remove(jobId: number, number: number): Promise<void> {
    while ((await this.batch.write((tx) => tx.run(REMOVE_LOG, [jobId, number, ROWS_PER_DELETE]))) === ROWS_PER_DELETE);
  }

  async removeJob(jobId: number): Promise<void> {
    while ((await this.batch.write((tx) => tx.run(REMOVE_JOB, [jobId, ROWS_PER_DELETE]))) === ROWS_PER_DELETE);
  }

  async close(): Promise<void> {
    await this.batch.close();
    await this.pool.end();
  }
}

/** The reads, for the test that their plans are index seeks. */
export const LOG_STATEMENTS = { read: READ, size: SIZE } as const;
