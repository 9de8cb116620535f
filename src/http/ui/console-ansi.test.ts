import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CONSOLE_PALETTE, ConsoleRenderer, contrastRatio, MIN_CONTRAST } from './console-ansi.js';

const NAMES = ['black', 'red', 'green', 'yellow', 'blue', 'magenta', 'cyan', 'white'];
const colourName = (index: number) => (index < 8 ? NAMES[index] : `bright-${NAMES[index - 8]}`) as string;
/** The 16 colour names by index, as the renderer's classes spell them. */
const COLOURS = Array.from({ length: 16 }, (_, index) => colourName(index));

/** The declarations of the rule whose selector is exactly `selector` in steward.css. */
function declarations(css: string, selector: string): Record<string, string> {
  const escaped = selector.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const match = new RegExp(`(?:^|[}\\s])${escaped} \\{([^}]*)\\}`, 'm').exec(css);
  if (!match) throw new Error(`no rule for ${selector} in steward.css`);
  return Object.fromEntries((match[1] as string).split(';').map((part) => part.split(':').map((side) => side.trim())).filter(([name]) => name) as [string, string][]);
}

const css = readFileSync(new URL('./assets/steward.css', import.meta.url), 'utf8');

describe('the console palette', () => {
  it('is the one steward.css draws', () => {
    expect(declarations(css, 'pre.console')).toMatchObject({ background: CONSOLE_PALETTE.background, color: CONSOLE_PALETTE.text });
    expect(declarations(css, '.ansi-faint')).toEqual({ color: CONSOLE_PALETTE.faint });
    for (let index = 0; index < 16; index += 1) {
      expect(declarations(css, `.ansi-${colourName(index)}`)).toEqual({ color: CONSOLE_PALETTE.foreground[index] });
      expect(declarations(css, `.ansi-bg-${colourName(index)}`)).toEqual({ background: CONSOLE_PALETTE.backgrounds[index], color: CONSOLE_PALETTE.onBackground[index] });
    }
    // The cascade the renderer counts on: a foreground class beats a background's text colour, which beats faint.
    expect(css.indexOf('.ansi-faint {')).toBeLessThan(css.indexOf('.ansi-bg-black {'));
    expect(css.indexOf('.ansi-bg-bright-white {')).toBeLessThan(css.indexOf('.ansi-black {'));
  });

  it('gives every colour, background and faint combination the renderer emits a WCAG AA contrast', () => {
    const failures: string[] = [];
    for (const fg of [null, ...Array.from({ length: 16 }, (_, index) => index)]) {
      for (const bg of [null, ...Array.from({ length: 16 }, (_, index) => index)]) {
        for (const faint of [false, true]) {
          const codes = [faint ? '2' : '', fg === null ? '' : String(fg < 8 ? 30 + fg : 82 + fg), bg === null ? '' : String(bg < 8 ? 40 + bg : 92 + bg)].filter((code) => code !== '');
          const html = new ConsoleRenderer().html(`\x1b[${codes.join(';')}mtext`);
          const classes = /class="([^"]*)"/.exec(html)?.[1]?.split(' ') ?? [];
          // As the stylesheet's cascade decides it.
          const fgClass = classes.find((name) => name.startsWith('ansi-') && !name.startsWith('ansi-bg-') && !['ansi-bold', 'ansi-faint', 'ansi-italic', 'ansi-underline'].includes(name));
          const background = bg === null ? CONSOLE_PALETTE.background : (CONSOLE_PALETTE.backgrounds[bg] as string);
          let colour: string = faint ? CONSOLE_PALETTE.faint : CONSOLE_PALETTE.text;
          if (bg !== null) colour = CONSOLE_PALETTE.onBackground[bg] as string;
          if (fgClass) colour = CONSOLE_PALETTE.foreground[COLOURS.indexOf(fgClass.slice('ansi-'.length))] as string;
          const ratio = contrastRatio(colour, background);
          if (ratio < MIN_CONTRAST) failures.push(`SGR ${codes.join(';')}: ${colour} on ${background} is ${ratio.toFixed(2)}:1`);
        }
      }
    }
    expect(failures).toEqual([]);
  });

  it('keeps a colour that reads on its background, and leaves out one that does not', () => {
    expect(new ConsoleRenderer().html('\x1b[97;41mwhite on red')).toBe('<span class="ansi-bright-white ansi-bg-red">white on red</span>');
    // The console's "black" is a grey made to read on the dark console; on green the background's white text is used.
    expect(new ConsoleRenderer().html('\x1b[30;42mblack on green')).toBe('<span class="ansi-bg-green">black on green</span>');
    // The colour state is the log's, whatever is drawn.
    const renderer = new ConsoleRenderer();
    renderer.html('\x1b[30;42m');
    expect(renderer.state).toBe('30;42');
  });

  it('measures contrast as WCAG does', () => {
    expect(contrastRatio('#000000', '#ffffff')).toBeCloseTo(21, 5);
    expect(contrastRatio('#ffffff', '#ffffff')).toBe(1);
    expect(contrastRatio('#767676', '#ffffff')).toBeCloseTo(4.54, 2);
  });
});
