import { html } from 'hono/html';
import type { Build } from '../../core/build.js';
import type { Job } from '../../core/item.js';
import { buildPath, itemPath } from '../../core/item-url.js';
import type { ParameterValue } from '../../core/parameters.js';
import type { ActionTable } from '../jenkins/action.js';
import { progressiveHtml } from '../jenkins/builds.js';
import type { Scope } from '../jenkins/scope.js';
import { buildConsole } from './build-console.js';
import { buildSummary } from './build-summary.js';
import { buildSourceSection } from './build-source.js';
import { type Html, renderPage } from './page.js';
import { trailOf } from './trail.js';

/** The web interface's actions on a build: its page, and the console as HTML for the page script. */
export function buildUiActions(job: Job, build: Build): ActionTable {
  return {
    '': { GET: (scope) => buildPage(scope, job, build) },
    // The URL Jenkins' own links, notifications and bookmarks use for a build's console.
    console: { GET: (scope) => buildPage(scope, job, build) },
    consoleFull: { GET: (scope) => buildPage(scope, job, build) },
    'logText/progressiveHtml': { GET: (scope) => progressiveHtml(scope, job, build), POST: (scope) => progressiveHtml(scope, job, build) },
  };
}

/** What a password parameter shows instead of its value, which the page never has. */
const PASSWORD_MASK = '••••••';
/** The page script's own re-reads (`data-refresh`) need only the parts it swaps, not the console. */
const REFRESH_HEADER = 'x-steward-refresh';

async function buildPage(scope: Scope, job: Job, build: Build): Promise<Response> {
  const refreshing = scope.c.req.header(REFRESH_HEADER) !== undefined;
  return renderPage(scope, {
    title: `${job.name} #${build.number}`,
    trail: [...trailOf(job.fullName), [job.name, `/${itemPath(job.fullName)}`]],
    body: html`${neighbours(scope, job, build)}
${buildSummary(scope, job, build)}
${scope.deps.store.sources.get(job.id, build.number).then(buildSourceSection)}
${build.parameters && build.parameters.length > 0 ? parametersTable(build.parameters) : ''}
${refreshing ? '' : buildConsole(scope, job, build)}`,
  });
}

function parametersTable(values: readonly ParameterValue[]): Html {
  const rows = values.map((value) => html`<tr><th scope="row">${value.name}</th><td class="parameter-value">${parameterText(value)}</td></tr>`);
  return html`<section aria-labelledby="parameters-title"><h2 id="parameters-title">Parameters</h2>
<table class="parameters"><thead><tr><th scope="col">Name</th><th scope="col">Value</th></tr></thead><tbody>${rows}</tbody></table></section>`;
}

function parameterText(value: ParameterValue): Html | string {
  if (value.type === 'password') return html`<span aria-hidden="true">${PASSWORD_MASK}</span><span class="visually-hidden">(a password, not shown)</span>`;
  return String(value.value);
}

/** How far to look past deleted builds for the previous or next one. */
const NEIGHBOUR_REACH = 50;

/** Links to the previous and next builds of the job, skipping deleted ones. */
async function neighbours(scope: Scope, job: Job, build: Build): Promise<Html> {
  const builds = scope.deps.store.builds;
  const find = async (step: -1 | 1): Promise<Build | null> => {
    for (let number = build.number + step, tries = 0; number > 0 && number < job.nextBuildNumber && tries < NEIGHBOUR_REACH; number += step, tries += 1) {
      const found = await builds.get(job.id, number);
      if (found) return found;
    }
    return null;
  };
  const [previous, next] = await Promise.all([find(-1), find(1)]);
  if (!previous && !next) return html``;
  const link = (other: Build | null, label: string, rel: string) =>
    other ? html`<a href="/${buildPath(job.fullName, other.number)}" rel="${rel}">${label} (#${other.number})</a>` : '';
  return html`<nav aria-label="Other builds" class="actions build-neighbours">${link(previous, 'Previous build', 'prev')}${link(next, 'Next build', 'next')}</nav>`;
}
