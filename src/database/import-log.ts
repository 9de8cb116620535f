import type { Readable } from 'node:stream';
import type pg from 'pg';
import { LOG_CHUNK_BYTES } from '../store/postgres/log-chunks.js';

/** Where `steward import` puts the console logs it carries: the import's open transaction. */
export interface LogImportTarget {
  readonly db: pg.ClientBase;
}

const INSERT = 'INSERT INTO log_chunks (job_id, number, byte_offset, bytes) VALUES ($1, $2, $3, $4)';

/**
 * Stores one build's console log, read from `log` to its end, as the chunks PostgreSQL servers read
 * (store/postgres/log-chunks.ts), in the import's transaction: builds and their logs are committed
 * together. Holds one chunk at a time; resolves with the log's size.
 */
export async function importLog(target: LogImportTarget, jobId: number, number: number, log: Readable | AsyncIterable<Buffer>): Promise<number> {
  let offset = 0;
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  const store = async (bytes: Buffer) => {
    await target.db.query(INSERT, [jobId, number, offset, bytes]);
    offset += bytes.length;
  };
  for await (const piece of log as AsyncIterable<Buffer>) {
    pending.push(piece);
    pendingBytes += piece.length;
    while (pendingBytes >= LOG_CHUNK_BYTES) {
      const joined = Buffer.concat(pending, pendingBytes);
      await store(joined.subarray(0, LOG_CHUNK_BYTES));
      const rest = joined.subarray(LOG_CHUNK_BYTES);
      pending = rest.length > 0 ? [rest] : [];
      pendingBytes = rest.length;
    }
  }
  if (pendingBytes > 0) await store(Buffer.concat(pending, pendingBytes));
  return offset;
}
