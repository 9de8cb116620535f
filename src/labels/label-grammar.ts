import peggy from 'peggy';

/**
 * Jenkins' label expression grammar (`hudson.model.labels`, LabelExpressionLexer.g4 and
 * LabelExpressionParser.g4), as a peggy grammar. From loosest to tightest:
 *
 * - `a <-> b <-> c` if and only if, chained to the left;
 * - `a -> b` implies, which does not chain (`a -> b -> c` is an error, as in Jenkins, because
 *   `(a -> b) -> c` and `a -> (b -> c)` differ);
 * - `a || b`, then `a && b`, both chained to the left;
 * - `!a`, once, on a label or a parenthesised expression (`!!a` is an error, as in Jenkins);
 * - `( … )`, a label, or a quoted label `"with space"` with Java's escapes `\" \\ \' \b \t \n \f \r`.
 *
 * A label is a run of any characters but whitespace, `& | ! < > ( ) " '`, and a `-` that starts
 * `->` (so `x-ray` is a label and `a->b` an implication). Whitespace is spaces and tabs, as in
 * Jenkins; a line break is refused (Jenkins would take it into a label that no node has).
 */
const GRAMMAR = String.raw`
Expression = _ @Iff _

Iff = head:Implies tail:(_ "<->" _ @Implies)* { return tail.length === 0 ? head : { kind: 'iff', operands: [head, ...tail] }; }

Implies = left:Or right:(_ "->" _ @Or)? { return right === null ? left : { kind: 'implies', left, right }; }

Or = head:And tail:(_ "||" _ @And)* { return tail.length === 0 ? head : { kind: 'or', operands: [head, ...tail] }; }

And = head:Not tail:(_ "&&" _ @Not)* { return tail.length === 0 ? head : { kind: 'and', operands: [head, ...tail] }; }

Not = "!" _ operand:Primary { return { kind: 'not', operand }; }
  / Primary

Primary = "(" _ @Iff _ ")"
  / Atom
  / Quoted

Atom "a label" = name:$(("-" !">" / [^&|!<>() \t"'\r\n-])+) { return { kind: 'atom', name }; }

Quoted "a label" = '"' chars:(Escape / [^\\"\r\n])* '"' { return { kind: 'atom', name: chars.join('') }; }

Escape = "\\" code:[btnfr"'\\] { return { b: '\b', t: '\t', n: '\n', f: '\f', r: '\r' }[code] ?? code; }

_ = [ \t]*
`;

/** A parsed expression: what `matches` evaluates. Chains are flat, so evaluating recurses only as deep as the parentheses. */
export type LabelNode =
  | { readonly kind: 'atom'; readonly name: string }
  | { readonly kind: 'not'; readonly operand: LabelNode }
  | { readonly kind: 'and' | 'or' | 'iff'; readonly operands: readonly LabelNode[] }
  | { readonly kind: 'implies'; readonly left: LabelNode; readonly right: LabelNode };

export type LabelSyntaxError = peggy.parser.SyntaxError;

let parser: peggy.Parser | null = null;

/** Parses with the grammar above, generated once on first use (no build step). Throws peggy's SyntaxError. */
export function parseLabelSyntax(text: string): LabelNode {
  parser ??= peggy.generate(GRAMMAR);
  return parser.parse(text) as LabelNode;
}

export function isLabelSyntaxError(error: unknown): error is LabelSyntaxError {
  return error instanceof Error && error.name === 'SyntaxError' && 'location' in error && 'expected' in error;
}
