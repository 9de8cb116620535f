import { closeSync, createReadStream, fstatSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { open, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import type { ConsoleLogs, LogPiece, LogReader, LogWriter } from './console-logs.js';
import { fileReader, pieceEnd, readFully } from './log-piece.js';

/**
 * Console logs of builds, one file each under `ROOT/<job id>/<build number>/log` (the embedded SQLite
 * deployments, and an agent's own copy). A running build's log is appended to synchronously as output
 * arrives, so anything a step prints is readable at once, and a writer is never full.
 */
export class LogFiles implements ConsoleLogs {
  /** `onWritten` hears how many bytes each write appended (the metrics). */
  constructor(
    readonly root: string,
    private readonly onWritten: (bytes: number) => void = () => {},
  ) {}

  path(jobId: number, number: number): string {
    return join(this.root, String(jobId), String(number), 'log');
  }

  /**
   * Opens a build's log for appending, creating it (throws when it cannot). `onFailure` hears, once,
   * of the first write that failed.
   */
  open(jobId: number, number: number, onFailure: (error: NodeJS.ErrnoException) => void = () => {}): FileLogWriter {
    mkdirSync(join(this.root, String(jobId), String(number)), { recursive: true });
    return new FileLogWriter(openSync(this.path(jobId, number), 'a'), onFailure, this.onWritten);
  }

  /** Appends to an existing log without keeping it open (used to close the logs of crashed builds). */
  async append(jobId: number, number: number, text: string): Promise<void> {
    const writer = this.open(jobId, number);
    writer.write(text);
    await writer.close();
    if (writer.failure) throw writer.failure;
  }

  /** The log's size in bytes, or null when it does not exist. */
  async size(jobId: number, number: number): Promise<number | null> {
    try {
      return (await stat(this.path(jobId, number))).size;
    } catch {
      return null;
    }
  }

  /**
   * Chooses the next piece of the log for a reader at byte `start` (see `pieceEnd`: at most
   * `maxBytes`, cut after a line break or at a character boundary; with `wholeLines`, as for a build
   * still writing its log, no unfinished short line). Only the choice: the bytes are read with
   * `stream`. Returns null when there is no log.
   */
  async piece(jobId: number, number: number, start: number, maxBytes: number, wholeLines: boolean): Promise<LogPiece | null> {
    let handle;
    try {
      handle = await open(this.path(jobId, number), 'r');
    } catch {
      return null;
    }
    try {
      const { size } = await handle.stat();
      const from = Math.min(Math.max(0, start), size);
      return { start: from, end: await pieceEnd(fileReader(handle), from, size, maxBytes, wholeLines), size };
    } finally {
      await handle.close();
    }
  }

  async reader(jobId: number, number: number): Promise<LogReader | null> {
    let handle;
    try {
      handle = await open(this.path(jobId, number), 'r');
    } catch {
      return null;
    }
    const opened = handle;
    try {
      return { size: (await opened.stat()).size, read: fileReader(opened), close: () => opened.close() };
    } catch (error) {
      await opened.close();
      throw error;
    }
  }

  /**
   * Bytes `start` to `end` (exclusive) of the log, as a stream of chunks of at most `chunkBytes`. Its
   * file is opened when the stream is, and closed when it ends, fails or is destroyed (a reader that
   * went away), so a reader holds a chunk or two however long the log. 256 KiB chunks send a log
   * over loopback about 1.5 times as fast as 64 KiB ones (bench/hostile-logs.mjs), for 0.5 MiB a reader.
   */
  stream(jobId: number, number: number, start: number, end: number, chunkBytes = 256 * 1024): Readable {
    if (end <= start) return Readable.from([]);
    return createReadStream(this.path(jobId, number), { start, end: end - 1, highWaterMark: chunkBytes });
  }

  /** Bytes `start` to `end` (exclusive) of the log, read at once: for small ranges, where a stream costs more than it saves. */
  async readRange(jobId: number, number: number, start: number, end: number): Promise<Buffer> {
    let handle;
    try {
      handle = await open(this.path(jobId, number), 'r');
    } catch (error) {
      // A build deleted meanwhile has no log left to read.
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return Buffer.alloc(0);
      throw error;
    }
    try {
      return await readFully(handle, Buffer.alloc(Math.max(0, end - start)), start);
    } finally {
      await handle.close();
    }
  }

  async remove(jobId: number, number: number): Promise<void> {
    await rm(join(this.root, String(jobId), String(number)), { recursive: true, force: true });
  }

  async removeJob(jobId: number): Promise<void> {
    await rm(join(this.root, String(jobId)), { recursive: true, force: true });
  }

  /** Nothing to let go of: each writer holds its own file, closed by its owner. */
  async close(): Promise<void> {}
}

/**
 * Appends to one console log file, synchronously: a write is stored when it returns, so the writer
 * is never full and holds nothing. Writing never throws: the first error (a full disk, an I/O error)
 * is kept in `failure` and nothing more is written (see `LogWriter`).
 */
export class FileLogWriter implements LogWriter {
  private closed = false;
  private error: NodeJS.ErrnoException | null = null;
  /** The file's size when last known: what was there at open plus what was written. */
  private length: number | null = null;
  readonly buffered = 0;
  readonly full = false;

  constructor(
    private readonly fd: number,
    private readonly onFailure: (error: NodeJS.ErrnoException) => void = () => {},
    private readonly onWritten: (bytes: number) => void = () => {},
  ) {}

  /** The error that stopped writing, or null while every write has succeeded. */
  get failure(): NodeJS.ErrnoException | null {
    return this.error;
  }

  /** How many bytes the log holds now (what an earlier writer left, plus what this one wrote). */
  async size(): Promise<number> {
    if (!this.closed) this.length = fstatSync(this.fd).size;
    return this.length ?? 0;
  }

  write(text: string | Buffer): void {
    if (this.closed || this.error || text.length === 0) return;
    try {
      const bytes = typeof text === 'string' ? Buffer.from(text) : text;
      // A short write (the disk filling up) is followed by the error on the next one.
      for (let written = 0; written < bytes.length; ) written += writeSync(this.fd, bytes, written);
      this.onWritten(bytes.length);
    } catch (error) {
      this.error = error as NodeJS.ErrnoException;
      this.onFailure(this.error);
    }
  }

  /** At once: a file writer is never full. */
  async drained(): Promise<void> {}

  /** At once: every write is in the file when it returns. */
  async flush(): Promise<void> {}

  async close(): Promise<void> {
    if (this.closed) return;
    try {
      this.length = fstatSync(this.fd).size;
    } catch {
      // The size stays as last known.
    }
    this.closed = true;
    try {
      closeSync(this.fd);
    } catch (error) {
      this.error ??= error as NodeJS.ErrnoException;
    }
  }
}
