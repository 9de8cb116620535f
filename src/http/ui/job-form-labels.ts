import { html } from 'hono/html';
import { isDomainError } from '../../core/errors.js';
import { agentLabels, BUILT_IN_LABELS, BUILT_IN_NODE } from '../../core/node.js';
import { type LabelExpression, parseLabelExpression } from '../../labels/label-expression.js';
import type { Scope } from '../jenkins/scope.js';
import { textField } from './fields.js';
import { sentence } from './item-form-errors.js';
import type { Html } from './page.js';

/** The most node names listed under the field; past it, a count (the nodes page has them all). */
const LISTED_NODES = 20;

/**
 * "Restrict where this job can run": the job's label expression as typed, and below it which
 * registered nodes it matches now (the built-in node's label is its name, `built-in`; an agent's are
 * its labels, its name among them). `error` is the save's verdict on it; when there is none and the
 * text does not parse (the Check button), the parser's verdict is shown instead.
 */
export async function labelExpressionField(scope: Scope, typed: string, error: string | null): Promise<Html> {
  const parsed = readTyped(typed);
  const shown = error ?? (parsed.ok ? null : parsed.error);
  return html`<div id="label-expression">
  ${textField({
    name: 'labelExpression',
    id: 'labelExpression',
    label: 'Restrict where this job can run',
    value: typed,
    error: shown,
    hint: html`A label expression over node labels, as in Jenkins: <code>linux &amp;&amp; !arm</code>, with <code>||</code> (or), <code>-&gt;</code> (implies), <code>&lt;-&gt;</code> (if and only if), parentheses, and <code>"quotes"</code> around a label with spaces. Every node has its name as a label. Empty: any node.`,
  })}
  ${shown === null && parsed.ok ? await matchingNodes(scope, parsed.expression) : ''}
  <div class="actions"><button type="submit" name="edit" value="check-labels">Check which nodes match</button></div>
</div>`;
}

function readTyped(typed: string): { ok: true; expression: LabelExpression | null } | { ok: false; error: string } {
  if (typed.trim() === '') return { ok: true, expression: null };
  try {
    return { ok: true, expression: parseLabelExpression(typed) };
  } catch (error) {
    if (isDomainError(error)) return { ok: false, error: sentence(error) };
    throw error;
  }
}

/**
 * Which nodes may run the job, by name; said plainly when none does (its builds would wait). The
 * built-in node counts only while it has executors (`--executors 0` leaves builds to agents).
 */
async function matchingNodes(scope: Scope, expression: LabelExpression | null): Promise<Html> {
  const matches = (labels: ReadonlySet<string>) => expression === null || expression.matches(labels);
  const builtInIdle = scope.deps.scheduler.executorCount === 0;
  const agents = (await scope.deps.store.nodes.list()).map((node) => ({ name: node.name, labels: agentLabels(node) }));
  const nodes = [...(builtInIdle ? [] : [{ name: BUILT_IN_NODE, labels: BUILT_IN_LABELS }]), ...agents];
  const matching = nodes.filter((node) => matches(node.labels)).map((node) => node.name);
  const what = expression === null ? 'Any node may run this job' : 'Nodes that match';
  if (matching.length === 0) {
    const builtIn = builtInIdle && matches(BUILT_IN_LABELS) ? ' The built-in node would, but it has no executors.' : '';
    return html`<p class="notice warning" id="label-matches" role="status">No node matches this expression now: its builds will wait until one does.${builtIn}</p>`;
  }
  const listed = matching.slice(0, LISTED_NODES);
  const more = matching.length - listed.length;
  return html`<p class="hint" id="label-matches" role="status">${what} (${matching.length}): ${listed.map((name, index) => html`${index > 0 ? ', ' : ''}<code>${name}</code>`)}${more > 0 ? ` and ${more} more` : ''}.</p>`;
}
