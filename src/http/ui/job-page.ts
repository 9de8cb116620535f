import { html } from 'hono/html';
import { isParameterized, type Job } from '../../core/item.js';
import { itemPath } from '../../core/item-url.js';
import { Permissions } from '../../core/permissions.js';
import type { ActionTable } from '../jenkins/action.js';
import { jobColor } from '../jenkins/beans/item.js';
import type { Scope } from '../jenkins/scope.js';
import { statusWithWords } from './format.js';
import { historyTable, jobQueue } from './job-history.js';
import { jobRelations } from './job-relations.js';
import { crumbField, type Html, renderPage } from './page.js';
import { parametersFormPath } from './parameters-form.js';
import { renameForm } from './rename-form.js';
import { trailOf } from './trail.js';
import { type TokenFormState, triggerPanel } from './trigger-panel.js';
import { createTriggerToken, revokeTriggerToken } from './trigger-token-actions.js';

/**
 * The web interface's actions on a job: its page, and its trigger tokens (made and revoked from the
 * "Trigger remotely" panel). The Build with Parameters form is Jenkins' `GET …/build`, answered in
 * src/http/jenkins/triggers.ts.
 */
export function jobUiActions(job: Job): ActionTable {
  return {
    '': { GET: (scope) => jobPage(scope, job, {}, 200) },
    triggerTokens: {
      // A reload of the token form's answer, or the page script's refresh of it, shows the page again (without the value).
      GET: async (scope) => scope.redirect(itemPath(job.fullName), 303),
      POST: (scope) => createTriggerToken(scope, job, (state, status) => jobPage(scope, job, state, status)),
    },
    'triggerTokens/revoke': { POST: (scope) => revokeTriggerToken(scope, job) },
  };
}

async function jobPage(scope: Scope, job: Job, tokenForm: TokenFormState, status: 200 | 400): Promise<Response> {
  const color = await jobColor(job, (name) => scope.deps.store.builds.latest(job.id, name));
  const relations = await jobRelations(scope, job);
  return renderPage(scope, {
    title: job.name,
    trail: trailOf(job.fullName),
    status,
    // The token form is refused only for a setting out of range (trigger-token-actions.ts).
    reason: 'config_invalid',
    body: html`<p class="job-status" id="job-status" data-refresh>${statusWithWords(color)}</p>
${job.settings.description ? html`<p class="description">${job.settings.description}</p>` : ''}
${job.settings.disabled ? disabledNotice(scope, job) : ''}
${ignoredSettingsNotice(job)}
${pollingNote(job)}
${jobActions(scope, job)}
<section aria-labelledby="history-title"><h2 id="history-title">Build history</h2>${jobQueue(scope, job)}${historyTable(scope, job)}</section>
${relations}
${triggerPanel(scope, job, tokenForm)}
${renameForm(scope, job)}
${deleteForm(scope, job)}`,
  });
}

/** A job that polls its repository links to the log of its last poll, where "why did it (not) build?" is answered. */
function pollingNote(job: Job): Html | '' {
  if (job.settings.pollSpec === null && !job.settings.githubPushTrigger) return '';
  const when = job.settings.pollSpec ? html`on the schedule <code>${job.settings.pollSpec}</code> and ` : '';
  return html`<p class="hint" id="polling">Polls its repository ${when}when a push notification names it: <a href="/${itemPath(job.fullName)}scmPollLog/">Git Polling Log</a></p>`;
}

/** What of the job's config.xml Steward keeps but does not run, said where a person looks at the job. */
export function ignoredSettingsNotice(job: Job): Html | '' {
  const ignored = job.settings.ignoredSettings;
  if (ignored.length === 0) return '';
  return html`<div class="notice" id="ignored-settings"><p>Steward keeps but does not run ${ignored.length === 1 ? 'this setting' : 'these settings'} of this job's config.xml: each build runs without ${ignored.length === 1 ? 'it' : 'them'}, and its log says so.</p><ul>${ignored.map((setting) => html`<li><code>${setting}</code></li>`)}</ul><p class="hint">Steward's docs/jenkins-compat.md lists, element by element, what of a config.xml it runs.</p></div>`;
}

function disabledNotice(scope: Scope, job: Job): Html {
  const canEnable = scope.deps.authorizer.has(scope.principal, Permissions.ItemConfigure, job);
  return html`<div class="notice"><p>This job is disabled: it keeps its history, but no trigger can start it.</p>${
    canEnable ? html`<form method="post" action="/${itemPath(job.fullName)}enable" class="inline">${crumbField(scope)}<button type="submit" class="primary">Enable</button></form>` : ''
  }</div>`;
}

/** The buttons and links the caller may use; the server checks each again when it is used. */
function jobActions(scope: Scope, job: Job): Html {
  const may = (permission: (typeof Permissions)[keyof typeof Permissions]) => scope.deps.authorizer.has(scope.principal, permission, job);
  const base = `/${itemPath(job.fullName)}`;
  const build =
    !job.settings.disabled && may(Permissions.ItemBuild)
      ? isParameterized(job)
        ? html`<a class="button primary" href="${parametersFormPath(job)}">Build with Parameters</a>`
        : html`<form method="post" action="${base}build?delay=0sec" class="inline">${crumbField(scope)}<button type="submit" class="primary">Build Now</button></form>`
      : '';
  const configure = may(Permissions.ItemConfigure);
  return html`<div class="actions">${build}${configure ? html`<a class="button" href="${base}configure">Configure</a>` : ''}${
    scope.deps.authorizer.has(scope.principal, Permissions.Administer) ? html`<a class="button" href="${base}security">Permissions</a>` : ''
  }${configure && !job.settings.disabled ? html`<form method="post" action="${base}disable" class="inline">${crumbField(scope)}<button type="submit">Disable</button></form>` : ''}</div>`;
}

/** Deleting takes two steps without any script: open the section, then press the button that names the job. */
function deleteForm(scope: Scope, job: Job): Html {
  if (!scope.deps.authorizer.has(scope.principal, Permissions.ItemDelete, job)) return html``;
  return html`<details class="danger-zone"><summary>Delete this job</summary>
<form method="post" action="/${itemPath(job.fullName)}doDelete">${crumbField(scope)}<p>Deleting ${job.name} removes its builds, their logs and its workspace. This cannot be undone.</p><button type="submit" class="danger">Delete job ${job.name}</button></form>
</details>`;
}
