import { escapeHtml } from '../html.js';

/**
 * Console log text → HTML for `<pre class="console">`: every character of the log is escaped, and
 * ANSI SGR colour codes become `<span class="ansi-…">` with classes from a fixed set (the page's CSP
 * forbids `style=`). Other escape sequences (cursor moves, titles, links) are dropped.
 *
 * The rendering state (colours and attributes in effect) can be carried from one piece of the log to
 * the next: `state` is a short SGR parameter list ("1;31") that recreates it, so a reader following a
 * running build hands it back with each request and a colour set on one line still holds on the next.
 */

const NAMES = ['black', 'red', 'green', 'yellow', 'blue', 'magenta', 'cyan', 'white'] as const;

/** xterm's RGB for the 16 basic colours: 256-colour and true-colour codes map to the nearest of them. */
const BASIC_RGB: ReadonlyArray<readonly [number, number, number]> = [
  [0, 0, 0], [205, 0, 0], [0, 205, 0], [205, 205, 0], [0, 0, 238], [205, 0, 205], [0, 205, 205], [229, 229, 229],
  [127, 127, 127], [255, 0, 0], [0, 255, 0], [255, 255, 0], [92, 92, 255], [255, 0, 255], [0, 255, 255], [255, 255, 255],
];

/** Colours are indexes 0–15 into the basic palette (8–15 the bright ones). */
interface SgrState {
  fg: number | null;
  bg: number | null;
  bold: boolean;
  faint: boolean;
  italic: boolean;
  underline: boolean;
}

const plain = (): SgrState => ({ fg: null, bg: null, bold: false, faint: false, italic: false, underline: false });

/**
 * One escape sequence: a CSI (`ESC [ params intermediates final`), an OSC up to its terminator (or
 * the end of the line), or any other ESC with its intermediate and final bytes. A lone or cut ESC
 * matches too, so that it is dropped rather than shown.
 */
const SEQUENCE = /\x1b(?:\[([\x30-\x3f]*)[\x20-\x2f]*([\x40-\x7e])|\][^\x07\x1b\n]*(?:\x07|\x1b\\)?|[\x20-\x2f]*[\x30-\x7e]?)/g;
/** Control characters other than tab, newline and carriage return (and ESC, handled above) are not shown. */
const CONTROL = /[\x00-\x08\x0b\x0c\x0e-\x1a\x1c-\x1f\x7f]/g;
const STATE_CODE = /^[0-9;]{0,64}$/;

/**
 * The console's colours as steward.css draws them (console-ansi.test.ts checks that the two agree).
 * Every foreground colour reads on the console's dark background. The eight plain background colours
 * are dark and set white text, white and the bright ones are light and set dark text; a foreground
 * colour is kept on a background only where it still reads there (see `readableOn`).
 */
export const CONSOLE_PALETTE = {
  text: '#e6edf3',
  background: '#0d1117',
  /** Faint text without a colour of its own: dimmer than the text, still readable. */
  faint: '#8b949e',
  foreground: ['#8b949e', '#ff7b72', '#3fb950', '#d29922', '#58a6ff', '#bc8cff', '#39c5cf', '#b1bac4', '#a0a8b2', '#ffa198', '#56d364', '#e3b341', '#79c0ff', '#d2a8ff', '#56d4dd', '#ffffff'],
  backgrounds: ['#30363d', '#781218', '#144d22', '#5a3d00', '#0c3a8c', '#4c2c91', '#104e53', '#b1bac4', '#8b949e', '#ff7b72', '#3fb950', '#d29922', '#58a6ff', '#bc8cff', '#39c5cf', '#f0f6fc'],
  /** The text colour each background sets, for text without a foreground colour that reads there. */
  onBackground: ['#ffffff', '#ffffff', '#ffffff', '#ffffff', '#ffffff', '#ffffff', '#ffffff', '#0d1117', '#0d1117', '#0d1117', '#0d1117', '#0d1117', '#0d1117', '#0d1117', '#0d1117', '#0d1117'],
} as const;

/** WCAG 2's contrast ratio of two `#rrggbb` colours (1 to 21). */
export function contrastRatio(first: string, second: string): number {
  const luminance = (hex: string) => {
    const [r, g, b] = [1, 3, 5].map((at) => {
      const channel = Number.parseInt(hex.slice(at, at + 2), 16) / 255;
      return channel <= 0.03928 ? channel / 12.92 : ((channel + 0.055) / 1.055) ** 2.4;
    }) as [number, number, number];
    return 0.2126 * r + 0.7152 * g + 0.0722 * b;
  };
  const [light, dark] = [luminance(first), luminance(second)].sort((a, b) => b - a) as [number, number];
  return (light + 0.05) / (dark + 0.05);
}

/** WCAG 2.1 AA's minimum contrast for text of the console's size. */
export const MIN_CONTRAST = 4.5;

/** `readableOn[bg][fg]`: whether foreground colour fg reads on background colour bg (else the background's own text colour is used). */
const readableOn: readonly (readonly boolean[])[] = CONSOLE_PALETTE.backgrounds.map((background) => CONSOLE_PALETTE.foreground.map((colour) => contrastRatio(colour, background) >= MIN_CONTRAST));

export class ConsoleRenderer {
  private readonly current: SgrState = plain();

  /** `state`: a value of `state` from an earlier renderer; anything else starts plain. */
  constructor(state?: string | null) {
    if (state && isConsoleState(state)) this.apply(state);
  }

