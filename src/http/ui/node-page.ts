import { html } from 'hono/html';
import type { AgentNode } from '../../core/node.js';
import { buildPath } from '../../core/item-url.js';
import { Permissions } from '../../core/permissions.js';
import type { ActionTable } from '../jenkins/action.js';
import type { AgentView } from '../jenkins/beans/agent.js';
import { canRead } from '../jenkins/beans/context.js';
import { agentView } from '../jenkins/agent-views.js';
import { agentCommand } from '../jenkins/jnlp.js';
import type { Scope } from '../jenkins/scope.js';
import { timeAgo } from './format.js';
import { nodeState } from './node-state.js';
import { crumbField, type Html, renderPage } from './page.js';

/** The node page's actions: the page, and the POST that shows the secret (never shown by a GET). */
export function nodeUiActions(node: AgentNode): ActionTable {
  return {
    '': { GET: async (scope) => nodePage(scope, await agentView(scope, node), null) },
    showSecret: {
      POST: async (scope) => {
        scope.check(Permissions.ComputerConnect);
        return nodePage(scope, await agentView(scope, node), await scope.deps.nodes.secretOf(node.name));
      },
    },
  };
}

/**
 * `/computer/NAME/`: an agent's state, labels, executors and what they run, last contact, and how to
 * connect it. Its secret appears only after "Show secret" (a POST, Agent/Connect), so a GET of the
 * page never carries it into a cache, a screenshot or a proxy's log.
 */
function nodePage(scope: Scope, view: AgentView, secret: string | null): Promise<Response> {
  const { node } = view;
  const path = `/computer/${encodeURIComponent(node.name)}/`;
  const may = (permission: (typeof Permissions)[keyof typeof Permissions]) => scope.deps.authorizer.has(scope.principal, permission);
  return renderPage(scope, {
    title: node.name,
    trail: [
      ['Dashboard', '/'],
      ['Nodes', '/computer/'],
    ],
    body: html`${node.description === '' ? '' : html`<p>${node.description}</p>`}
<dl class="facts">
<dt>State</dt><dd id="node-state">${nodeState(node, Date.now())}</dd>
<dt>Labels</dt><dd>${node.labels.join(' ')}</dd>
<dt>Executors</dt><dd>${node.executors}</dd>
<dt>Last contact</dt><dd>${timeAgo(node.lastSeenAt)}</dd>
</dl>
<h2>Executors</h2>
${agentExecutors(scope, view)}
<section aria-labelledby="connect-title"><h2 id="connect-title">Connect this agent</h2>
<p>On the agent machine (Node 20, the same npm package as this server), with the secret in a file only the agent's user can read:</p>
<pre><code>${agentCommand(scope.rootUrl, node.name)}</code></pre>
${
  secret !== null
    ? html`<p>The secret (keep it out of logs and scripts' arguments): <code id="node-secret">${secret}</code></p>`
    : may(Permissions.ComputerConnect)
      ? html`<form method="post" action="${path}showSecret">${crumbField(scope)}<button type="submit">Show secret</button></form>`
      : ''
}
<p class="hint">Jenkins-shaped scripts find the secret as the first argument of <a href="${path}jenkins-agent.jnlp">jenkins-agent.jnlp</a>; <code>steward node rotate-secret ${node.name}</code> replaces it.</p>
</section>
${offlineForm(scope, node, path)}
${
  may(Permissions.ComputerDelete)
    ? html`<details class="danger-zone"><summary>Delete this node</summary>
<form method="post" action="${path}doDelete">${crumbField(scope)}<p>Deleting ${node.name} removes it and its secret; its agent can no longer connect. This cannot be undone.</p><button type="submit" class="danger">Delete node ${node.name}</button></form>
</details>`
      : ''
}`,
  });
}

function offlineForm(scope: Scope, node: AgentNode, path: string): Html {
  if (node.offlineMessage !== null) {
    if (!scope.deps.authorizer.has(scope.principal, Permissions.ComputerConnect)) return html``;
    return html`<form method="post" action="${path}toggleOffline" class="actions">${crumbField(scope)}<button type="submit">Bring this node back online</button></form>`;
  }
  if (!scope.deps.authorizer.has(scope.principal, Permissions.ComputerDisconnect)) return html``;
  return html`<form method="post" action="${path}toggleOffline" class="actions">${crumbField(scope)}<label>Reason <input name="offlineMessage" placeholder="e.g. disk replacement"></label> <button type="submit">Take this node offline</button></form>`;
}

/** An agent's executors and the builds they run (those the caller may see). */
export function agentExecutors(scope: Scope, { node, running }: AgentView): Html {
  const context = scope.beans();
  // By slot: executor #2 is the one whose builds see EXECUTOR_NUMBER=1.
  const bySlot = new Map(running.filter((one) => canRead(context, one.job)).map((one) => [one.build.executor, one]));
  const rows = Array.from({ length: node.executors }, (_, number) => {
    const one = bySlot.get(number);
    return html`<li><span class="muted">#${number + 1}</span> ${one ? html`<a href="/${buildPath(one.job.fullName, one.build.number)}">${one.job.fullName} #${one.build.number}</a>` : html`<span class="muted">idle</span>`}</li>`;
  });
  return html`<ul class="plain">${rows}</ul>`;
}
