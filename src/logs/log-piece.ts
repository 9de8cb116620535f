import type { FileHandle } from 'node:fs/promises';
import type { ReadAt } from './console-logs.js';

/**
 * Where a piece of a console log ends, so that a reader can take a long log in pieces of bounded size
 * and put them back together byte for byte:
 *
 * - a piece is at most `maxBytes` long;
 * - it ends after a line break when there is one in it;
 * - else (one line longer than a piece) it ends at a UTF-8 character boundary, never inside a character;
 * - with `wholeLines` (a log still being written) a last line without its line break is left for
 *   later, unless it is already longer than a piece: then it comes in pieces too, or a reader would
 *   wait for its end forever;
 * - without `wholeLines`, a rest no longer than a piece is taken whole, whatever it ends with.
 *
 * The search for the line break reads backwards from the piece's end in blocks, so its memory is one
 * block whatever the piece's size, and it usually stops in the first block. Bytes are read through
 * `read`, so the log may be a file or chunks in a database.
 */
const BLOCK_BYTES = 64 * 1024;
const NEWLINE = 0x0a;
/** A UTF-8 character is at most 4 bytes: a cut is moved back at most 3 to reach its first byte. */
const MAX_CONTINUATION_BYTES = 3;

export async function pieceEnd(read: ReadAt, start: number, size: number, maxBytes: number, wholeLines: boolean): Promise<number> {
  const limit = Math.min(size, start + maxBytes);
  if (limit <= start) return start;
  if (limit === size && !wholeLines) return size;
  const lineEnd = await lastLineEnd(read, start, limit);
  if (lineEnd !== null) return lineEnd;
  // One line fills the piece and goes on: cut it. A running build's unfinished shorter line waits.
  if (limit < size) return characterBoundary(read, start, limit);
  return start;
}

/** The offset after the last line break in [from, to), or null when there is none. */
async function lastLineEnd(read: ReadAt, from: number, to: number): Promise<number | null> {
  for (let end = to; end > from; ) {
    const begin = Math.max(from, end - BLOCK_BYTES);
    const bytes = await read(begin, end - begin);
    const at = bytes.lastIndexOf(NEWLINE);
    if (at >= 0) return begin + at + 1;
    end = begin;
  }
  return null;
}

/**
 * `limit`, or the start of the character `limit` would cut in two (a byte at `limit` that continues a
 * character started at most 3 bytes before). Bytes that are not UTF-8 are cut anywhere.
 */
async function characterBoundary(read: ReadAt, start: number, limit: number): Promise<number> {
  const from = Math.max(start, limit - MAX_CONTINUATION_BYTES);
  const bytes = await read(from, limit + 1 - from);
  let at = limit;
  while (at > from && isContinuation(bytes[at - from] as number)) at -= 1;
  // Four continuation bytes in a row are not UTF-8; and a piece is never cut down to nothing.
  return isContinuation(bytes[at - from] as number) || at <= start ? limit : at;
}

/** `ReadAt` over an open file. */
export function fileReader(handle: FileHandle): ReadAt {
  return (offset, length) => readFully(handle, Buffer.alloc(Math.max(0, length)), offset);
}

/** Reads into `buffer` from `position` until it is full or the file ends; returns what was read. */
export async function readFully(handle: FileHandle, buffer: Buffer, position: number): Promise<Buffer> {
  let filled = 0;
  while (filled < buffer.length) {
    const { bytesRead } = await handle.read(buffer, filled, buffer.length - filled, position + filled);
    if (bytesRead === 0) break;
    filled += bytesRead;
  }
  return buffer.subarray(0, filled);
}

/** Whether a byte continues a UTF-8 character (so a cut before it would split the character). */
export function isContinuation(byte: number): boolean {
  return (byte & 0xc0) === 0x80;
}
