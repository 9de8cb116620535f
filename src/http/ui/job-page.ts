import { html } from 'hono/html';
import type { Job } from '../../core/item.js';
import type { ActionTable } from '../jenkins/action.js';
import type { Scope } from '../jenkins/scope.js';
import { renderPage } from './page.js';
import { trailOf } from './trail.js';

/** The web interface's actions on a job. */
export function jobUiActions(job: Job): ActionTable {
  return { '': { GET: (scope) => jobPage(scope, job) } };
}

async function jobPage(scope: Scope, job: Job): Promise<Response> {
  return renderPage(scope, {
    title: job.name,
    trail: trailOf(job.fullName),
    body: html`${job.settings.description ? html`<p class="description">${job.settings.description}</p>` : ''}`,
  });
}
