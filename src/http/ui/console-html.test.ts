import { describe, expect, it } from 'vitest';
import { ConsoleRenderer } from './console-ansi.js';
import { prepareHtmlPiece, RENDERED_AT_ONCE_BYTES, renderInSlices, type ReadRange } from './console-html.js';
import { ConsoleSlicer, HOLD_BYTES } from './console-slices.js';

/** Each character a reader sees, with the classes it is drawn with. */
function drawn(html: string): string[] {
  const out: string[] = [];
  const classes: string[] = [];
  for (const [, tag, closing, name, text] of html.matchAll(/(<(\/?)span(?: class="([^"]*)")?>)|([^<]+)/g)) {
    if (tag) {
      if (closing) classes.pop();
      else classes.push(name ?? '');
    } else {
      const unescaped = (text as string).replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&amp;/g, '&');
      for (const character of unescaped) out.push(`${character}|${classes.join(' ')}`);
    }
  }
  return out;
}

/** Renders `bytes` through a slicer fed chunks of `size` bytes. */
function sliced(bytes: Buffer, size: number, state = ''): { html: string; state: string } {
  const renderer = new ConsoleRenderer(state);
  const slicer = new ConsoleSlicer();
  let html = '';
  for (let at = 0; at < bytes.length; at += size) html += renderer.html(slicer.push(bytes.subarray(at, at + size)));
  html += renderer.html(slicer.end(false).text);
  return { html, state: renderer.state };
}

const SAMPLE = Buffer.from(
  [
    'plain <b>&amp;</b> "quoted" \'single\'\n',
    '\x1b[1;31mbold red ✓\x1b[0m back\n',
    '\x1b[38;5;200mpink\x1b[48;2;0;0;200m on blue\x1b[22;39;49m é😀 done\x1b[2K\x1b[1G\n',
    '\x1b]0;a window title\x07\x1b]8;;https://example.com/\x1b\\link\x1b]8;;\x1b\\ \x1b(B\x1b=\n',
    'carriage\rreturn\ttab\x00nul\x7fdel\n',
    '\x1b[32mstill green at the end',
  ].join(''),
);

describe('rendering a console log in slices', () => {
  it('draws every character as rendering it whole does, whatever the slices, and ends in the same state', () => {
    const whole = new ConsoleRenderer();
    const expected = drawn(whole.html(SAMPLE.toString('utf8')));
    for (let size = 1; size <= SAMPLE.length; size += 1) {
      const result = sliced(SAMPLE, size);
      expect(drawn(result.html)).toEqual(expected);
      expect(result.state).toBe(whole.state);
    }
  });

  it('holds back an unfinished sequence only while it is short', () => {
    const slicer = new ConsoleSlicer();
    expect(slicer.push(Buffer.from('text \x1b[1;3'))).toBe('text ');
    expect(slicer.push(Buffer.from('1mred'))).toBe('\x1b[1;31mred');
    // An OSC that never ends: held while it is short, then let go in bounded pieces.
    const endless = new ConsoleSlicer();
    expect(endless.push(Buffer.from('\x1b]0;'))).toBe('');
    let released = 0;
    for (let chunk = 0; chunk < 10; chunk += 1) released += endless.push(Buffer.alloc(1024, 0x61)).length;
    expect(released).toBeGreaterThanOrEqual(10 * 1024 + 4 - HOLD_BYTES);
  });

  it('reports a sequence cut by the end of a piece, so that the next piece starts with it', () => {
    const slicer = new ConsoleSlicer();
    expect(slicer.push(Buffer.from('red \x1b[3'))).toBe('red ');
    expect(slicer.end(true)).toEqual({ text: '', heldBytes: 3 });
    const last = new ConsoleSlicer();
    last.push(Buffer.from('red \x1b[3'));
    expect(last.end(false)).toEqual({ text: '\x1b[3', heldBytes: 0 });
  });

  it.each([
    ['a small piece, rendered in one pass', 40_000, 1],
    ['a large piece, read twice and streamed', RENDERED_AT_ONCE_BYTES + 40_000, 2],
  ])('prepares %s: its end before a cut sequence, the colours there, and the same HTML', async (_name, size, minimumChunks) => {
    const log = Buffer.from(`\x1b[35m${'<'.repeat(size)}\x1b[1m tail \x1b[4`);
    const read: ReadRange = async function* (start, end) {
      for (let at = start; at < end; at += 1000) yield log.subarray(at, Math.min(end, at + 1000));
    };
    const piece = await prepareHtmlPiece(read, 0, log.length, '', true);
    expect(piece.end).toBe(log.length - 3);
    expect(piece.state).toBe('1;35');
    const chunks: Buffer[] = [];
    for await (const chunk of piece.body()) chunks.push(Buffer.from(chunk));
    expect(chunks.length).toBeGreaterThanOrEqual(minimumChunks);
    if (minimumChunks > 1) expect(Math.max(...chunks.map((chunk) => chunk.length))).toBeLessThan(size);
    const html = Buffer.concat(chunks).toString('utf8');
    expect(drawn(html)).toEqual(drawn(new ConsoleRenderer().html(log.subarray(0, piece.end).toString('utf8'))));
    // At the end of a complete log nothing is held back.
    expect((await prepareHtmlPiece(read, 0, log.length, '', false)).end).toBe(log.length);
  });

  it('renders a part of a page in slices with the result of rendering it whole', async () => {
    const bytes = Buffer.concat(Array.from({ length: 200 }, () => SAMPLE));
    const whole = new ConsoleRenderer();
    const renderer = new ConsoleRenderer();
    expect(drawn(await renderInSlices(bytes, renderer))).toEqual(drawn(whole.html(bytes.toString('utf8'))));
    expect(renderer.state).toBe(whole.state);
  });
});
