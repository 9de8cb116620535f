import { html } from 'hono/html';
import { type Build, describeInterruption } from '../../core/build.js';
import { describeCause } from '../../core/cause.js';
import type { Job } from '../../core/item.js';
import { buildPath } from '../../core/item-url.js';
import { Permissions } from '../../core/permissions.js';
import { estimatedDuration } from '../jenkins/beans/build.js';
import { timeSpan } from '../jenkins/beans/time-span.js';
import type { Scope } from '../jenkins/scope.js';
import { buildStatus, statusIcon, timeAgo } from './format.js';
import { crumbField, type Html } from './page.js';

/**
 * A build's result, causes and timings, the Stop button while it runs (for those with Job/Cancel), and
 * Rebuild once it has ended (for those with Job/Build).
 * The page script re-reads it every few seconds (`data-refresh`), so a running build's page shows the
 * result once it ends.
 */
export async function buildSummary(scope: Scope, job: Job, build: Build): Promise<Html> {
  const running = build.state === 'running';
  const queued = await scope.deps.store.queue.get(build.queueId);
  const canStop = running && scope.deps.authorizer.has(scope.principal, Permissions.ItemCancel, job);
  const canRebuild = !running && !job.settings.disabled && scope.deps.authorizer.has(scope.principal, Permissions.ItemBuild, job);
  const causes = build.causes.map(({ cause, count }) => html`<li>${describeCause(cause)}${count > 1 ? ` (${count} times)` : ''}</li>`);
  return html`<section id="summary" class="panel build-summary" data-refresh aria-labelledby="summary-title">
<h2 id="summary-title">Summary</h2>
${resultLine(build)}
${build.interruption ? html`<p>${describeInterruption(build.interruption)}.</p>` : ''}
<dl class="facts">
  <dt>Cause</dt><dd><ul class="plain">${causes}</ul></dd>
  <dt>Queued</dt><dd>${queued ? html`${timeAgo(queued.queuedAt)}, waited ${timeSpan(build.startedAt - queued.queuedAt)}` : html`<span class="muted">unknown</span>`}</dd>
  <dt>Started</dt><dd>${timeAgo(build.startedAt)}</dd>
  ${running ? html`<dt>Running for</dt><dd>${timeSpan(Date.now() - build.startedAt)}${estimate(await estimatedDuration(scope.beans(), job))}</dd>` : html`<dt>Duration</dt><dd>${timeSpan(build.durationMs)}</dd>`}
</dl>
${canStop ? html`<form method="post" action="/${buildPath(job.fullName, build.number)}stop" class="actions">${crumbField(scope)}<button type="submit" class="danger">Stop</button></form>` : ''}
${canRebuild ? html`<form method="post" action="/${buildPath(job.fullName, build.number)}rebuild" class="actions">${crumbField(scope)}<button type="submit">Rebuild</button> <span class="muted">with the same parameters</span></form>` : ''}
</section>`;
}

/** The icon carries the words for screen readers; the visible words repeat them for everyone else. */
function resultLine(build: Build): Html {
  const status = buildStatus(build);
  return html`<p class="build-result">${statusIcon(null, status)} <strong aria-hidden="true">${status.label}</strong></p>`;
}

function estimate(estimatedMs: number): Html | string {
  return estimatedMs < 0 ? '' : html` <span class="muted">(usually about ${timeSpan(estimatedMs)})</span>`;
}
