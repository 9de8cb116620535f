import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { fileReader, pieceEnd } from './log-piece.js';

const dir = mkdtempSync(join(tmpdir(), 'steward-log-piece-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let files = 0;
/** `pieceEnd` over a file holding `content`. */
async function endOf(content: Buffer | string, start: number, maxBytes: number, wholeLines: boolean): Promise<number> {
  const path = join(dir, `log-${(files += 1)}`);
  const bytes = Buffer.from(content);
  writeFileSync(path, bytes);
  const handle = await open(path, 'r');
  try {
    return await pieceEnd(fileReader(handle), start, bytes.length, maxBytes, wholeLines);
  } finally {
    await handle.close();
  }
}

/** Every piece from 0 to the end, as a reader looping on X-More-Data takes them. */
async function pieces(content: Buffer, maxBytes: number): Promise<Buffer[]> {
  const path = join(dir, `log-${(files += 1)}`);
  writeFileSync(path, content);
  const handle = await open(path, 'r');
  try {
    const found: Buffer[] = [];
    for (let start = 0; start < content.length; ) {
      const end = await pieceEnd(fileReader(handle), start, content.length, maxBytes, false);
      expect(end).toBeGreaterThan(start);
      found.push(content.subarray(start, end));
      start = end;
    }
    return found;
  } finally {
    await handle.close();
  }
}

describe('where a piece of a log ends', () => {
  it('takes a rest no longer than a piece whole once the log is complete, whatever it ends with', async () => {
    expect(await endOf('one\ntwo', 0, 100, false)).toBe(7);
    expect(await endOf('one\ntwo\n', 4, 4, false)).toBe(8);
    expect(await endOf('abc', 3, 10, false)).toBe(3);
  });

  it('ends after the last line break within the piece', async () => {
    expect(await endOf('one\ntwo\nthree\n', 0, 10, false)).toBe(8);
    expect(await endOf('one\ntwo\nthree\n', 0, 8, false)).toBe(8);
    // The break searched for lies far back: the search reads backwards in blocks.
    expect(await endOf(`a\n${'x'.repeat(300_000)}`, 0, 200_000, false)).toBe(2);
  });

  it('cuts a line longer than a piece at a character boundary, never inside a character', async () => {
    for (const character of ['é', '✓', '😀']) {
      const width = Buffer.byteLength(character);
      const line = Buffer.from(character.repeat(50));
      for (let max = 1 + width; max < 40; max += 1) {
        const end = await endOf(line, 0, max, false);
        expect(end % width).toBe(0);
        expect(end).toBeGreaterThan(max - width);
        expect(end).toBeLessThanOrEqual(max);
      }
    }
  });

  it('cuts bytes that are not UTF-8 at the limit, and never makes an empty piece', async () => {
    expect(await endOf(Buffer.alloc(100, 0x80), 0, 10, false)).toBe(10);
    expect(await endOf(Buffer.from([0x61, 0xf0, 0x9f, 0x98, 0x80, 0x61]), 0, 4, false)).toBe(1);
    expect(await endOf(Buffer.from([0xf0, 0x9f, 0x98, 0x80, 0x61]), 0, 3, false)).toBe(3);
  });

  it('leaves a running build’s unfinished short line for later, but cuts one longer than a piece', async () => {
    expect(await endOf('done\nhalf a li', 0, 100, true)).toBe(5);
    expect(await endOf('half a li', 0, 100, true)).toBe(0);
    expect(await endOf('done\nhalf', 5, 100, true)).toBe(5);
    expect(await endOf(`${'é'.repeat(30)}`, 0, 11, true)).toBe(10);
    expect(await endOf('0123456789', 0, 10, true)).toBe(0);
    expect(await endOf('0123456789a', 0, 10, true)).toBe(10);
  });

  it('puts any log back together byte for byte, in pieces no longer than the maximum', async () => {
    let seed = 42;
    const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    const parts = ['\n', 'a', 'é', '✓', '😀', '\x1b[31m', '<', Buffer.from([0x80]), Buffer.from([0xff])];
    for (let round = 0; round < 20; round += 1) {
      const content = Buffer.concat(Array.from({ length: 400 }, () => Buffer.from(parts[Math.floor(random() * (round % 2 === 0 ? 5 : parts.length))] as string | Buffer)));
      const maxBytes = 4 + Math.floor(random() * 60);
      const found = await pieces(content, maxBytes);
      expect(Buffer.concat(found).equals(content)).toBe(true);
      for (const piece of found) expect(piece.length).toBeLessThanOrEqual(maxBytes);
      // Valid UTF-8 comes in pieces that are each valid on their own.
      if (round % 2 === 0) for (const piece of found) expect(Buffer.from(piece.toString('utf8')).equals(piece)).toBe(true);
    }
  });
});
