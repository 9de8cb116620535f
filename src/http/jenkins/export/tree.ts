import { Refusal } from '../../errors.js';

/** A parsed `tree=` expression: named children (`*` matches any), each with an optional range. */
export interface TreeNode {
  readonly children: ReadonlyMap<string, TreeNode>;
  readonly range: Range | null;
}

/** A half-open slice [from, to) of an array; `to` null means to the end. */
export interface Range {
  readonly from: number;
  readonly to: number | null;
}

const GRAMMAR = 'tree=name,builds[number,url]{0,10}: names separated by commas, sub-trees in [ ], ranges {N}, {N,}, {,M} or {N,M}.';

/**
 * The deepest nesting of `[ ]` accepted. Jenkins' object graph is a few levels deep (a build's
 * causes are four: `jobs[builds[actions[causes[…]]]]`) and each folder adds one; the parser and the
 * pruner recurse once per level, so a bound keeps a hostile tree from overflowing the stack.
 */
export const MAX_TREE_DEPTH = 32;

/**
 * Parses Stapler's tree grammar:
 *   list  := node (',' node)*
 *   node  := NAME ('[' list ']')? ('{' range '}')?
 *   range := N | N ',' | ',' M | N ',' M          (M exclusive)
 * NAME is any run of characters other than `,[]{}`.
 */
export function parseTree(text: string): TreeNode {
  let position = 0;
  const fail = (problem: string): never => {
    throw new Refusal('tree_invalid', `Malformed tree expression: ${problem} at position ${position} of "${text}".`, `Write it like ${GRAMMAR}`);
  };

  function list(depth: number): Map<string, TreeNode> {
    const children = new Map<string, TreeNode>();
    for (;;) {
      const [name, node] = entry(depth);
      children.set(name, node);
      if (text[position] !== ',') return children;
      position++;
    }
  }

  function entry(depth: number): [string, TreeNode] {
    const start = position;
    while (position < text.length && !',[]{}'.includes(text[position] as string)) position++;
    const name = text.slice(start, position);
    if (name === '') fail('a name was expected');
    let children: Map<string, TreeNode> = new Map();
    if (text[position] === '[') {
      if (depth === MAX_TREE_DEPTH) {
        throw new Refusal(
          'tree_invalid',
          `The tree expression nests deeper than ${MAX_TREE_DEPTH} levels of [ ] at position ${position}.`,
          `Name only the levels you need; Jenkins' objects nest a few levels deep. Write it like ${GRAMMAR}`,
        );
      }
      position++;
      children = list(depth + 1);
      if (text[position] !== ']') fail('"]" was expected');
      position++;
    }
    let range: Range | null = null;
    if (text[position] === '{') {
      position++;
      range = parseRange();
      if (text[position] !== '}') fail('"}" was expected');
      position++;
    }
    return [name, { children, range }];
  }

  function number(): number | null {
    const start = position;
    while (position < text.length && /[0-9]/.test(text[position] as string)) position++;
    return position === start ? null : Number(text.slice(start, position));
  }

  function parseRange(): Range {
    const from = number();
    if (text[position] !== ',') {
      if (from === null) fail('a number was expected in the range');
      return { from: from as number, to: (from as number) + 1 };
    }
    position++;
    const to = number();
    if (from === null && to === null) fail('a range needs at least one number');
    return { from: from ?? 0, to };
  }

  const root = { children: list(0), range: null };
  if (position !== text.length) fail(`unexpected "${text[position]}"`);
  return root;
}
