import { DOMParser, type Node as XmlNode, XMLSerializer } from '@xmldom/xmldom';
import * as xpath from 'xpath';
import { Refusal } from '../../errors.js';

const WRAPPER = /^[a-zA-Z_][\w.-]*$/;

export type XPathOutcome = { readonly kind: 'xml'; readonly body: string } | { readonly kind: 'text'; readonly body: string };

/**
 * Applies `exclude=` and `xpath=` (with `wrapper=`) to an exported XML document, as Jenkins'
 * `api/xml` does. A primitive result (a string, number or boolean, e.g. from `concat(…)`) is refused
 * unless `allowPrimitive` accepts the expression: Jenkins allows only the crumb issuer's recipes.
 */
export function applyXPath(
  xml: string,
  query: { xpath: string | undefined; wrapper: string | undefined; excludes: readonly string[] },
  allowPrimitive: (expression: string) => boolean,
): XPathOutcome {
  if (query.wrapper !== undefined && !WRAPPER.test(query.wrapper)) {
    throw new Refusal(
      'wrapper_invalid',
      'The wrapper parameter can only contain alphanumeric characters or dash/dot/underscore. The first character has to be a letter or underscore.',
    );
  }
  const document = new DOMParser().parseFromString(xml, 'text/xml');
  for (const exclude of query.excludes) {
    for (const node of selectNodes(exclude, document)) node.parentNode?.removeChild(node);
  }
  const serializer = new XMLSerializer();
  if (query.xpath === undefined) return { kind: 'xml', body: serializer.serializeToString(document) };
  const result = evaluate(query.xpath, document);
  if (!Array.isArray(result)) {
    if (!allowPrimitive(query.xpath)) {
      throw new Refusal(
        'xpath_primitive_forbidden',
        'primitive XPath result sets forbidden: this expression yields text, not a node.',
        'Select an element instead (e.g. xpath=//name), as Jenkins requires when security is on.',
      );
    }
    return { kind: 'text', body: String(result) };
  }
  if (query.wrapper !== undefined) {
    const wrapped = result.map((node) => serializer.serializeToString(node)).join('');
    return { kind: 'xml', body: `<${query.wrapper}>${wrapped}</${query.wrapper}>` };
  }
  if (result.length === 0) throw new Refusal('xpath_no_match', `XPath ${query.xpath} didn't match.`, 'Check the expression against api/xml without xpath.');
  if (result.length > 1) {
    throw new Refusal(
      'xpath_ambiguous',
      `XPath "${query.xpath}" matched ${result.length} nodes.`,
      'Create an XPath that only matches one, or use the "wrapper" query parameter to wrap them all under a root element.',
    );
  }
  return { kind: 'xml', body: serializer.serializeToString(result[0] as XmlNode) };
}

function evaluate(expression: string, document: XmlNode): XmlNode[] | string | number | boolean {
  try {
    return xpath.select(expression, document as unknown as Node) as unknown as XmlNode[] | string | number | boolean;
  } catch (error) {
    throw new Refusal('xpath_invalid', `XPath "${expression}" is not a valid expression: ${error instanceof Error ? error.message : String(error)}.`);
  }
}

function selectNodes(expression: string, document: XmlNode): XmlNode[] {
  const result = evaluate(expression, document);
  return Array.isArray(result) ? result : [];
}
