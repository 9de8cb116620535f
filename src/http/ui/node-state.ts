import { html } from 'hono/html';
import type { AgentNode } from '../../core/node.js';
import { offlineReason } from '../jenkins/beans/agent.js';
import { statusIcon } from './format.js';
import type { Html } from './page.js';

/**
 * An agent's state in an icon and words: online (a filled circle), offline because it is not
 * connected (a dashed circle, with since when), or taken offline by someone (a struck-out circle,
 * with their message). The shapes differ without colour, as the build statuses do.
 */
export function nodeState(node: AgentNode, now: number): Html {
  const reason = offlineReason(node, now);
  const status =
    reason === null
      ? { label: 'Online', tone: 'blue', running: false }
      : node.offlineMessage !== null
        ? { label: `Temporarily offline${node.offlineMessage === '' ? '' : `: ${node.offlineMessage}`}`, tone: 'disabled', running: false }
        : { label: `Offline: ${reason}`, tone: 'notbuilt', running: false };
  return html`<span class="node-state">${statusIcon(null, status)} <span class="status-words" aria-hidden="true">${status.label}</span></span>`;
}
