import type { Context } from 'hono';
import type { AppEnv } from '../../context.js';
import { Refusal } from '../../errors.js';
import type { Bean } from './bean.js';
import { depthPruner, prune, type Pruner, treePruner } from './prune.js';
import { toJson, toXml } from './render.js';
import { parseTree } from './tree.js';
import { applyXPath } from './xpath.js';

export type Flavor = 'json' | 'xml';

export interface ApiOptions {
  /**
   * Which primitive `xpath` results may be answered as text (Jenkins: only the crumb recipes). The
   * expressions accepted are also evaluated on the request thread, outside the evaluator budget: accept
   * only a fixed few over the route's own small document.
   */
  readonly allowPrimitiveXPath?: (expression: string) => boolean;
}

const MAX_DEPTH = 10;

/** Reads `tree=` or `depth=` (tree wins, as in Stapler); malformed values are refused with the grammar. */
export function prunerFrom(query: { tree: string | undefined; depth: string | undefined }): Pruner {
  if (query.tree !== undefined && query.tree !== '') return treePruner(parseTree(query.tree));
  if (query.depth === undefined || query.depth === '') return depthPruner(0);
  if (!/^\d+$/.test(query.depth) || Number(query.depth) > MAX_DEPTH) {
    throw new Refusal('depth_invalid', `Depth parameter must be a number from 0 to ${MAX_DEPTH} (got "${query.depth}").`, 'Use depth=0 (the default) or depth=1; or name the fields you need with tree=.');
  }
  return depthPruner(Number(query.depth));
}

/** Answers `…/api/json` or `…/api/xml` for a bean, honouring tree, depth, pretty, xpath, wrapper and exclude. */
export async function serveApi(c: Context<AppEnv>, subject: Bean, flavor: Flavor, options: ApiOptions = {}): Promise<Response> {
  const query = (name: string) => c.req.query(name);
  if (query('jsonp') !== undefined) {
    throw new Refusal('jsonp_forbidden', 'jsonp forbidden: JSONP would let other web sites read this server as you.', 'Fetch api/json directly instead.');
  }
  const pruned = await prune(subject, prunerFrom({ tree: query('tree'), depth: query('depth') }));
  if (flavor === 'json') {
    const pretty = query('pretty') !== undefined;
    return c.body(JSON.stringify(toJson(pruned), null, pretty ? 2 : undefined), 200, { 'Content-Type': 'application/json;charset=UTF-8' });
  }
  const xml = toXml(pruned);
  const excludes = c.req.queries('exclude') ?? [];
  const xpath = query('xpath');
  if (xpath === undefined && excludes.length === 0) {
    return c.body(xml, 200, { 'Content-Type': 'application/xml;charset=UTF-8' });
  }
  const outcome = await applyXPath(xml, { xpath, wrapper: query('wrapper'), excludes }, options.allowPrimitiveXPath ?? (() => false), c.req.raw.signal);
  const contentType = outcome.kind === 'text' ? 'text/plain;charset=UTF-8' : 'application/xml;charset=UTF-8';
  return c.body(outcome.body, 200, { 'Content-Type': contentType });
}
