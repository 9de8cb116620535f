import { html } from 'hono/html';
import { isParameterized, type Job } from '../../core/item.js';
import { itemPath } from '../../core/item-url.js';
import { Permissions } from '../../core/permissions.js';
import type { Scope } from '../jenkins/scope.js';
import type { Html } from './page.js';
import { parametersFormPath } from './parameters-form.js';

/**
 * A job row's way to build it, decided as the job page's Build Now is (job-page.ts): nothing for a
 * disabled job or without Job/Build on it; a job with parameters links to Build with Parameters; any
 * other job gets a Build button, a form that POSTs `…/build?delay=0sec` with the browser's crumb
 * (the server checks both again, and brings the browser to the job's page). The job's name is in the
 * button's accessible name, after the visible words, so that a row's button can be told from the next.
 */
export function buildControl(scope: Scope, job: Job, crumb: Html): Html {
  if (job.settings.disabled || !scope.deps.authorizer.has(scope.principal, Permissions.ItemBuild, job)) return html``;
  if (isParameterized(job)) {
    return html`<a class="button small" href="${parametersFormPath(job)}">Build with Parameters<span class="visually-hidden"> for ${job.name}</span></a>`;
  }
  return html`<form method="post" action="/${itemPath(job.fullName)}build?delay=0sec" class="inline">${crumb}<button type="submit" class="small">Build<span class="visually-hidden"> ${job.name}</span></button></form>`;
}
