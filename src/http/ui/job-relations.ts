import { html } from 'hono/html';
import type { Job } from '../../core/item.js';
import { itemPath } from '../../core/item-url.js';
import { Permissions } from '../../core/permissions.js';
import type { Scope } from '../jenkins/scope.js';
import type { Html } from './page.js';

/**
 * Jenkins' "Upstream Projects" and "Downstream Projects" on a job's page: the jobs whose finished
 * builds start this one, and those this one's start, read through the job's edges, only those the
 * caller may read. Nothing when there are none.
 */
export async function jobRelations(scope: Scope, job: Job): Promise<Html | ''> {
  const { items } = scope.deps.store;
  const [upstream, downstream] = await Promise.all([
    readable(scope, (await items.upstreamOf(job.id)).map((edge) => edge.upstreamId)),
    readable(scope, (await items.downstreamOf(job.id)).map((edge) => edge.downstreamId)),
  ]);
  if (upstream.length === 0 && downstream.length === 0) return '';
  const list = (id: string, title: string, jobs: readonly Job[]) =>
    jobs.length === 0 ? '' : html`<section aria-labelledby="${id}"><h2 id="${id}">${title}</h2><ul>${jobs.map((other) => html`<li><a href="/${itemPath(other.fullName)}">${other.fullName}</a></li>`)}</ul></section>`;
  return html`${list('upstream-title', 'Upstream projects', upstream)}${list('downstream-title', 'Downstream projects', downstream)}`;
}

async function readable(scope: Scope, ids: readonly number[]): Promise<Job[]> {
  const found = await Promise.all([...new Set(ids)].map((id) => scope.deps.store.items.get(id)));
  return found
    .filter((item): item is Job => item?.kind === 'job' && scope.deps.authorizer.has(scope.principal, Permissions.ItemRead, item))
    .sort((a, b) => (a.fullName < b.fullName ? -1 : a.fullName > b.fullName ? 1 : 0));
}
