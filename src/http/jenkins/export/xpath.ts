import { Refusal } from '../../errors.js';
import { evaluateXPath } from './xpath-evaluator.js';
import type { XPathRequest } from './xpath-protocol.js';
import { evaluate } from './xpath-worker.js';

const WRAPPER = /^[a-zA-Z_][\w.-]*$/;

export type XPathOutcome = { readonly kind: 'xml'; readonly body: string } | { readonly kind: 'text'; readonly body: string };

/**
 * Applies `exclude=` and `xpath=` (with `wrapper=`) to an exported XML document, as Jenkins'
 * `api/xml` does. A primitive result (a string, number or boolean, e.g. from `concat(…)`) is refused
 * unless `allowPrimitive` accepts the expression: Jenkins allows only the crumb issuer's recipes.
 *
 * The evaluation runs on an evaluator thread within a budget (`xpath-evaluator.ts`), except for the
 * expressions `allowPrimitive` accepts when nothing is excluded: those are a route's fixed recipes
 * over its own small document (the crumb issuer's), cheap by construction and asked for before
 * every POST of many scripts, so they are evaluated here and never wait behind other evaluations.
 */
export async function applyXPath(
  xml: string,
  query: { xpath: string | undefined; wrapper: string | undefined; excludes: readonly string[] },
  allowPrimitive: (expression: string) => boolean,
  signal?: AbortSignal,
): Promise<XPathOutcome> {
  if (query.wrapper !== undefined && !WRAPPER.test(query.wrapper)) {
    throw new Refusal(
      'wrapper_invalid',
      'The wrapper parameter can only contain alphanumeric characters or dash/dot/underscore. The first character has to be a letter or underscore.',
    );
  }
  const request: XPathRequest = { xml, excludes: query.excludes, xpath: query.xpath, all: query.wrapper !== undefined };
  const recipe = query.xpath !== undefined && query.excludes.length === 0 && allowPrimitive(query.xpath);
  const result = recipe ? evaluate(request) : await evaluateXPath(request, signal);
  switch (result.kind) {
    case 'invalid':
      throw new Refusal('xpath_invalid', `XPath "${result.expression}" is not a valid expression: ${result.problem}.`);
    case 'too_deep':
      throw new Refusal('budget_exceeded', `XPath "${result.expression}" nests too deeply to evaluate.`, 'Use a flatter expression, e.g. //job/name.');
    case 'document':
      return { kind: 'xml', body: result.body };
    case 'primitive':
      if (!allowPrimitive(query.xpath as string)) {
        throw new Refusal(
          'xpath_primitive_forbidden',
          'primitive XPath result sets forbidden: this expression yields text, not a node.',
          'Select an element instead (e.g. xpath=//name), as Jenkins requires when security is on.',
        );
      }
      return { kind: 'text', body: result.text };
    case 'nodes':
      if (query.wrapper !== undefined) return { kind: 'xml', body: `<${query.wrapper}>${result.body}</${query.wrapper}>` };
      if (result.count === 0) throw new Refusal('xpath_no_match', `XPath ${query.xpath} didn't match.`, 'Check the expression against api/xml without xpath.');
      if (result.count > 1) {
        throw new Refusal(
          'xpath_ambiguous',
          `XPath "${query.xpath}" matched ${result.count} nodes.`,
          'Create an XPath that only matches one, or use the "wrapper" query parameter to wrap them all under a root element.',
        );
      }
      return { kind: 'xml', body: result.body };
  }
}
