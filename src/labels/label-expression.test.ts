import { describe, expect, it } from 'vitest';
import { DomainError } from '../core/errors.js';
import { labelExpressionSetting, labelsMatch, MAX_LABEL_EXPRESSION_LENGTH, MAX_LABEL_EXPRESSION_NESTING, parseLabelExpression } from './label-expression.js';

const on = (...labels: string[]) => new Set(labels);

/** The truth table of an expression over two or three labels, as a string of 0s and 1s (a, b, c counting up as bits). */
function table(expression: string, atoms = ['a', 'b', 'c']): string {
  const parsed = parseLabelExpression(expression);
  let out = '';
  for (let bits = 0; bits < 2 ** atoms.length; bits++) {
    out += parsed.matches(new Set(atoms.filter((_, index) => bits & (1 << (atoms.length - 1 - index))))) ? '1' : '0';
  }
  return out;
}

function refusal(text: string): DomainError {
  try {
    parseLabelExpression(text);
  } catch (error) {
    if (error instanceof DomainError) return error;
    throw error;
  }
  throw new Error(`expected "${text}" to be refused`);
}

describe('label expressions', () => {
  it('matches a single label, case-sensitively', () => {
    const linux = parseLabelExpression('linux');
    expect(linux.matches(on('linux', 'docker'))).toBe(true);
    expect(linux.matches(on('Linux'))).toBe(false);
    expect(linux.matches(on())).toBe(false);
    expect(linux.text).toBe('linux');
    expect(parseLabelExpression('  linux && docker\t').text).toBe('linux && docker');
  });

  it('binds && tighter than ||, and ! tightest', () => {
    // a || (b && c), not (a || b) && c
    expect(table('a || b && c')).toBe(table('a || (b && c)'));
    expect(table('a || b && c')).not.toBe(table('(a || b) && c'));
    expect(table('a && b || c')).toBe(table('(a && b) || c'));
    // (!a) && b, not !(a && b)
    expect(table('!a && b', ['a', 'b'])).toBe('0100');
    expect(table('!(a && b)', ['a', 'b'])).toBe('1110');
    expect(parseLabelExpression('linux && !arm').matches(on('linux', 'x86'))).toBe(true);
    expect(parseLabelExpression('linux && !arm').matches(on('linux', 'arm'))).toBe(false);
  });

  it('reads -> as implies and <-> as if and only if, looser than || and &&', () => {
    expect(table('a -> b', ['a', 'b'])).toBe('1101');
    expect(table('a <-> b', ['a', 'b'])).toBe('1001');
    // a || b -> c is (a || b) -> c
    expect(table('a || b -> c')).toBe(table('(a || b) -> c'));
    expect(table('a || b -> c')).not.toBe(table('a || (b -> c)'));
    // a -> b <-> c is (a -> b) <-> c
    expect(table('a -> b <-> c')).toBe(table('(a -> b) <-> c'));
    expect(table('a -> b <-> c')).not.toBe(table('a -> (b <-> c)'));
  });

  it('chains <-> to the left, as Jenkins does', () => {
    expect(table('a <-> b <-> c')).toBe(table('(a <-> b) <-> c'));
    expect(table('a <-> b <-> c')).toBe('01101001');
  });

  it('chains && and || over many operands', () => {
    expect(parseLabelExpression('a && b && c && d').matches(on('a', 'b', 'c', 'd'))).toBe(true);
    expect(parseLabelExpression('a && b && c && d').matches(on('a', 'b', 'c'))).toBe(false);
    expect(parseLabelExpression('a || b || c || d').matches(on('d'))).toBe(true);
  });

  it('reads labels as Jenkins does: - inside a label, -> between labels, no spaces needed around operators', () => {
    expect(parseLabelExpression('x-ray').atoms()).toEqual(['x-ray']);
    expect(parseLabelExpression('a->b').atoms()).toEqual(['a', 'b']);
    expect(parseLabelExpression('a-->b').atoms()).toEqual(['a-', 'b']);
    expect(parseLabelExpression('a&&b||!c').atoms()).toEqual(['a', 'b', 'c']);
    expect(parseLabelExpression('node:1.2_x@y/z').atoms()).toEqual(['node:1.2_x@y/z']);
    expect(parseLabelExpression('(a<->b)').atoms()).toEqual(['a', 'b']);
    expect(parseLabelExpression('ubuntu-22.04&&日本 || é').atoms()).toEqual(['ubuntu-22.04', '日本', 'é']);
  });

  it('reads quoted labels, with escapes', () => {
    const spaced = parseLabelExpression('"with space" && linux');
    expect(spaced.atoms()).toEqual(['with space', 'linux']);
    expect(spaced.matches(on('with space', 'linux'))).toBe(true);
    expect(spaced.matches(on('with', 'space', 'linux'))).toBe(false);
    expect(parseLabelExpression('"a\\"b" || "c\\\\d" || "e&&f"').atoms()).toEqual(['a"b', 'c\\d', 'e&&f']);
    expect(parseLabelExpression('"tab\\there"').atoms()).toEqual(['tab\there']);
  });

  it('lists each atom once, in order of first appearance', () => {
    expect(parseLabelExpression('b && (a || !b) -> c <-> a').atoms()).toEqual(['b', 'a', 'c']);
  });

  it('refuses a malformed expression with what is wrong and the column', () => {
    const unmatched = refusal('linux && )');
    expect(unmatched.code).toBe('config_invalid');
    expect(unmatched.field).toBe('labelExpression');
    expect(unmatched.message).toBe(`Label expression "linux && )": unexpected ')' at column 10 (expected '!', '(' or a label).`);
    expect(unmatched.hint).toMatch(/linux && !arm/);
    expect(refusal('linux &&').message).toBe(`Label expression "linux &&": it ends too early at column 9 (expected '!', '(' or a label).`);
    expect(refusal('(linux').message).toMatch(/it ends too early at column 7 \(expected .*'\)'/);
    expect(refusal('linux)').message).toMatch(/unexpected '\)' at column 6/);
  });

  it('refuses what Jenkins refuses, with a hint for the usual slip', () => {
    const spaced = refusal('linux docker');
    expect(spaced.message).toMatch(/unexpected 'docker' at column 7 \(expected .*'&&'.*'\|\|'/);
    expect(spaced.hint).toMatch(/^Labels are joined with && or \|\|/);
    const chained = refusal('a -> b -> c');
    expect(chained.message).toMatch(/unexpected '->' at column 8/);
    expect(chained.hint).toMatch(/does not chain/);
    expect(refusal('a & b').hint).toMatch(/Write && /);
    expect(refusal('a | b').hint).toMatch(/Write \|\| /);
    expect(refusal('!!a').message).toMatch(/unexpected '!' at column 2/);
    expect(refusal("'single'").hint).toMatch(/double quotes/);
    expect(refusal('a <- b').message).toMatch(/unexpected '<' at column 3/);
    expect(refusal('a > b').message).toMatch(/unexpected '>' at column 3/);
    expect(refusal('()').message).toMatch(/unexpected '\)' at column 2/);
    expect(refusal('"bad \\q escape"').hint).toMatch(/backslash/);
  });

  it('refuses an unclosed quote where it opens, and a line break', () => {
    expect(refusal('linux && "with space').message).toBe('Label expression "linux && "with space": the quote at column 10 is not closed.');
    expect(refusal('linux &&\ndocker').message).toMatch(/unexpected line break at column 9/);
  });

  it('refuses an empty expression (blank settings mean any node, and never reach the parser)', () => {
    expect(refusal('   ').message).toMatch(/it is empty/);
  });

  it(`refuses more than ${MAX_LABEL_EXPRESSION_LENGTH} characters and nesting deeper than ${MAX_LABEL_EXPRESSION_NESTING}, without overflowing the stack`, () => {
    const long = Array.from({ length: 200 }, (_, index) => `l${index}`).join(' && ');
    expect(long.length).toBeGreaterThan(MAX_LABEL_EXPRESSION_LENGTH);
    expect(refusal(long).message).toMatch(/more than the 1000 allowed/);
    const deep = (depth: number) => `${'('.repeat(depth)}a${')'.repeat(depth)}`;
    expect(parseLabelExpression(deep(MAX_LABEL_EXPRESSION_NESTING)).matches(on('a'))).toBe(true);
    expect(refusal(deep(MAX_LABEL_EXPRESSION_NESTING + 1)).message).toMatch(/nested more than 50 deep at column 51/);
    expect(refusal('('.repeat(999)).message).toMatch(/nested more than 50 deep/);
    // Parentheses in quotes are a label's characters, not nesting.
    expect(parseLabelExpression(`"${'('.repeat(100)}"`).atoms()).toEqual(['('.repeat(100)]);
    // A long flat chain is within budget and evaluates without recursion per operand.
    const flat = Array.from({ length: 300 }, () => 'a').join('&&');
    expect(flat.length).toBeLessThanOrEqual(MAX_LABEL_EXPRESSION_LENGTH);
    expect(parseLabelExpression(flat).matches(on('a'))).toBe(true);
    expect(parseLabelExpression(Array.from({ length: 240 }, () => '!a').join('||')).matches(on())).toBe(true);
  });

  it('labelsMatch: null or blank is any node; malformed matches none; repeated calls are cheap', () => {
    expect(labelsMatch(null, on())).toBe(true);
    expect(labelsMatch('  ', on())).toBe(true);
    expect(labelsMatch('linux && !arm', on('linux'))).toBe(true);
    expect(labelsMatch('linux && !arm', on('linux', 'arm'))).toBe(false);
    expect(labelsMatch('linux &&', on('linux'))).toBe(false);
    // The scheduler's case: one expression, many calls. Parsing each time costs several times more than the cached evaluation.
    const text = 'linux && (docker || podman) && !arm && "with space" -> x86';
    const time = (run: () => void) => {
      const started = performance.now();
      for (let index = 0; index < 5000; index++) run();
      return performance.now() - started;
    };
    const parsing = time(() => parseLabelExpression(text).matches(on('linux', 'podman')));
    const matching = time(() => labelsMatch(text, on('linux', 'podman')));
    expect(matching * 3).toBeLessThan(parsing);
  });

  it('labelExpressionSetting stores null for blank and the trimmed text otherwise', () => {
    expect(labelExpressionSetting(null)).toBeNull();
    expect(labelExpressionSetting(' \t ')).toBeNull();
    expect(labelExpressionSetting('  linux ')).toBe('linux');
    expect(() => labelExpressionSetting('linux &&')).toThrow(DomainError);
  });
});
