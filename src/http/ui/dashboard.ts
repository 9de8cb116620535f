import { html } from 'hono/html';
import type { PermalinkName } from '../../core/build.js';
import type { Item } from '../../core/item.js';
import { itemPath, buildPath } from '../../core/item-url.js';
import { canRead } from '../jenkins/beans/context.js';
import { jobColor, jobIds } from '../jenkins/beans/item.js';
import { PermalinkLoader } from '../jenkins/beans/permalinks.js';
import { QUEUE_SHOWN } from '../jenkins/beans/queue.js';
import type { Scope } from '../jenkins/scope.js';
import { buildControl } from './build-control.js';
import { statusWithWords, timeAgo } from './format.js';
import { timeSpan } from '../jenkins/beans/time-span.js';
import { executorList, nodeWarning } from './nodes-page.js';
import { crumbField, type Html, renderPage } from './page.js';
import type { View } from '../../core/view.js';
import { viewItems, viewTabs } from './view-tabs.js';
import { waitingWhy } from './waiting-why.js';

/** How many waiting items the dashboard lists, due soonest first. */
const QUEUE_LISTED = 50;

/** The dashboard: the items at the top (or in a folder), the queue and the executors, kept current by the page script. */
/** The dashboard, listing the top-level items, or those of one of the top level's views. */
export async function dashboardPage(scope: Scope, view: View | null = null): Promise<Response> {
  return renderPage(scope, {
    title: view ? view.name : 'Dashboard',
    body: html`
<div class="grid">
  <section aria-labelledby="items-title"><h2 id="items-title">Jobs and folders</h2>${viewTabs(scope, null, view)}${itemsTable(scope, null, await viewItems(scope, null, view))}</section>
  <aside>
    <section aria-labelledby="queue-title"><h2 id="queue-title">Build queue</h2>${queueList(scope)}</section>
    <section aria-labelledby="executors-title"><h2 id="executors-title"><a href="/computer/">Executors</a></h2>${nodeWarning(scope, true)}${executorList(scope)}</section>
  </aside>
</div>`,
  });
}

/**
 * The readable items in a folder (null: the top), or those `listed` (a view's), with status, last
 * success, last failure and last duration.
 */
export async function itemsTable(scope: Scope, folderId: number | null, listed?: readonly Item[]): Promise<Html> {
  const context = scope.beans();
  const items = (listed ?? (await scope.deps.store.items.listChildren(folderId))).filter((item) => canRead(context, item));
  if (items.length === 0) return html`<p id="items" data-refresh class="muted">Nothing here yet.</p>`;
  const permalinks = new PermalinkLoader(scope.deps.store.builds, jobIds(items));
  // One crumb serves every row's Build form: it is bound to the browser, not to the job.
  const crumb = crumbField(scope);
  const rows = await Promise.all(items.map((item) => itemRow(scope, item, permalinks, crumb)));
  return html`<table id="items" data-refresh class="wide"><thead><tr><th scope="col">Status</th><th scope="col">Name</th><th scope="col">Last success</th><th scope="col">Last failure</th><th scope="col">Last duration</th><th scope="col" class="build-cell"><span class="visually-hidden">Build</span></th></tr></thead><tbody>${rows}</tbody></table>`;
}

async function itemRow(scope: Scope, item: Item, permalinks: PermalinkLoader, crumb: Html): Promise<Html> {
  const href = `/${itemPath(item.fullName)}`;
  if (item.kind === 'folder') {
    return html`<tr><td><span class="folder-icon" role="img" aria-label="Folder" title="Folder"></span> <span class="status-words" aria-hidden="true">Folder</span></td><td><a href="${href}">${item.name}</a></td><td></td><td></td><td></td><td class="build-cell"></td></tr>`;
  }
  const permalink = (name: PermalinkName) => permalinks.get(item.id, name);
  const [color, success, failure, last] = await Promise.all([
    jobColor(item, permalink),
    permalink('lastSuccessfulBuild'),
    permalink('lastFailedBuild'),
    permalink('lastCompletedBuild'),
  ]);
  const link = (build: typeof success) => (build ? html`${timeAgo(build.startedAt)} <a href="/${buildPath(item.fullName, build.number)}">#${build.number}</a>` : html`<span class="muted">none</span>`);
  return html`<tr><td>${statusWithWords(color)}</td><td><a href="${href}">${item.name}</a></td><td>${link(success)}</td><td>${link(failure)}</td><td>${last ? timeSpan(last.durationMs) : '–'}</td><td class="build-cell">${buildControl(scope, item, crumb)}</td></tr>`;
}

async function queueList(scope: Scope): Promise<Html> {
  const context = scope.beans();
  const [waiting, reasons] = await Promise.all([scope.deps.store.queue.listWaiting(QUEUE_LISTED + 1), scope.waitingReasons()]);
  const shown: Html[] = [];
  for (const item of waiting.slice(0, QUEUE_LISTED)) {
    const job = await scope.deps.store.items.get(item.jobId);
    if (!job || job.kind !== 'job' || !canRead(context, job)) continue;
    const reason = reasons(item, job);
    shown.push(html`<li><a href="/${itemPath(job.fullName)}">${job.fullName}</a> <span class="muted">(item ${item.id})</span><br><span class="hint">${waitingWhy(reason)}</span></li>`);
  }
  if (shown.length === 0) return html`<p id="queue" data-refresh class="muted">No builds waiting.</p>`;
  const more = waiting.length > QUEUE_LISTED ? html`<p class="hint">The ${QUEUE_LISTED} due soonest are shown; more are waiting (<a href="/queue/api/json?pretty=true">the queue's API</a> lists ${QUEUE_SHOWN}).</p>` : '';
  return html`<div id="queue" data-refresh><ul>${shown}</ul>${more}</div>`;
}
