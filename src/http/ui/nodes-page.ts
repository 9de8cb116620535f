import { html } from 'hono/html';
import { buildPath } from '../../core/item-url.js';
import { LOW_DISK_BYTES } from '../../core/node.js';
import { canRead } from '../jenkins/beans/context.js';
import { agentViews } from '../jenkins/agent-views.js';
import type { Scope } from '../jenkins/scope.js';
import { byteSize, timeAgo } from './format.js';
import { agentExecutors } from './node-page.js';
import { nodeState } from './node-state.js';
import { type Html, renderPage } from './page.js';

/**
 * `/computer/`: the nodes page. The built-in node: its executors and what they run, the account its
 * builds run as (with the warning, while that is Steward's own), and the free space of its disk;
 * then each agent with its state in an icon and words, labels, executors and what they run, and
 * its last contact.
 */
export async function nodesPage(scope: Scope): Promise<Response> {
  const agents = await agentTable(scope);
  return renderPage(scope, {
    title: 'Nodes',
    trail: [['Dashboard', '/']],
    body: html`<section aria-labelledby="built-in-title"><h2 id="built-in-title">Built-in node</h2>
${nodeWarning(scope)}
<dl class="facts">
<dt>Builds run as</dt><dd>${scope.deps.builtInNode().buildUser}</dd>
<dt>Free disk space</dt><dd>${diskSpace(scope)}</dd>
</dl>
<h3>Executors</h3>
${executorList(scope)}
<p class="hint">Scripts read the same at <a href="/computer/api/json?pretty=true">/computer/api/json</a> (free space under <code>monitorData</code>).</p>
</section>
<section aria-labelledby="agents-title"><h2 id="agents-title">Agents</h2>
${agents}
<p class="hint">Register one with <code>steward node create NAME --labels "linux docker" --executors 4</code> (docs/agents.md).</p>
</section>`,
  });
}

/** The warning that builds run with the server's rights, for the nodes page and the dashboard; empty when they do not. */
export function nodeWarning(scope: Scope, short = false): Html {
  const { warning } = scope.deps.builtInNode();
  if (!warning) return html``;
  if (short) return html`<p class="notice warning" role="note">Builds run with Steward's own rights. <a href="/computer/">See Nodes</a>.</p>`;
  return html`<p class="notice warning" role="note"><strong>Warning:</strong> ${warning}</p>`;
}

function diskSpace(scope: Scope): Html {
  const disk = scope.deps.builtInNode().diskSpace;
  if (!disk) return html`<span class="muted">not known</span>`;
  const text = `${byteSize(disk.freeBytes)} free of ${byteSize(disk.totalBytes)} at ${disk.path}`;
  const low = disk.freeBytes < LOW_DISK_BYTES;
  return html`${low ? html`<strong class="low-disk">${text}: low. Builds and triggers fail once it is full.</strong>` : text} <span class="muted">(measured ${timeAgo(disk.checkedAt)})</span>`;
}

/** The executors of the built-in node and the builds they run (those the caller may see); said plainly when it has none. */
export function executorList(scope: Scope): Html {
  const context = scope.beans();
  if (scope.deps.scheduler.executorCount === 0) return html`<ul id="executors" data-refresh class="plain"><li class="muted">The built-in node has no executors: builds run on agents.</li></ul>`;
  const rows = scope.deps.scheduler.executors().map((executor) => {
    const running = executor.build && canRead(context, executor.build.job) ? executor.build : null;
    return html`<li><span class="muted">#${executor.number + 1}</span> ${running ? html`<a href="/${buildPath(running.job.fullName, running.build.number)}">${running.job.fullName} #${running.build.number}</a>` : html`<span class="muted">idle</span>`}</li>`;
  });
  return html`<ul id="executors" data-refresh class="plain">${rows}</ul>`;
}

/** The agents, one row each. */
async function agentTable(scope: Scope): Promise<Html> {
  const views = await agentViews(scope);
  if (views.length === 0) return html`<p class="muted">No agents yet: builds run on the built-in node only.</p>`;
  const rows = views.map(
    (view) => html`<tr><td><a href="/computer/${encodeURIComponent(view.node.name)}/">${view.node.name}</a></td><td>${nodeState(view.node, view.now)}</td><td>${view.node.labels.join(' ')}</td><td>${agentExecutors(scope, view)}</td><td>${timeAgo(view.node.lastSeenAt)}</td></tr>`,
  );
  // data-refresh: the page script swaps in a fresh copy every few seconds (states, running builds, last contact).
  return html`<table id="agents" data-refresh class="wide"><thead><tr><th scope="col">Name</th><th scope="col">State</th><th scope="col">Labels</th><th scope="col">Executors</th><th scope="col">Last contact</th></tr></thead><tbody>${rows}</tbody></table>`;
}
