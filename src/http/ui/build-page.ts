import { html } from 'hono/html';
import type { Build } from '../../core/build.js';
import type { Job } from '../../core/item.js';
import { itemPath } from '../../core/item-url.js';
import type { ActionTable } from '../jenkins/action.js';
import type { Scope } from '../jenkins/scope.js';
import { renderPage } from './page.js';
import { trailOf } from './trail.js';

/** The web interface's actions on a build. */
export function buildUiActions(job: Job, build: Build): ActionTable {
  return { '': { GET: (scope) => buildPage(scope, job, build) } };
}

async function buildPage(scope: Scope, job: Job, build: Build): Promise<Response> {
  return renderPage(scope, {
    title: `${job.name} #${build.number}`,
    trail: [...trailOf(job.fullName), [job.name, `/${itemPath(job.fullName)}`]],
    body: html`<p>Result: ${build.result ?? 'running'}</p>`,
  });
}
