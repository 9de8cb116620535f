import { html } from 'hono/html';
import { isStuck, type WaitingReason } from '../../core/queue-item.js';
import { why } from '../jenkins/beans/why.js';
import type { Html } from './page.js';

/**
 * Why an item waits, as pages say it: the queue API's `why`, and for an item no node can run now a
 * link to the nodes page, where that is put right (a node registered, relabelled or brought online).
 */
export function waitingWhy(reason: WaitingReason): Html {
  const text = why(reason, -1);
  return isStuck(reason) ? html`${text} <a href="/computer/">See the nodes</a>` : html`${text}`;
}
