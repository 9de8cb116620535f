import { DomainError } from '../core/errors.js';
import { isLabelSyntaxError, type LabelNode, type LabelSyntaxError, parseLabelSyntax } from './label-grammar.js';

/**
 * A job's label expression (Jenkins' `assignedNode`): which nodes may run its builds, as a boolean
 * expression over node labels (`linux && !arm`). Labels compare case-sensitively, as in Jenkins.
 */
export interface LabelExpression {
  /** The expression as written (trimmed). */
  readonly text: string;
  /** Whether a node with these labels may run the job. */
  matches(labels: ReadonlySet<string>): boolean;
  /** The labels the expression names, each once, in order of first appearance. */
  atoms(): string[];
}

/** Budgets: an expression is a short thing a person writes; anything past these is refused before parsing. */
export const MAX_LABEL_EXPRESSION_LENGTH = 1000;
export const MAX_LABEL_EXPRESSION_NESTING = 50;

const HINT = 'Join labels with && (and), || (or), ! (not), -> (implies) or <-> (if and only if), group with parentheses, and quote a label with other characters: linux && !arm, or "with space" || windows.';

/**
 * Parses a label expression, or throws DomainError `config_invalid` (field `labelExpression`) saying
 * what is wrong and at which column (1-based, of the text as given).
 */
export function parseLabelExpression(text: string): LabelExpression {
  checkBudget(text);
  let tree: LabelNode;
  try {
    tree = parseLabelSyntax(text);
  } catch (error) {
    if (!isLabelSyntaxError(error)) throw error;
    throw syntaxRefusal(text, error);
  }
  return expressionOf(text.trim(), tree);
}

/**
 * Whether a node with these labels may run a job with this expression: null or blank means any
 * node. Parsed expressions are cached, so a scheduler may call this for every item it considers. An
 * expression that does not parse (one Items would never have stored) matches no node.
 */
export function labelsMatch(expression: string | null, labels: ReadonlySet<string>): boolean {
  if (expression === null || expression.trim() === '') return true;
  return cached(expression)?.matches(labels) ?? false;
}

/**
 * The value a job's `labelExpression` setting stores for what was written: null for blank (any
 * node), else the trimmed text once it parses. Throws like `parseLabelExpression`.
 */
export function labelExpressionSetting(text: string | null): string | null {
  if (text === null || text.trim() === '') return null;
  return parseLabelExpression(text).text;
}

const CACHE_SIZE = 500;
const cache = new Map<string, LabelExpression | null>();

/** The parsed expression, remembered for the most recently used CACHE_SIZE texts; null when it does not parse. */
function cached(text: string): LabelExpression | null {
  const hit = cache.get(text);
  if (hit !== undefined) {
    cache.delete(text);
    cache.set(text, hit);
    return hit;
  }
  let parsed: LabelExpression | null = null;
  try {
    parsed = parseLabelExpression(text);
  } catch (error) {
    if (!(error instanceof DomainError)) throw error;
  }
  cache.set(text, parsed);
  if (cache.size > CACHE_SIZE) cache.delete(cache.keys().next().value as string);
  return parsed;
}

function expressionOf(text: string, tree: LabelNode): LabelExpression {
  return {
    text,
    matches: (labels) => evaluate(tree, labels),
    atoms: () => [...new Set(atomsOf(tree))],
  };
}

function evaluate(node: LabelNode, labels: ReadonlySet<string>): boolean {
  switch (node.kind) {
    case 'atom':
      return labels.has(node.name);
    case 'not':
      return !evaluate(node.operand, labels);
    case 'and':
      return node.operands.every((operand) => evaluate(operand, labels));
    case 'or':
      return node.operands.some((operand) => evaluate(operand, labels));
    case 'implies':
      return !evaluate(node.left, labels) || evaluate(node.right, labels);
    case 'iff': {
      // Left to right, as Jenkins chains it: ((a <-> b) <-> c).
      const [first, ...rest] = node.operands;
      return rest.reduce((value, operand) => value === evaluate(operand, labels), evaluate(first as LabelNode, labels));
    }
  }
}

function atomsOf(node: LabelNode): string[] {
  switch (node.kind) {
    case 'atom':
      return [node.name];
    case 'not':
      return atomsOf(node.operand);
    case 'implies':
      return [...atomsOf(node.left), ...atomsOf(node.right)];
    default:
      return node.operands.flatMap(atomsOf);
  }
}

