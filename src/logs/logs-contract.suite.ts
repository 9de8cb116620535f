import { createHash } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ConsoleLogs, LogWriter } from './console-logs.js';

/** One implementation of the logs, opened fresh for a test. */
export interface LogsUnderTest {
  readonly logs: ConsoleLogs;
  /**
   * Makes storing a build's log fail from now on, as a full disk or a database out of reach would
   * (the files: the log is /dev/full; the database: the connection is cut).
   */
  breakStorage(jobId: number, number: number): Promise<void>;
  close(): Promise<void>;
}

/** The most bytes a writer of either implementation may hold when its producer waits while it is full. */
const BOUND_BYTES = 4 * 1024 * 1024;

/**
 * The contract both console log implementations keep (the files of a SQLite deployment, the chunks in
 * PostgreSQL): the same bytes, sizes and pieces, whatever the chunking; writes that never throw;
 * bounded buffering. Each implementation's test file calls this with a function that opens it fresh.
 */
export function describeLogsContract(name: string, open: () => Promise<LogsUnderTest>): void {
  describe(`console logs contract: ${name}`, () => {
    let under: LogsUnderTest;
    let logs: ConsoleLogs;
    let nextJob = 1;
    beforeEach(async () => {
      under = await open();
      logs = under.logs;
    });
    afterEach(async () => {
      await under.close();
    });
    const job = () => (nextJob += 1);

    /** Writes `content` in pieces of `step` bytes, waiting while the writer is full; returns the most it held. */
    async function produce(writer: LogWriter, content: Buffer, step: number): Promise<number> {
      let most = 0;
      for (let at = 0; at < content.length; at += step) {
        writer.write(Buffer.from(content.subarray(at, at + step)));
        most = Math.max(most, writer.buffered);
        if (writer.full) await writer.drained();
      }
      return most;
    }

    /** A range read with `stream`, checking that no chunk is larger than asked (the page renders 16 KiB slices). */
    async function readAll(jobId: number, number: number, start: number, end: number, chunkBytes?: number): Promise<Buffer> {
      const parts: Buffer[] = [];
      for await (const part of logs.stream(jobId, number, start, end, chunkBytes)) parts.push(part as Buffer);
      expect(Math.max(0, ...parts.map((part) => part.length))).toBeLessThanOrEqual(chunkBytes ?? 256 * 1024);
      return Buffer.concat(parts);
    }

    it('appends what is written, in order, and tells the size; a log never written does not exist', async () => {
      const jobId = job();
      expect(await logs.size(jobId, 1)).toBeNull();
      expect(await logs.piece(jobId, 1, 0, 100, false)).toBeNull();
      expect(await logs.reader(jobId, 1)).toBeNull();
      expect(await logs.readRange(jobId, 1, 0, 10)).toEqual(Buffer.alloc(0));
      const writer = logs.open(jobId, 1);
      writer.write('Started by user alice\n');
      writer.write(Buffer.from('Building ✓\n'));
      writer.write('');
      expect(await writer.size()).toBe(35);
      writer.write('Finished: SUCCESS\n');
      await writer.close();
      expect(writer.failure).toBeNull();
      const expected = 'Started by user alice\nBuilding ✓\nFinished: SUCCESS\n';
      expect(await logs.size(jobId, 1)).toBe(Buffer.byteLength(expected));
      expect((await logs.readRange(jobId, 1, 0, 1000)).toString()).toBe(expected);
      expect((await readAll(jobId, 1, 0, Buffer.byteLength(expected))).toString()).toBe(expected);
      expect((await logs.readRange(jobId, 1, 8, 12)).toString()).toBe('by u');
      // A write after close is ignored, never thrown.
      writer.write('late\n');
      expect(await logs.size(jobId, 1)).toBe(Buffer.byteLength(expected));
      expect(await logs.size(jobId, 2)).toBeNull();
    });

    it('continues a log an earlier writer began, from its size (an adopted build, a crashed build’s last lines)', async () => {
      const jobId = job();
      const first = logs.open(jobId, 3);
      first.write('first part\n');
      await first.close();
      const second = logs.open(jobId, 3);
      expect(await second.size()).toBe(11);
      second.write('second part\n');
      expect(await second.size()).toBe(23);
      await second.close();
      await logs.append(jobId, 3, 'Build was aborted\n');
      expect((await logs.readRange(jobId, 3, 0, 100)).toString()).toBe('first part\nsecond part\nBuild was aborted\n');
    });

    it('chooses pieces after a line break, at a character boundary, and with wholeLines leaves an unfinished short line for later', async () => {
      const jobId = job();
      const writer = logs.open(jobId, 1);
      writer.write('one\ntwo\nthr');
      await writer.flush();
      expect(await logs.piece(jobId, 1, 0, 100, true)).toEqual({ start: 0, end: 8, size: 11 });
      expect(await logs.piece(jobId, 1, 0, 100, false)).toEqual({ start: 0, end: 11, size: 11 });
      expect(await logs.piece(jobId, 1, 0, 6, false)).toEqual({ start: 0, end: 4, size: 11 });
      expect(await logs.piece(jobId, 1, 8, 100, true)).toEqual({ start: 8, end: 8, size: 11 });
      // A start beyond the end is the end.
      expect(await logs.piece(jobId, 1, 50, 100, true)).toEqual({ start: 11, end: 11, size: 11 });
      writer.write('ee\n' + '€'.repeat(10));
      await writer.close();
      // One line longer than a piece is cut, never inside a character.
      const long = await logs.piece(jobId, 1, 14, 8, false);
      expect(long).toEqual({ start: 14, end: 20, size: 44 });
      const reader = await logs.reader(jobId, 1);
      expect(reader?.size).toBe(44);
      expect((await reader?.read(14, 6))?.toString()).toBe('€€');
      await reader?.close();
    });

    it('keeps multi-byte characters whole across chunk boundaries, and reads ranges spanning many chunks byte for byte', async () => {
      const jobId = job();
      const writer = logs.open(jobId, 1);
      // Characters of 2, 3 and 4 bytes, on lines of every length, so that every boundary falls inside some character.
      const lines: string[] = [];
      for (let index = 0, length = 0; length < 700_000; index += 1) {
        lines.push(`${index} ${'é€😀'.repeat(index % 97)}x\n`);
        length += (lines.at(-1) as string).length;
      }
      const content = Buffer.from(lines.join(''));
      await produce(writer, content, 4099);
      await writer.close();
      expect(await logs.size(jobId, 1)).toBe(content.length);
      for (const [from, to] of [
        [0, content.length],
        [1, 131_073],
        [131_071, 131_075],
        [100_000, 400_000],
        [262_143, 262_145],
        [content.length - 5, content.length + 100],
      ] as const) {
        expect((await logs.readRange(jobId, 1, from, to)).equals(content.subarray(from, to))).toBe(true);
      }
      expect((await readAll(jobId, 1, 12_345, 654_321, 50_000)).equals(content.subarray(12_345, 654_321))).toBe(true);
      expect((await readAll(jobId, 1, 0, content.length, 16 * 1024)).equals(content)).toBe(true);
      // Pieces of any size put the log back together, and none splits a character.
      for (const maxBytes of [1000, 65_537, 200_000]) {
        const pieces: Buffer[] = [];
        for (let start = 0; start < content.length; ) {
          const piece = await logs.piece(jobId, 1, start, maxBytes, false);
          expect(piece && piece.end > start).toBe(true);
          const bytes = await logs.readRange(jobId, 1, start, (piece as { end: number }).end);
          expect(Buffer.from(bytes.toString()).equals(bytes)).toBe(true);
          pieces.push(bytes);
          start = (piece as { end: number }).end;
        }
        expect(Buffer.concat(pieces).equals(content)).toBe(true);
      }
    });

    it('reads a log of more than 20 MB back byte for byte, streamed and in pieces', async () => {
      const jobId = job();
      const writer = logs.open(jobId, 1);
      const content = Buffer.alloc(21 * 1024 * 1024 + 12_345);
      // Not text only: every byte value, in a pattern that repeats nowhere near a chunk's length.
      for (let at = 0; at < content.length; at += 1) content[at] = (at * 7919 + (at >> 13)) & 0xff;
      await produce(writer, content, 65_536);
      await writer.close();
      expect(writer.failure).toBeNull();
      expect(await logs.size(jobId, 1)).toBe(content.length);
      const digest = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');
      const hash = createHash('sha256');
      let largest = 0;
      for await (const part of logs.stream(jobId, 1, 0, content.length)) {
        hash.update(part as Buffer);
        largest = Math.max(largest, (part as Buffer).length);
      }
      expect(hash.digest('hex')).toBe(digest(content));
      expect(largest).toBeLessThanOrEqual(256 * 1024);
      let pieces = 0;
      const again = createHash('sha256');
      for (let start = 0; start < content.length; pieces += 1) {
        const piece = (await logs.piece(jobId, 1, start, 4 * 1024 * 1024, false)) as { end: number };
        for await (const part of logs.stream(jobId, 1, start, piece.end)) again.update(part as Buffer);
        start = piece.end;
      }
      expect(again.digest('hex')).toBe(digest(content));
      expect(pieces).toBeGreaterThanOrEqual(6);
    });

    it('removes one build’s log, or all of a job’s, and no other', async () => {
      const [a, b] = [job(), job()];
      for (const [jobId, number] of [
        [a, 1],
        [a, 2],
        [b, 1],
      ] as const) {
        const writer = logs.open(jobId, number);
        writer.write(`log of ${jobId}#${number}\n`.repeat(20_000));
        await writer.close();
      }
      await logs.remove(a, 1);
      expect(await logs.size(a, 1)).toBeNull();
      expect(await logs.size(a, 2)).toBe(Buffer.byteLength(`log of ${a}#2\n`) * 20_000);
      await logs.removeJob(a);
      expect(await logs.size(a, 2)).toBeNull();
      expect((await logs.readRange(b, 1, 0, 12)).toString()).toBe(`log of ${b}#1\n`.repeat(2).slice(0, 12));
      // Removing what is not there is no error.
      await logs.remove(a, 9);
      await logs.removeJob(a);
    });

    it('reports a log that cannot be stored as the writer’s failure, once, and never throws from write', async () => {
      const jobId = job();
      await under.breakStorage(jobId, 1);
      const failures: Error[] = [];
      let writer: LogWriter | null = null;
      expect(() => {
        writer = logs.open(jobId, 1, (error) => failures.push(error));
        for (let line = 0; line < 2000; line += 1) (writer as LogWriter).write(`line ${line} ${'x'.repeat(500)}\n`);
      }).not.toThrow();
      const broken = writer as unknown as LogWriter;
      await broken.flush();
      await broken.close();
      expect(broken.failure).toBeInstanceOf(Error);
      expect(failures).toHaveLength(1);
      expect(failures[0]).toBe(broken.failure);
      expect(broken.full).toBe(false);
      expect(() => broken.write('after the failure\n')).not.toThrow();
      await broken.drained();
    });

    it('holds a bounded amount when its producer waits while it is full, and takes everything from one that cannot wait', async () => {
      const jobId = job();
      const content = Buffer.alloc(20 * 1024 * 1024, 'a line of output that goes on and on\n');
      const writer = logs.open(jobId, 1);
      const most = await produce(writer, content, 64 * 1024);
      expect(most).toBeLessThanOrEqual(BOUND_BYTES);
      // A producer that cannot wait (an agent's upload is taken whole): nothing is lost.
      const burst = Buffer.alloc(6 * 1024 * 1024, 'burst\n');
      writer.write(burst);
      await writer.close();
      expect(writer.failure).toBeNull();
      expect(writer.buffered).toBe(0);
      expect(await logs.size(jobId, 1)).toBe(content.length + burst.length);
      const seam = await logs.readRange(jobId, 1, content.length - 4, content.length + 6);
      expect(seam.equals(Buffer.concat([content.subarray(-4), burst.subarray(0, 6)]))).toBe(true);
    });
  });
}
