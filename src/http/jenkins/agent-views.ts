import type { AgentNode } from '../../core/node.js';
import type { AgentView } from './beans/agent.js';
import type { Scope } from './scope.js';

/** Each agent with what it runs, as of now. */
export async function agentViews(scope: Scope): Promise<AgentView[]> {
  const [nodes, running] = await Promise.all([scope.deps.nodes.list(), scope.deps.runningByNode()]);
  const now = Date.now();
  return nodes.map((node) => ({ node, running: running.get(node.name) ?? [], now }));
}

export async function agentView(scope: Scope, node: AgentNode): Promise<AgentView> {
  return { node, running: (await scope.deps.runningByNode()).get(node.name) ?? [], now: Date.now() };
}