function refusal(text: string, problem: string, hint: string = HINT): DomainError {
  return new DomainError('config_invalid', `Label expression "${text}": ${problem}.`, hint).at('labelExpression').with({ expression: text });
}

/**
 * Refuses, in one linear pass and before the parser runs, what would make it work hard or deep: a
 * text too long, parentheses nested too deep, and a quote left open (named here by where it opens,
 * which says more than the parser's "unexpected end").
 */
function checkBudget(text: string): void {
  if (text.length > MAX_LABEL_EXPRESSION_LENGTH) {
    throw refusal(`${text.slice(0, 40)}…`, `it is ${text.length} characters long, more than the ${MAX_LABEL_EXPRESSION_LENGTH} allowed`, 'Give the nodes a label of their own and name that label instead.');
  }
  if (text.trim() === '') throw refusal(text, 'it is empty', 'Leave the setting empty (not blank) to let any node run the job, or name a label: linux && !arm.');
  let depth = 0;
  for (let index = 0; index < text.length; index++) {
    const character = text[index];
    if (character === '"') {
      const close = closingQuote(text, index);
      if (close < 0) throw refusal(text, `the quote at column ${index + 1} is not closed`, 'End a quoted label with " on the same line, and write a quote inside it as \\".');
      index = close;
    } else if (character === '(' && ++depth > MAX_LABEL_EXPRESSION_NESTING) {
      throw refusal(text, `parentheses are nested more than ${MAX_LABEL_EXPRESSION_NESTING} deep at column ${index + 1}`, 'Write the expression with fewer parentheses.');
    } else if (character === ')') {
      depth = Math.max(0, depth - 1);
    }
  }
}

/** The index of the quote that closes the one at `open`, or -1 when the text or line ends first. */
function closingQuote(text: string, open: number): number {
  for (let index = open + 1; index < text.length; index++) {
    const character = text[index];
    if (character === '\\') index++;
    else if (character === '"') return index;
    else if (character === '\n' || character === '\r') return -1;
  }
  return -1;
}

/** Peggy's verdict in our words: the token found, its column, what could have come there, and a hint for the usual slips. */
function syntaxRefusal(text: string, error: LabelSyntaxError): DomainError {
  const offset = error.location.start.offset;
  const found = tokenAt(text, offset);
  const column = `column ${offset + 1}`;
  const expected = expectedList(error);
  const problem = found === null ? `it ends too early at ${column}` : `unexpected ${found === '\n' || found === '\r' ? 'line break' : `'${found}'`} at ${column}`;
  return refusal(text, `${problem}${expected ? ` (expected ${expected})` : ''}`, hintFor(found, error));
}

/** The token at an offset, as a person reads it: a whole label or operator rather than one character. */
function tokenAt(text: string, offset: number): string | null {
  if (offset >= text.length) return null;
  const rest = text.slice(offset);
  const match = /^(?:<->|->|&&|\|\||"(?:[^"\\\r\n]|\\.)*"?|(?:-(?!>)|[^&|!<>() \t"'\r\n-])+)/.exec(rest);
  return match ? match[0] : (rest[0] as string);
}

function expectedList(error: LabelSyntaxError): string {
  const names = (error.expected ?? []).flatMap((expectation) => {
    switch (expectation.type) {
      case 'literal':
        return [`'${expectation.text}'`];
      case 'other':
        return [expectation.description];
      case 'end':
        return ['the end'];
      default:
        return [];
    }
  });
  const unique = [...new Set(names)];
  return unique.length <= 1 ? (unique[0] ?? '') : `${unique.slice(0, -1).join(', ')} or ${unique.at(-1)}`;
}

function hintFor(found: string | null, error: LabelSyntaxError): string {
  const afterLabel = (error.expected ?? []).some((expectation) => expectation.type === 'literal' && expectation.text === '&&');
  if (found === '->') return '-> does not chain: add parentheses, e.g. (a -> b) -> c.';
  if (found === '&' || found === '|') return `Write ${found}${found} to join labels: linux && docker.`;
  if (found === '!' ) return '! applies once, to a label or a parenthesised expression: !arm, !(arm || ppc).';
  if (found?.startsWith("'")) return 'Quote a label with double quotes: "with space".';
  if (found?.startsWith('"') && !afterLabel) return 'Inside quotes, a backslash may only escape " \\ \' b t n f r.';
  if (found !== null && afterLabel && /^[^&|!<>()]/.test(found)) return `Labels are joined with && or ||, not a space: linux && docker. ${HINT}`;
  return HINT;
}
