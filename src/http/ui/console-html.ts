import { setImmediate as nextTurn } from 'node:timers/promises';
import { ConsoleRenderer } from './console-ansi.js';
import { ConsoleSlicer } from './console-slices.js';

/**
 * Console log bytes → HTML in slices, so that no log, however hostile (all `<`, nothing but colour
 * codes, one endless line), blocks the server for long or makes it hold much: rendering runs one
 * slice of at most `SLICE_BYTES` (plus a held escape sequence, see `ConsoleSlicer`) at a time, and
 * other requests are served between slices. The worst content renders at about 0.5 s per MiB on one
 * core (`<` becomes `&lt;` at ~400 ns a character), so a slice costs ~10 ms at most.
 */
export const SLICE_BYTES = 16 * 1024;

/**
 * Pieces up to this size are rendered in one pass, slice by slice, and held as HTML until sent (at
 * most ~1.3 MiB of HTML, for a piece of all `<`): a reader following a build, whose pieces are small,
 * pays for one read and one rendering. Larger pieces are read twice and streamed (see below).
 */
export const RENDERED_AT_ONCE_BYTES = 256 * 1024;

/** A piece of the log ready to be rendered: its end and the colours there are known before its body. */
export interface HtmlPiece {
  /** The offset after the last byte rendered: the piece's end, less an escape sequence left for the next piece. */
  readonly end: number;
  /** The colour state at `end` (see `ConsoleRenderer.state`). */
  readonly state: string;
  /** The HTML, slice by slice, from bytes `start` to `end` read anew. */
  body(): AsyncIterable<Uint8Array>;
}

/** Reads bytes `start` to `end` (exclusive) of the log in chunks of at most `SLICE_BYTES`. */
export type ReadRange = (start: number, end: number) => AsyncIterable<Buffer>;

/**
 * Prepares the HTML of bytes `start` to `end` of a log, starting with the colours `state`. An answer's
 * headers (`X-Text-Size`, `X-Console-State`) go before its body, so the piece is read twice: once to
 * learn its end state (following colour codes only, which costs less than rendering), then again as
 * the body streams, so that neither pass holds more than a slice. With `more` (the log goes on after
 * `end`), an escape sequence cut by the piece's end is left to the next piece.
 */
export async function prepareHtmlPiece(read: ReadRange, start: number, end: number, state: string, more: boolean): Promise<HtmlPiece> {
  if (end - start <= RENDERED_AT_ONCE_BYTES) return renderAtOnce(read, start, end, state, more);
  const scanner = new ConsoleRenderer(state);
  const slicer = new ConsoleSlicer();
  for await (const chunk of read(start, end)) scanner.scan(slicer.push(chunk));
  const rest = slicer.end(more);
  scanner.scan(rest.text);
  const renderedEnd = end - rest.heldBytes;
  return {
    end: renderedEnd,
    state: scanner.state,
    async *body() {
      const renderer = new ConsoleRenderer(state);
      const slices = new ConsoleSlicer();
      for await (const chunk of read(start, renderedEnd)) {
        const html = renderer.html(slices.push(chunk));
        if (html !== '') yield Buffer.from(html);
      }
      const html = renderer.html(slices.end(false).text);
      if (html !== '') yield Buffer.from(html);
    },
  };
}

/** A small piece in one pass: each slice is rendered as it is read (other requests run between reads). */
async function renderAtOnce(read: ReadRange, start: number, end: number, state: string, more: boolean): Promise<HtmlPiece> {
  const renderer = new ConsoleRenderer(state);
  const slicer = new ConsoleSlicer();
  const parts: string[] = [];
  for await (const chunk of read(start, end)) parts.push(renderer.html(slicer.push(chunk)));
  const rest = slicer.end(more);
  parts.push(renderer.html(rest.text));
  const html = Buffer.from(parts.join(''));
  return {
    end: end - rest.heldBytes,
    state: renderer.state,
    async *body() {
      if (html.length > 0) yield html;
    },
  };
}

/** Renders `bytes` (a part of a log held in memory, such as a page's head or tail) slice by slice, letting other work run in between. */
export async function renderInSlices(bytes: Buffer, renderer: ConsoleRenderer): Promise<string> {
  const slicer = new ConsoleSlicer();
  const parts: string[] = [];
  for (let at = 0; at < bytes.length; at += SLICE_BYTES) {
    if (at > 0) await nextTurn();
    parts.push(renderer.html(slicer.push(bytes.subarray(at, at + SLICE_BYTES))));
  }
  parts.push(renderer.html(slicer.end(false).text));
  return parts.join('');
}

/** Follows the colour codes in `bytes` slice by slice (see `renderInSlices`), to learn the state at their end. */
export async function scanInSlices(bytes: Buffer, renderer: ConsoleRenderer): Promise<void> {
  const slicer = new ConsoleSlicer();
  for (let at = 0; at < bytes.length; at += SLICE_BYTES) {
    if (at > 0) await nextTurn();
    renderer.scan(slicer.push(bytes.subarray(at, at + SLICE_BYTES)));
  }
  renderer.scan(slicer.end(false).text);
}
