/**
 * An XPath evaluator thread: parses an exported document, removes the `exclude=` matches and
 * evaluates `xpath=`, one request at a time. It says `{ ready: true }` once loaded, then answers
 * `{ id, result }` for each `{ id, request }` (the protocol of `worker-pool.ts`).
 *
 * It runs on a worker thread so that a hostile expression (XPath 1.0 can ask for exponential time or
 * memory) costs this thread, which the pool terminates at its budget, and never the server's event
 * loop. Jenkins' rules about what may be answered stay on the request thread (`xpath.ts`).
 *
 * Contract for loading (see `worker-module.ts`): this file imports only packages and `import type`,
 * so that it runs alone, from dist/ or transpiled from the sources.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { DOMParser, type Node as XmlNode, XMLSerializer } from '@xmldom/xmldom';
import * as xpath from 'xpath';
import type { XPathRequest, XPathResult } from './xpath-protocol.js';

type Selected = XmlNode[] | string | number | boolean;

class Unreadable extends Error {}

function select(expression: string, document: XmlNode): Selected {
  try {
    return xpath.select(expression, document as unknown as Node) as unknown as Selected;
  } catch (error) {
    if (error instanceof RangeError) throw error;
    throw new Unreadable(error instanceof Error ? error.message : String(error));
  }
}

export function evaluate(request: XPathRequest): XPathResult {
  let expression = '';
  try {
    const document = new DOMParser().parseFromString(request.xml, 'text/xml');
    for (const exclude of request.excludes) {
      expression = exclude;
      const matches = select(exclude, document);
      if (Array.isArray(matches)) for (const node of matches) node.parentNode?.removeChild(node);
    }
    const serializer = new XMLSerializer();
    if (request.xpath === undefined) return { kind: 'document', body: serializer.serializeToString(document) };
    expression = request.xpath;
    const result = select(request.xpath, document);
    if (!Array.isArray(result)) return { kind: 'primitive', text: String(result) };
    const wanted = request.all ? result : result.slice(0, 1);
    return { kind: 'nodes', count: result.length, body: wanted.map((node) => serializer.serializeToString(node)).join('') };
  } catch (error) {
    if (error instanceof Unreadable) return { kind: 'invalid', expression, problem: error.message };
    // "Maximum call stack size exceeded": the expression nests deeper than the worker's stack.
    if (error instanceof RangeError) return { kind: 'too_deep', expression };
    throw error;
  }
}

// Serve only when started as an evaluator by the pool (importing this file elsewhere does nothing).
if (parentPort && (workerData as { role?: string } | undefined)?.role === 'xpath-evaluator') {
  const port = parentPort;
  port.postMessage({ ready: true });
  port.on('message', ({ id, request }: { id: number; request: XPathRequest }) => {
    port.postMessage({ id, result: evaluate(request) });
  });
}
