import { StringDecoder } from 'node:string_decoder';

/**
 * Cuts a console log's bytes, chunk by chunk as they are read, into text the renderer
 * (`ConsoleRenderer`) can take one slice at a time with the result it gives for the whole: no slice
 * ends inside a UTF-8 character (the decoder keeps a cut one for the next) nor inside an escape
 * sequence (one left unfinished at a chunk's end is held back for the next chunk).
 *
 * Only a sequence that started within the last `HOLD_BYTES` is held, so what is held stays small
 * whatever the log contains; the sequences terminals use are far shorter, and a longer one (an
 * endless OSC title) is cut, its rest shown as text, rather than held without bound.
 */
export const HOLD_BYTES = 4096;
const ESC = 0x1b;
const EMPTY = Buffer.alloc(0);
/**
 * The start of an escape sequence that could still go on at the end of the text: a CSI before its
 * final byte, an OSC before its terminator (BEL, ST, or the line's end), or an ESC with only
 * intermediate bytes after it. The same shapes as `SEQUENCE` in console-ansi.ts, unfinished.
 */
const UNFINISHED = /\x1b(?:\[[\x30-\x3f]*[\x20-\x2f]*|\][^\x07\x1b\n]*\x1b?|[\x20-\x2f]*)$/;

export class ConsoleSlicer {
  private held: Buffer = EMPTY;
  private readonly decoder = new StringDecoder('utf8');

  /** The text that can be rendered now: what was held, and `chunk` up to an unfinished sequence at its end. */
  push(chunk: Buffer): string {
    const bytes = this.held.length > 0 ? Buffer.concat([this.held, chunk]) : chunk;
    const cut = unfinishedSequenceAt(bytes) ?? bytes.length;
    // A copy, so that a small held rest does not keep the whole chunk alive.
    this.held = cut < bytes.length ? Buffer.from(bytes.subarray(cut)) : EMPTY;
    return this.decoder.write(bytes.subarray(0, cut));
  }

  /**
   * The rest, once the bytes are over. With `keepUnfinished` (the log goes on after these bytes), a
   * sequence still unfinished at the end is left out, and `heldBytes` says how many bytes it is, so
   * that the next reader starts at it and renders it whole.
   */
  end(keepUnfinished: boolean): { text: string; heldBytes: number } {
    const held = this.held;
    this.held = EMPTY;
    if (keepUnfinished) return { text: this.decoder.end(), heldBytes: held.length };
    return { text: this.decoder.write(held) + this.decoder.end(), heldBytes: 0 };
  }
}

/** Where an unfinished escape sequence starts in the last `HOLD_BYTES` of `bytes`, or null. */
function unfinishedSequenceAt(bytes: Buffer): number | null {
  const esc = bytes.indexOf(ESC, Math.max(0, bytes.length - HOLD_BYTES));
  if (esc < 0) return null;
  // latin1 maps each byte to one character, so the match's index is a byte offset.
  const match = UNFINISHED.exec(bytes.toString('latin1', esc));
  return match ? esc + match.index : null;
}
