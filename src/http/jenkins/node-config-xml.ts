import type { AgentNode } from '../../core/node.js';
import type { NodeChanges } from '../../nodes/nodes.js';
import { Refusal } from '../errors.js';
import { escapeXml, parseXml, text } from './config-xml/dom.js';

/**
 * An agent's `config.xml` as Jenkins writes a permanent agent (`<slave>`, an inbound launcher). The
 * node's own name is left out of `<label>`: Jenkins keeps it implicit there too.
 */
export function nodeConfigXml(node: AgentNode): string {
  const labels = node.labels.filter((label) => label !== node.name).join(' ');
  return `<?xml version='1.1' encoding='UTF-8'?>
<slave>
  <name>${escapeXml(node.name)}</name>
  <description>${escapeXml(node.description)}</description>
  <remoteFS></remoteFS>
  <numExecutors>${node.executors}</numExecutors>
  <mode>NORMAL</mode>
  <retentionStrategy class="hudson.slaves.RetentionStrategy$Always"/>
  <launcher class="hudson.slaves.JNLPLauncher"/>
  <label>${escapeXml(labels)}</label>
  <nodeProperties/>
</slave>
`;
}

/**
 * What a posted `<slave>` changes: its description, labels and executors. Other elements (remoteFS,
 * mode, launcher…) are accepted and ignored: the agent chooses its work directory and connects itself.
 * A different `<name>` is refused, since a node is not renamed this way.
 */
export function parseNodeConfigXml(xml: string, node: AgentNode): NodeChanges {
  const root = parseXml(xml).documentElement;
  if (!root || root.tagName !== 'slave') {
    throw new Refusal('item_type_unsupported', `An agent's config.xml has the root element <slave>, not <${root?.tagName ?? ''}>.`, 'Start from GET /computer/NAME/config.xml.');
  }
  const name = text(root, 'name');
  if (name !== null && name.trim() !== node.name) {
    throw new Refusal('body_invalid', `The config.xml names the node "${name.trim()}", not "${node.name}".`, 'Renaming a node is not supported: create one with the new name and delete this one.');
  }
  const executors = text(root, 'numExecutors');
  const labels = text(root, 'label');
  const description = text(root, 'description');
  return {
    ...(description !== null ? { description } : {}),
    ...(labels !== null ? { labels } : {}),
    ...(executors !== null ? { executors: Number(executors.trim()) } : {}),
  };
}
