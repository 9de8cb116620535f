import type { Readable } from 'node:stream';

/**
 * The port through which everything reads and writes builds' console logs. Two implementations:
 * files under the home (`LogFiles`, log-files.ts: the embedded SQLite deployments) and chunks in a
 * shared database (`ChunkedLogs`, chunked-logs.ts, over `PgLogChunks` in store/postgres/), so that
 * every node of a deployment reads the logs of builds that run on any other. Both give the same
 * bytes, the same sizes and the same pieces (log-piece.ts); `logs-contract.suite.ts` holds them to it.
 *
 * A log is addressed by its job's id and its build's number, and only grows while its build runs.
 */
export interface ConsoleLogs {
  /**
   * A writer appending to a build's log (created on the first write when there is none). Never blocks
   * on storage; the files' writer throws here when the log cannot be created at all.
   * `onFailure` hears, once, of the first write that could not be stored.
   */
  open(jobId: number, number: number, onFailure?: (error: Error) => void): LogWriter;
  /** Appends to an existing log without keeping it open (the last lines of a crashed build's log). */
  append(jobId: number, number: number, text: string): Promise<void>;
  /** The log's size in bytes (as far as it is stored), or null when there is no log. */
  size(jobId: number, number: number): Promise<number | null>;
  /**
   * Chooses the next piece of the log for a reader at byte `start` (see `pieceEnd`: at most
   * `maxBytes`, cut after a line break or at a character boundary; with `wholeLines`, as for a build
   * still writing its log, no unfinished short line). Only the choice: the bytes are read with
   * `stream` or `readRange`. Null when there is no log.
   */
  piece(jobId: number, number: number, start: number, maxBytes: number, wholeLines: boolean): Promise<LogPiece | null>;
  /** The log as it is now, for a few reads at chosen offsets (the build page); null when there is none. Close it after. */
  reader(jobId: number, number: number): Promise<LogReader | null>;
  /**
   * Bytes `start` to `end` (exclusive), as a stream of chunks of at most `chunkBytes`, read as the
   * stream is read, so a reader holds a chunk or two however long the log; destroying the stream (a
   * reader that went away) stops the reading. Fails when the log ends before `end` (deleted meanwhile).
   */
  stream(jobId: number, number: number, start: number, end: number, chunkBytes?: number): Readable;
  /** Bytes `start` to `end` (exclusive), read at once (small ranges); fewer, or none, where the log is shorter or gone. */
  readRange(jobId: number, number: number, start: number, end: number): Promise<Buffer>;
  remove(jobId: number, number: number): Promise<void>;
  removeJob(jobId: number): Promise<void>;
  /** Stores what open writers still hold, then lets go of the storage (at shutdown). */
  close(): Promise<void>;
}

/** A piece of a log chosen for a reader: bytes `start` to `end` (exclusive) of a log of `size` bytes. */
export interface LogPiece {
  /** Where the piece starts: the offset asked for, or the log's size when that was beyond it. */
  readonly start: number;
  readonly end: number;
  /** The log's size when the piece was chosen: more of it is there when `end` is less. */
  readonly size: number;
}

/** Reads up to `length` bytes from `offset` (fewer at the log's end). */
export type ReadAt = (offset: number, length: number) => Promise<Buffer>;

/** A log opened for reading, as long as it was when opened. */
export interface LogReader {
  readonly size: number;
  readonly read: ReadAt;
  close(): Promise<void>;
}

/**
 * Appends to one console log. `write` is synchronous and never throws, whatever the storage does: the
 * first error (a full disk, a database out of reach) is kept in `failure`, `onFailure` hears of it,
 * and nothing more is written, so a build's output can never take the server down; whoever owns the
 * build reads it and ends the build with the reason (`log_unwritable`).
 *
 * A writer may hold written bytes before they are stored (the database's writer batches them for
 * about 100 ms). It says so with `full` when it holds as much as it should: a producer that can wait
 * (a step's output pipe) pauses until `drained()`; one that cannot is still taken, so nothing is lost.
 */
export interface LogWriter {
  /** The error that stopped writing, or null while every write has been stored. */
  readonly failure: Error | null;
  /** Bytes written and not yet stored. */
  readonly buffered: number;
  /** Whether the writer holds as much as it should: a producer that can wait, waits for `drained()`. */
  readonly full: boolean;
  /** Appends; keeps `text` (a Buffer must not be changed afterwards). */
  write(text: string | Buffer): void;
  /** Resolves once the writer is no longer full (or has failed, or is closed). */
  drained(): Promise<void>;
  /** Resolves once everything written so far is stored, or writing failed (see `failure`). */
  flush(): Promise<void>;
  /** How many bytes the log holds once what was written so far is stored: what an earlier writer left, plus this one's. */
  size(): Promise<number>;
  /** Stores the rest and closes; resolves when done (then `failure` tells whether all of it was stored). */
  close(): Promise<void>;
}
