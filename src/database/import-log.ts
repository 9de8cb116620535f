import { createWriteStream, mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type pg from 'pg';
import { LogFiles } from '../logs/log-files.js';

/**
 * Where `steward import` puts the console logs it carries. Today a PostgreSQL node reads console logs
 * from files in its home, as a SQLite one does, so they go to `files` (a staging copy of
 * `HOME/jobs`, moved into place once the database's transaction committed). `db` is that
 * transaction: once logs are kept in the database, they are written through it, and the import
 * commits builds and logs together.
 */
export interface LogImportTarget {
  readonly db: pg.ClientBase;
  readonly files: LogFiles;
}

/** A log up to this long is read into memory and written with one call. */
const IN_MEMORY_BYTES = 1024 * 1024;

/**
 * Stores one build's console log, read from `log` to its end; resolves with its size. The one place
 * where an imported log is written: a `log_chunks` table replaces the file here, and nowhere else.
 */
export async function importLog(target: LogImportTarget, jobId: number, number: number, log: Readable | AsyncIterable<Buffer>): Promise<number> {
  const path = target.files.path(jobId, number);
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  // Most logs are small: read whole and written at once. A long one is streamed from where that stopped.
  const head: Buffer[] = [];
  let bytes = 0;
  const chunks = (log as AsyncIterable<Buffer>)[Symbol.asyncIterator]();
  for (;;) {
    const next = await chunks.next();
    if (next.done) {
      writeFileSync(path, Buffer.concat(head, bytes), { flag: 'wx', mode: 0o600 });
      return bytes;
    }
    head.push(next.value);
    bytes += next.value.length;
    if (bytes >= IN_MEMORY_BYTES) break;
  }
  async function* rest(): AsyncGenerator<Buffer> {
    yield* head;
    for (let next = await chunks.next(); !next.done; next = await chunks.next()) {
      bytes += next.value.length;
      yield next.value;
    }
  }
  await pipeline(rest(), createWriteStream(path, { flags: 'wx', mode: 0o600 }));
  return bytes;
}
