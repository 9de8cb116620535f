import type { AgentNode } from '../../core/node.js';
import { Permissions } from '../../core/permissions.js';
import { single } from '../body.js';
import { Refusal } from '../errors.js';
import { fromBrowser } from '../ui/page.js';
import { nodesPage } from '../ui/nodes-page.js';
import { nodeUiActions } from '../ui/node-page.js';
import { type ActionTable, findAction } from './action.js';
import { agentView, agentViews } from './agent-views.js';
import { agentComputerBean } from './beans/agent.js';
import { computerBean, computerSetBean } from './beans/server.js';
import { serveApi } from './export/api.js';
import { jnlpDocument } from './jnlp.js';
import { nodeConfigXml, parseNodeConfigXml } from './node-config-xml.js';
import { parseNodeForm } from './node-create.js';
import { isFlavor } from './queue.js';
import type { Scope } from './scope.js';
import { STEWARD_AGENT_HINT } from './agent-jar.js';
import { refuseUnimplemented } from './unimplemented.js';

/** The built-in node's URL names: Jenkins' two, and its display name (python-jenkins 1.4's `get_running_builds` asks for that). */
const BUILT_IN_ALIASES = new Set(['(built-in)', '(master)', 'Built-In Node']);

/**
 * `/computer/…`: the nodes (Jenkins' ComputerSet), the built-in node under its aliases, and each
 * agent with Jenkins' actions on it (doDelete, toggleOffline, config.xml, the JNLP file) joined with
 * the node's page.
 */
export async function serveComputer(scope: Scope, rest: readonly string[]): Promise<Response | null> {
  const [head, ...below] = rest;
  if (head === undefined) return scope.method === 'GET' ? nodesPage(scope) : null;
  if (head === 'api' && below.length === 1 && isFlavor(below[0])) return serveApi(scope.c, computerSetBean(scope.beans(), await agentViews(scope)), below[0]);
  if (head === 'doCreateItem' && below.length === 0) return scope.method === 'POST' ? createNode(scope) : postOnly();
  if (BUILT_IN_ALIASES.has(head)) {
    if (below[0] === 'api' && below.length === 2 && isFlavor(below[1])) return serveApi(scope.c, computerBean(scope.beans()), below[1]);
    refuseUnimplemented({ kind: 'computer' }, below);
    return null;
  }
  const node = await scope.deps.nodes.require(head);
  if (below[0] === 'api' && below.length === 2 && isFlavor(below[1])) return serveApi(scope.c, agentComputerBean(scope.beans(), await agentView(scope, node)), below[1]);
  const action = findAction([agentActions(node), nodeUiActions(node)], below.join('/'));
  if (!action) {
    refuseUnimplemented({ kind: 'computer' }, below);
    return null;
  }
  const handler = action[scope.method as 'GET' | 'POST'] ?? action.ANY;
  if (!handler) return scope.method === 'GET' ? postOnly() : null;
  return handler(scope);
}

function postOnly(): never {
  throw new Refusal('method_not_allowed', 'This URL requires POST.', 'Use POST (curl -X POST …).', { Allow: 'POST' });
}

function agentActions(node: AgentNode): ActionTable {
  return {
    doDelete: { POST: (scope) => deleteNode(scope, node) },
    toggleOffline: { POST: (scope) => toggleOffline(scope, node) },
    'config.xml': { GET: (scope) => getNodeConfig(scope, node), POST: (scope) => postNodeConfig(scope, node) },
    'jenkins-agent.jnlp': { GET: (scope) => jnlp(scope, node) },
    'slave-agent.jnlp': { GET: (scope) => jnlp(scope, node) },
  };
}

/** Jenkins' `ComputerSet.doDoCreateItem`: Agent/Create, then 302 to `/computer/`. */
async function createNode(scope: Scope): Promise<Response> {
  scope.check(Permissions.ComputerCreate);
  const form = parseNodeForm(await scope.readInput());
  const { node } = await scope.deps.nodes.create(form.node);
  const response = scope.redirect('computer/', fromBrowser(scope) ? 303 : 302);
  if (form.warning) response.headers.set('X-Steward-Warning', form.warning);
  response.headers.set('X-Steward-Node', node.name);
  return response;
}

async function deleteNode(scope: Scope, node: AgentNode): Promise<Response> {
  scope.check(Permissions.ComputerDelete);
  await scope.deps.nodes.delete(node.name);
  return scope.redirect('computer/', fromBrowser(scope) ? 303 : 302);
}

/**
 * Jenkins' `doToggleOffline`: a node that is not temporarily offline is taken offline with the
 * message (Agent/Disconnect); one that is, is brought back (Agent/Connect). It is a toggle, as on
 * Jenkins: python-jenkins' `enable_node`/`disable_node` read `offline` first and toggle only when needed.
 */
async function toggleOffline(scope: Scope, node: AgentNode): Promise<Response> {
  if (node.offlineMessage === null) {
    scope.check(Permissions.ComputerDisconnect);
    await scope.deps.nodes.setOffline(node.name, (single(await scope.readInput(), 'offlineMessage') ?? '').trim());
  } else {
    scope.check(Permissions.ComputerConnect);
    await scope.deps.nodes.setOffline(node.name, null);
  }
  return scope.redirect(`computer/${encodeURIComponent(node.name)}/`, fromBrowser(scope) ? 303 : 302);
}

async function getNodeConfig(scope: Scope, node: AgentNode): Promise<Response> {
  scope.check(Permissions.ComputerExtendedRead);
  return new Response(nodeConfigXml(node), { headers: { 'Content-Type': 'application/xml;charset=UTF-8' } });
}

async function postNodeConfig(scope: Scope, node: AgentNode): Promise<Response> {
  scope.check(Permissions.ComputerConfigure);
  await scope.deps.nodes.update(node.name, parseNodeConfigXml((await scope.readInput()).text, node));
  return new Response(null, { status: 200 });
}

/**
 * Jenkins' JNLP file, with the secret: Agent/Connect only. `?encrypt=true` is what an old agent.jar
 * asks for (an encrypted file for its own use), refused with what to run instead.
 */
async function jnlp(scope: Scope, node: AgentNode): Promise<Response> {
  if (scope.url.searchParams.has('encrypt')) {
    throw new Refusal('agent_protocol_unsupported', "Steward does not speak Jenkins' agent protocol: agent.jar cannot use this file.", STEWARD_AGENT_HINT);
  }
  scope.check(Permissions.ComputerConnect);
  const secret = await scope.deps.nodes.secretOf(node.name);
  if (secret === null) throw new Refusal('not_found', `The secret of ${node.name} cannot be read with this server's key.`, `Rotate it: steward node rotate-secret ${node.name}.`);
  return new Response(jnlpDocument(scope.rootUrl, node, secret), { headers: { 'Content-Type': 'application/x-java-jnlp-file', 'Cache-Control': 'no-store' } });
}