  /** The HTML for `text`, continuing from the state so far; spans are closed at the end. */
  html(text: string): string {
    const parts: string[] = [];
    let last = 0;
    for (const match of text.matchAll(SEQUENCE)) {
      if (match.index > last) parts.push(this.span(text.slice(last, match.index)));
      if (match[2] === 'm' && /^[0-9;:]*$/.test(match[1] ?? '')) this.apply(match[1] ?? '');
      last = match.index + match[0].length;
    }
    if (last < text.length) parts.push(this.span(text.slice(last)));
    return parts.join('');
  }

  /** Follows the colour codes in `text` without rendering it (to learn the state where a piece starts). */
  scan(text: string): void {
    for (const match of text.matchAll(SEQUENCE)) if (match[2] === 'm' && /^[0-9;:]*$/.test(match[1] ?? '')) this.apply(match[1] ?? '');
  }

  /** The state in effect now, as SGR parameters ("" when plain). */
  get state(): string {
    const { fg, bg, bold, faint, italic, underline } = this.current;
    const codes: number[] = [];
    if (bold) codes.push(1);
    if (faint) codes.push(2);
    if (italic) codes.push(3);
    if (underline) codes.push(4);
    if (fg !== null) codes.push(fg < 8 ? 30 + fg : 90 + fg - 8);
    if (bg !== null) codes.push(bg < 8 ? 40 + bg : 100 + bg - 8);
    return codes.join(';');
  }

  private span(text: string): string {
    const escaped = escapeText(text);
    const classes = this.classes();
    return classes === '' || escaped === '' ? escaped : `<span class="${classes}">${escaped}</span>`;
  }

  private classes(): string {
    const { fg, bg, bold, faint, italic, underline } = this.current;
    const classes: string[] = [];
    // A colour that would not read on the background is left out: the background's text colour shows instead.
    if (fg !== null && (bg === null || readableOn[bg]?.[fg] === true)) classes.push(`ansi-${colourName(fg)}`);
    if (bg !== null) classes.push(`ansi-bg-${colourName(bg)}`);
    if (bold) classes.push('ansi-bold');
    if (faint) classes.push('ansi-faint');
    if (italic) classes.push('ansi-italic');
    if (underline) classes.push('ansi-underline');
    return classes.join(' ');
  }

  /** Applies one SGR parameter list; unknown codes (blink, inverse, fonts) are ignored. */
  private apply(parameters: string): void {
    const codes = parameters.split(/[;:]/).map((code) => (code === '' ? 0 : Number(code)));
    const state = this.current;
    for (let index = 0; index < codes.length; index += 1) {
      const code = codes[index] as number;
      if (code === 0) Object.assign(state, plain());
      else if (code === 1) state.bold = true;
      else if (code === 2) state.faint = true;
      else if (code === 3) state.italic = true;
      else if (code === 4) state.underline = true;
      else if (code === 22) state.bold = state.faint = false;
      else if (code === 23) state.italic = false;
      else if (code === 24) state.underline = false;
      else if (code >= 30 && code <= 37) state.fg = code - 30;
      else if (code >= 90 && code <= 97) state.fg = code - 90 + 8;
      else if (code === 39) state.fg = null;
      else if (code >= 40 && code <= 47) state.bg = code - 40;
      else if (code >= 100 && code <= 107) state.bg = code - 100 + 8;
      else if (code === 49) state.bg = null;
      else if (code === 38 || code === 48) {
        const [colour, used] = extendedColour(codes, index + 1);
        if (colour !== undefined) state[code === 38 ? 'fg' : 'bg'] = colour;
        index += used;
      }
    }
  }
}

/** Whether a client-supplied state looks like one `ConsoleRenderer.state` produced. */
export function isConsoleState(value: string): boolean {
  return STATE_CODE.test(value);
}

/** `38;5;N` (256 colours) or `38;2;R;G;B` (true colour), as the nearest basic colour; `used` counts the parameters read. */
function extendedColour(codes: readonly number[], at: number): [number | undefined, number] {
  if (codes[at] === 5) {
    const index = codes[at + 1];
    if (index === undefined || !(index >= 0 && index <= 255)) return [undefined, 2];
    return [index < 16 ? index : nearest(paletteRgb(index)), 2];
  }
  if (codes[at] === 2) {
    const rgb = codes.slice(at + 1, at + 4);
    if (rgb.length < 3 || rgb.some((part) => !(part >= 0 && part <= 255))) return [undefined, Math.min(4, codes.length - at)];
    return [nearest(rgb as unknown as readonly [number, number, number]), 4];
  }
  return [undefined, 1];
}

function paletteRgb(index: number): readonly [number, number, number] {
  if (index >= 232) {
    const grey = 8 + (index - 232) * 10;
    return [grey, grey, grey];
  }
  const levels = [0, 95, 135, 175, 215, 255];
  const cube = index - 16;
  return [levels[Math.floor(cube / 36)] as number, levels[Math.floor(cube / 6) % 6] as number, levels[cube % 6] as number];
}

function nearest(rgb: readonly [number, number, number]): number {
  let best = 0;
  let bestDistance = Infinity;
  BASIC_RGB.forEach((candidate, index) => {
    const distance = (candidate[0] - rgb[0]) ** 2 + (candidate[1] - rgb[1]) ** 2 + (candidate[2] - rgb[2]) ** 2;
    if (distance < bestDistance) [best, bestDistance] = [index, distance];
  });
  return best;
}

function colourName(index: number): string {
  return index < 8 ? NAMES[index] as string : `bright-${NAMES[index - 8] as string}`;
}

function escapeText(text: string): string {
  return escapeHtml(text.replace(CONTROL, ''));
}
