import { closeSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { open, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * Console logs of builds, one file each under `ROOT/<job id>/<build number>/log`. A running build's
 * log is appended to synchronously as output arrives, so anything a step prints is readable at once.
 */
export class LogFiles {
  constructor(private readonly root: string) {}

  path(jobId: number, number: number): string {
    return join(this.root, String(jobId), String(number), 'log');
  }

  /** Opens a build's log for appending, creating it. */
  open(jobId: number, number: number): LogWriter {
    mkdirSync(join(this.root, String(jobId), String(number)), { recursive: true });
    return new LogWriter(openSync(this.path(jobId, number), 'a'));
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
   * Reads the log from byte `start`. With `wholeLines`, stops after the last complete line, so that a
   * reader following a running build never sees half a line. Returns null when there is no log.
   */
  async read(jobId: number, number: number, start: number, wholeLines: boolean): Promise<{ text: Buffer; end: number } | null> {
    let handle;
    try {
      handle = await open(this.path(jobId, number), 'r');
    } catch {
      return null;
    }
    try {
      const { size } = await handle.stat();
      const from = Math.min(Math.max(0, start), size);
      const buffer = Buffer.alloc(size - from);
      let filled = 0;
      while (filled < buffer.length) {
        const { bytesRead } = await handle.read(buffer, filled, buffer.length - filled, from + filled);
        if (bytesRead === 0) break;
        filled += bytesRead;
      }
      let text = buffer.subarray(0, filled);
      if (wholeLines) text = text.subarray(0, text.lastIndexOf(0x0a) + 1);
      return { text, end: from + text.length };
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

  constructor(private readonly fd: number) {}

  /** The error that stopped writing, or null while every write has succeeded. */
  get failure(): NodeJS.ErrnoException | null {
    return this.error;
  }

  write(text: string | Buffer): void {
    if (this.closed || this.error || text.length === 0) return;
    try {
      const bytes = typeof text === 'string' ? Buffer.from(text) : text;
      // A short write (the disk filling up) is followed by the error on the next one.
      for (let written = 0; written < bytes.length; ) written += writeSync(this.fd, bytes, written);
    } catch (error) {
      this.error = error as NodeJS.ErrnoException;
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
