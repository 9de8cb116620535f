import { html } from 'hono/html';
import type { Job } from '../../core/item.js';
import { itemPath } from '../../core/item-url.js';
import type { Scope } from '../jenkins/scope.js';
import { renderPage } from './page.js';
import { trailOf } from './trail.js';

/**
 * `/job/X/scmPollLog/`: the log of the job's last poll of its repository (Jenkins' "Git Polling Log"),
 * saying when it ran, what `git ls-remote` answered, which branches moved and whether a build started.
 * `…/scmPollLog/pollingLog` is the same text for scripts. Job/Read, as the job page.
 */
export async function scmPollLogPage(scope: Scope, job: Job): Promise<Response> {
  const last = await scope.deps.scmPolling.last(job);
  return renderPage(scope, {
    title: `Git Polling Log of ${job.fullName}`,
    trail: [...trailOf(job.fullName), [job.name, `/${itemPath(job.fullName)}`], ['Git Polling Log', `/${itemPath(job.fullName)}scmPollLog/`]],
    body: last
      ? html`<p>Last polled ${new Date(last.polledAt).toISOString()}. <a href="/${itemPath(job.fullName)}scmPollLog/pollingLog">As text</a></p><pre class="console">${last.log}</pre>`
      : html`<p class="muted">${job.settings.pollSpec === null ? 'This job does not poll its repository (it has no "Poll SCM" trigger).' : 'This job has not polled its repository yet.'}</p>`,
  });
}

export async function scmPollLogText(scope: Scope, job: Job): Promise<Response> {
  const last = await scope.deps.scmPolling.last(job);
  return new Response(last?.log ?? '', { status: 200, headers: { 'Content-Type': 'text/plain;charset=UTF-8' } });
}
