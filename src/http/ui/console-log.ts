import type { ConsoleLogs, LogReader } from '../../logs/console-logs.js';
import { ConsoleRenderer } from './console-ansi.js';
import { renderInSlices, scanInSlices } from './console-html.js';
import { isContinuation } from '../../logs/log-piece.js';

/**
 * How much of a long console log the build page shows: the head (its first lines) and the tail (its
 * last bytes), so that the page stays fast whatever the log's size; the whole log is at `consoleText`.
 * A log no longer than head and tail together is shown whole. Whatever the bytes, the page renders at
 * most these 320 KiB (about 160 ms of one core for the worst content, in slices that let other
 * requests through; at most ~1.7 MB of HTML).
 */
export const CONSOLE_LIMITS = { headLines: 1000, headBytes: 64 * 1024, tailBytes: 256 * 1024 } as const;
/**
 * A piece that does not start at the log's beginning takes the colours set in the bytes before it,
 * looked for this far back: a colour set longer ago than that and still in effect is not carried.
 */
const LOOK_BACK_BYTES = 64 * 1024;
const NEWLINE = 0x0a;
const ESC = 0x1b;

/** The part of a log the page shows, rendered (escaped HTML with colour classes). */
export interface ConsoleView {
  readonly head: string;
  /** Bytes left out between head and tail; 0 when the whole log is in `head`. */
  readonly skipped: number;
  readonly tail: string;
  /** The offset after the last byte shown: where a reader following the log goes on. */
  readonly end: number;
  /** The colour state at `end` (see `ConsoleRenderer.state`). */
  readonly state: string;
}

/**
 * Reads and renders the head and tail of a build's log, or null when there is none yet. With
 * `wholeLines` (a running build) it stops after the last complete line, as progressiveText does.
 */
export async function consoleView(logs: Pick<ConsoleLogs, 'reader'>, jobId: number, number: number, wholeLines: boolean): Promise<ConsoleView | null> {
  const log = await logs.reader(jobId, number);
  if (!log) return null;
  try {
    const { size } = log;
    const { headBytes, tailBytes } = CONSOLE_LIMITS;
    if (size <= headBytes + tailBytes) {
      const whole = trimToLine(await readRange(log, 0, size), wholeLines);
      const renderer = new ConsoleRenderer();
      return { head: await renderInSlices(whole, renderer), skipped: 0, tail: '', end: whole.length, state: renderer.state };
    }
    const headWindow = await readRange(log, 0, headBytes);
    const headPart = headWindow.subarray(0, headCut(headWindow));
    const tailFrom = size - tailBytes;
    const tailWindow = await readRange(log, tailFrom, size);
    const skip = firstLineStart(tailWindow);
    const tailPart = trimToLine(tailWindow.subarray(skip), wholeLines);
    const tailStart = tailFrom + skip;
    const tailRenderer = new ConsoleRenderer(await stateBefore(log, tailStart));
    return {
      head: await renderInSlices(headPart, new ConsoleRenderer()),
      skipped: tailStart - headPart.length,
      tail: await renderInSlices(tailPart, tailRenderer),
      end: tailStart + tailPart.length,
      state: tailRenderer.state,
    };
  } finally {
    await log.close();
  }
}

/** The colour state in effect at byte `offset` of a build's log (plain when unknown). */
export async function consoleStateAt(logs: Pick<ConsoleLogs, 'reader'>, jobId: number, number: number, offset: number): Promise<string> {
  if (offset <= 0) return '';
  const log = await logs.reader(jobId, number);
  if (!log) return '';
  try {
    return await stateBefore(log, offset);
  } finally {
    await log.close();
  }
}

async function stateBefore(log: LogReader, offset: number): Promise<string> {
  const window = await readRange(log, Math.max(0, offset - LOOK_BACK_BYTES), offset);
  if (window.indexOf(ESC) < 0) return '';
  const renderer = new ConsoleRenderer();
  await scanInSlices(window, renderer);
  return renderer.state;
}

function readRange(log: LogReader, from: number, to: number): Promise<Buffer> {
  return log.read(from, Math.max(0, to - from));
}

/** Where the head ends: after its `headLines`-th line, else after the window's last line, else before a cut character. */
function headCut(window: Buffer): number {
  let at = -1;
  for (let line = 0; line < CONSOLE_LIMITS.headLines; line += 1) {
    const next = window.indexOf(NEWLINE, at + 1);
    if (next < 0) break;
    at = next;
  }
  return at >= 0 ? at + 1 : completeCharacters(window);
}

/** Where the tail starts: after the first line break in its window (never mid-line), else at the first character start. */
function firstLineStart(window: Buffer): number {
  const newline = window.indexOf(NEWLINE);
  if (newline >= 0) return newline + 1;
  let index = 0;
  while (index < window.length && isContinuation(window[index] as number)) index += 1;
  return index;
}

function trimToLine(text: Buffer, wholeLines: boolean): Buffer {
  return wholeLines ? text.subarray(0, text.lastIndexOf(NEWLINE) + 1) : text;
}

/** The length of `buffer` without a UTF-8 character cut in two at its end. */
function completeCharacters(buffer: Buffer): number {
  let lead = buffer.length - 1;
  while (lead >= 0 && isContinuation(buffer[lead] as number)) lead -= 1;
  if (lead < 0) return buffer.length;
  const byte = buffer[lead] as number;
  const length = byte >= 0xf0 ? 4 : byte >= 0xe0 ? 3 : byte >= 0xc0 ? 2 : 1;
  return buffer.length - lead >= length ? buffer.length : lead;
}

