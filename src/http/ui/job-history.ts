import { html } from 'hono/html';
import type { Build } from '../../core/build.js';
import { type CauseCount, describeCause } from '../../core/cause.js';
import type { Job } from '../../core/item.js';
import { buildPath } from '../../core/item-url.js';
import { timeSpan } from '../jenkins/beans/time-span.js';
import type { Scope } from '../jenkins/scope.js';
import { buildStatus, timeAgo } from './format.js';
import type { Html } from './page.js';
import { waitingWhy } from './waiting-why.js';

/** How many builds the job page lists, newest first (Jenkins' history widget shows a similar page). */
export const HISTORY_SIZE = 50;
/** How many of the job's waiting items its page lists, due soonest first. */
const JOB_QUEUE_LISTED = 50;

/** The causes of a build or queue item, one line each, identical ones counted. */
export function causeLines(causes: readonly CauseCount[]): Html {
  return html`${causes.map(({ cause, count }, index) => html`${index > 0 ? html`<br>` : ''}${describeCause(cause)}${count > 1 ? ` (×${count})` : ''}`)}`;
}

/**
 * The job's latest builds: number (with its status icon, linking to the build), result in words,
 * start, duration, and who or what started it. Kept current by the page script (`data-refresh`).
 */
export async function historyTable(scope: Scope, job: Job): Promise<Html> {
  const [builds, total] = await Promise.all([scope.deps.store.builds.list(job.id, { offset: 0, limit: HISTORY_SIZE }), scope.deps.store.builds.count(job.id)]);
  if (builds.length === 0) return html`<p id="history" data-refresh class="muted">No builds yet.</p>`;
  return html`<div id="history" data-refresh><table class="wide"><caption class="visually-hidden">Builds of ${job.name}, newest first</caption><thead><tr><th scope="col">Build</th><th scope="col">Result</th><th scope="col">Started</th><th scope="col">Duration</th><th scope="col">Cause</th></tr></thead><tbody>${builds.map((build) => historyRow(job, build))}</tbody></table>${
    total > builds.length ? html`<p class="hint">The latest ${builds.length} of ${total} builds.</p>` : ''
  }</div>`;
}

function historyRow(job: Job, build: Build): Html {
  const running = build.state === 'running';
  const status = buildStatus(build);
  // The icon is decorative here: the next column says the result in words.
  return html`<tr><td><span class="status status-${status.tone}${status.running ? ' running' : ''}" aria-hidden="true"></span> <a href="/${buildPath(job.fullName, build.number)}">#${build.number}</a></td><td>${status.label}</td><td>${timeAgo(build.startedAt)}</td><td>${running ? html`<span class="muted">running</span>` : timeSpan(build.durationMs)}</td><td>${causeLines(build.causes)}</td></tr>`;
}

/** The job's items waiting in the queue, with why each waits and what asked for it. */
export async function jobQueue(scope: Scope, job: Job): Promise<Html> {
  const waiting = await scope.deps.store.queue.listWaitingOfJob(job.id, JOB_QUEUE_LISTED + 1);
  if (waiting.length === 0) return html`<div id="job-queue" data-refresh></div>`;
  const reasons = await scope.waitingReasons();
  const more = waiting.length > JOB_QUEUE_LISTED ? html`<p class="hint">The ${JOB_QUEUE_LISTED} due soonest are shown; more are waiting.</p>` : '';
  return html`<div id="job-queue" data-refresh><h3>Waiting in the queue</h3><ul>${waiting.slice(0, JOB_QUEUE_LISTED).map((item) => {
    return html`<li><span class="muted">Item ${item.id}:</span> ${waitingWhy(reasons(item, job))}<br><span class="hint">${causeLines(item.causes)}</span></li>`;
  })}</ul>${more}</div>`;
}
