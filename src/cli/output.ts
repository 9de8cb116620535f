import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream } from 'node:stream/web';
import type { Notices } from './client.js';

/**
 * Where a command writes: data and results to stdout, notes and errors to stderr, and on a
 * terminal one status line (on stderr) that is rewritten in place and cleared before anything else
 * is printed. When stderr is not a terminal there is no status line at all.
 */
export class Output implements Notices {
  private statusShown = false;

  constructor(
    private readonly stdout: NodeJS.WriteStream = process.stdout,
    private readonly stderr: NodeJS.WriteStream = process.stderr,
  ) {}

  /** A line of results. */
  line(text: string): void {
    this.clearStatus();
    this.stdout.write(`${text}\n`);
  }

  /** Raw text or bytes (a console log), as they came. */
  raw(text: string | Uint8Array): void {
    if (text.length === 0) return;
    this.clearStatus();
    this.stdout.write(text);
  }

  /** Raw bytes (a whole console log) as they arrive, never holding more than the pipe's buffers. */
  async rawStream(body: ReadableStream<Uint8Array>): Promise<void> {
    this.clearStatus();
    await pipeline(Readable.fromWeb(body), this.stdout, { end: false });
  }

  json(data: unknown): void {
    this.clearStatus();
    this.stdout.write(`${JSON.stringify(data, null, 2)}\n`);
  }

  note(text: string): void {
    this.clearStatus();
    this.stderr.write(`steward: ${text}\n`);
  }

  /** The one-line status of a wait; nothing when stderr is not a terminal. */
  status(text: string): void {
    if (!this.stderr.isTTY) return;
    const width = Math.max(20, (this.stderr.columns || 80) - 1);
    this.stderr.write(`\r\x1b[2K${text.length > width ? `${text.slice(0, width - 1)}…` : text}`);
    this.statusShown = true;
  }

  clearStatus(): void {
    if (!this.statusShown) return;
    this.stderr.write('\r\x1b[2K');
    this.statusShown = false;
  }

  /** Rows as aligned columns under a header. */
  table(header: readonly string[], rows: ReadonlyArray<readonly string[]>): void {
    const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => (row[column] ?? '').length)));
    const format = (row: readonly string[]) =>
      row
        .map((cell, column) => (column === row.length - 1 ? cell : cell.padEnd(widths[column] ?? 0)))
        .join('  ')
        .trimEnd();
    this.line(format(header));
    for (const row of rows) this.line(format(row));
  }
}

/** `1m 05s`, `12s`, `2h 03m`: an elapsed time for a status line. */
export function elapsed(ms: number): string {
  const seconds = Math.floor(ms / 1000);
  if (seconds < 60) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes}m ${String(seconds % 60).padStart(2, '0')}s`;
  return `${Math.floor(minutes / 60)}h ${String(minutes % 60).padStart(2, '0')}m`;
}
