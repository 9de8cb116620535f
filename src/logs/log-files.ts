import { closeSync, createReadStream, fstatSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { open, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pieceEnd, readFully } from './log-piece.js';

/** A piece of a log chosen for a reader: bytes `start` to `end` (exclusive) of a log of `size` bytes. */
export interface LogPiece {
  /** Where the piece starts: the offset asked for, or the log's size when that was beyond it. */
  readonly start: number;
  readonly end: number;
  /** The log's size when the piece was chosen: more of it is there when `end` is less. */
  readonly size: number;
}

/**
 * Console logs of builds, one file each under `ROOT/<job id>/<build number>/log`. A running build's
 * log is appended to synchronously as output arrives, so anything a step prints is readable at once.
 */
export class LogFiles {
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
  open(jobId: number, number: number, onFailure: (error: NodeJS.ErrnoException) => void = () => {}): LogWriter {
    mkdirSync(join(this.root, String(jobId), String(number)), { recursive: true });
    return new LogWriter(openSync(this.path(jobId, number), 'a'), onFailure, this.onWritten);
  }

  /** Appends to an existing log without keeping it open (used to close the logs of crashed builds). */
  append(jobId: number, number: number, text: string): void {
    const writer = this.open(jobId, number);
    writer.write(text);
    writer.close();
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
      return { start: from, end: await pieceEnd(handle, from, size, maxBytes, wholeLines), size };
    } finally {
      await handle.close();
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
    const handle = await open(this.path(jobId, number), 'r');
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
}

/**
 * Appends to one console log. Writing never throws: the first error (a full disk, an I/O error) is
 * kept in `failure` and nothing more is written, so a build's output can never take the server down;
 * whoever owns the build reads `failure` and ends the build with the reason.
 */
export class LogWriter {
  private closed = false;
  private error: NodeJS.ErrnoException | null = null;

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
  size(): number {
    return fstatSync(this.fd).size;
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

  close(): void {
    if (this.closed) return;
    this.closed = true;
    try {
      closeSync(this.fd);
    } catch (error) {
      this.error ??= error as NodeJS.ErrnoException;
    }
  }
}
