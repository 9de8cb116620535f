/**
 * The messages between the request thread and an XPath evaluator thread (`xpath-worker.ts`).
 * Types only: the worker imports this file with `import type`, so it stays free of local modules.
 */

/** One `api/xml` evaluation: the exported document, then `exclude=` expressions, then `xpath=`. */
export interface XPathRequest {
  readonly xml: string;
  readonly excludes: readonly string[];
  readonly xpath: string | undefined;
  /** Whether every match is wanted (`wrapper=` was given) or only the single one. */
  readonly all: boolean;
}

export type XPathResult =
  /** No `xpath=`: the document after the excludes. */
  | { readonly kind: 'document'; readonly body: string }
  /** Node matches: how many, and their serialisation (all of them when `all`, else the first). */
  | { readonly kind: 'nodes'; readonly count: number; readonly body: string }
  /** A string, number or boolean result, as text. */
  | { readonly kind: 'primitive'; readonly text: string }
  /** An expression the XPath library cannot read. */
  | { readonly kind: 'invalid'; readonly expression: string; readonly problem: string }
  /** An expression nested so deeply that evaluating it overflowed the worker's stack. */
  | { readonly kind: 'too_deep'; readonly expression: string };
