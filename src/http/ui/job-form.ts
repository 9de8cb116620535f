import { bindingVariables } from '../../core/binding.js';
import { html } from 'hono/html';
import { isParameterized, type Job } from '../../core/item.js';
import { itemPath } from '../../core/item-url.js';
import { Permissions } from '../../core/permissions.js';
import { single } from '../body.js';
import type { Scope } from '../jenkins/scope.js';
import { checkbox, select, textArea, textField } from './fields.js';
import { attempt, type FormErrors, inputId, NO_ERRORS } from './item-form-errors.js';
import { applyEdit, draftFromForm, draftOf, type JobDraft, PARAMETER_TYPES } from './job-form-draft.js';
import { parameterRow, stepRow } from './job-form-rows.js';
import { labelExpressionField } from './job-form-labels.js';
import { jobInputOf, passwordIsSet, settingsOf } from './job-form-settings.js';
import { configureFormPage } from './item-form-page.js';
import type { Html } from './page.js';

/** `GET …/configure` of a job: its settings as a form. */
export async function configureJobPage(scope: Scope, job: Job): Promise<Response> {
  scope.check(Permissions.ItemConfigure, job);
  return jobForm(scope, job, draftOf(job.settings), NO_ERRORS, 200);
}

/**
 * `POST …/configure`: the add and remove buttons re-render the form with the change; Save writes
 * the settings through the same service and checks as a config.xml write, then goes back to the job.
 * A form write is a native write: it changes only the settings, and the document the job was last
 * written from through the Jenkins API stays as it was (its other settings survive a round trip).
 */
export async function saveJobForm(scope: Scope, job: Job): Promise<Response> {
  scope.check(Permissions.ItemConfigure, job);
  const input = await scope.readInput();
  const draft = draftFromForm(input);
  const edit = single(input, 'edit');
  if (edit !== undefined) {
    const edited = applyEdit(draft, edit, single(input, 'newParameterType'));
    if (edited) return jobForm(scope, job, edited, NO_ERRORS, 200);
  }
  const parsed = settingsOf(draft, job, scope.deps.secrets);
  if (!parsed.ok) return jobForm(scope, job, draft, parsed.errors, 400);
  const saved = await attempt(() => scope.deps.items.update(job, parsed.settings, job.sourceConfig, scope.configurer()), jobInputOf);
  if (!saved.ok) return jobForm(scope, job, draft, saved.errors, 400);
  return scope.redirect(itemPath(job.fullName), 303);
}

/** Jenkins' words for the thresholds of both build triggers. */
const THRESHOLD_CHOICES = [
  ['SUCCESS', 'Trigger only if the build is stable'],
  ['UNSTABLE', 'Trigger even if the build is unstable'],
  ['FAILURE', 'Trigger even if the build fails'],
] as const;

async function jobForm(scope: Scope, job: Job, draft: JobDraft, errors: FormErrors, status: 200 | 400): Promise<Response> {
  const error = (name: string) => errors.fields.get(name) ?? null;
  const field = (name: string, label: string, hint?: string) => ({ name, id: inputId(name), label, error: error(name), ...(hint ? { hint } : {}) });
  const rows = { errors: errors.fields, passwordSet: (keep: string) => passwordIsSet(job, keep, scope.deps.secrets) };
  return configureFormPage(
    scope,
    job,
    errors,
    status,
    html`  <section aria-labelledby="general-title">
    <h2 id="general-title">General</h2>
    ${textArea({ ...field('description', 'Description', "Shown on the job's page, as text."), value: draft.description, rows: 3 })}
    ${checkbox({ ...field('disabled', 'Disabled', 'A disabled job keeps its builds but cannot be triggered.'), checked: draft.disabled })}
    ${checkbox({ ...field('concurrentBuild', 'Run builds concurrently', 'Otherwise one build runs at a time and later ones wait for it.'), checked: draft.concurrentBuild })}
    ${await labelExpressionField(scope, draft.labelExpression, error('labelExpression'))}
    ${textField({ ...field('retryOnAgentLoss', 'Retries after a lost agent', 'When the agent running a build goes offline or restarts, queue the build again this many times, each with a cause naming the lost build. Empty: never.'), value: draft.retryOnAgentLoss })}
  </section>
  <section aria-labelledby="parameters-title">
    <h2 id="parameters-title">Parameters</h2>
    <p class="hint">Each parameter becomes an environment variable of the steps; a job with parameters is started with Build with Parameters (buildWithParameters).</p>
    ${draft.parameters.length === 0 ? html`<p class="muted">No parameters.</p>` : draft.parameters.map((row, index) => parameterRow(row, index, rows))}
    <div class="actions add-row">
      ${select({ name: 'newParameterType', id: 'newParameterType', label: 'Type of the new parameter', choices: PARAMETER_TYPES, value: 'string' })}
      <button type="submit" name="edit" value="add-parameter">Add parameter</button>
    </div>
  </section>
  <section aria-labelledby="steps-title">
    <h2 id="steps-title">Build steps</h2>
    ${draft.steps.length === 0 ? html`<p class="muted">No steps: a build does nothing.</p>` : draft.steps.map((step, index) => stepRow(step, index, errors.fields))}
    <div class="actions"><button type="submit" name="edit" value="add-step">Add step</button></div>
  </section>
  <section aria-labelledby="scm-title">
    <h2 id="scm-title">Source Code Management: Git</h2>
    ${textField({ ...field('scmUrl', 'Repository URL', 'Checked out into the workspace before the steps run: https://host/org/app.git, git@host:org/app.git or file:///path. Empty: no source control.'), value: draft.scmUrl })}
    ${textField({ ...field('scmBranch', 'Branch specifier', 'Which branch to build: */main, origin/release-*, refs/tags/v1 or a commit. Empty: any branch (**).'), value: draft.scmBranch })}
    ${textField({ ...field('scmCredentialsId', 'Credentials id', 'The id of the credential the repository is reached with (a username and password or token, or an SSH key). Empty: none.'), value: draft.scmCredentialsId })}
  </section>
  ${bindingsSection(job)}
  <section aria-labelledby="triggers-title">
    <h2 id="triggers-title">Triggers and the queue</h2>
    ${textArea({ ...field('timerSpec', 'Build periodically', 'A schedule in Jenkins\' cron syntax, one per line: MINUTE HOUR DAY MONTH WEEKDAY, with H to spread the load (H 2 * * 1-5: once between 02:00 and 02:59 on weekdays; H/15 * * * *: every quarter hour), @daily, and TZ=Europe/Berlin as the first line. Empty: never.'), value: draft.timerSpec, rows: 2 })}
    ${textArea({ ...field('pollSpec', 'Poll SCM', "A schedule in the same syntax on which the job's repository is asked whether its branches moved; a build starts when they did (H/5 * * * *: every five minutes). Empty: no polling, unless the job's config.xml asks to poll on push notifications only."), value: draft.pollSpec, rows: 2 })}
    ${textField({ ...field('upstreamTrigger.projects', 'Build after other projects are built', "Jobs whose finished builds start this one, comma-separated, relative to this job's folder (/name: a full name). Empty: none."), value: draft.upstreamProjects })}
    ${select({ ...field('upstreamTrigger.threshold', 'When they finish'), choices: THRESHOLD_CHOICES, value: draft.upstreamThreshold })}
    ${textField({ ...field('downstreamTrigger.projects', 'Build other projects', "Jobs a finished build of this one starts, comma-separated, relative to this job's folder; you need Job/Build on each. Empty: none."), value: draft.downstreamProjects })}
    ${select({ ...field('downstreamTrigger.threshold', 'When this one finishes'), choices: THRESHOLD_CHOICES, value: draft.downstreamThreshold })}
    ${textField({ ...field('quietPeriodSeconds', 'Quiet period (seconds)', "How long a trigger waits before its build may start. Empty: the server's default."), value: draft.quietPeriodSeconds })}
    ${checkbox({ ...field('coalesce', 'Coalesce identical triggers', 'A trigger with the same parameters as one still waiting joins it, instead of queueing a build of its own.'), checked: draft.coalesce })}
    ${textField({ ...field('maxQueued', 'Most queued builds', "How many builds of this job may wait in the queue. Empty: the server's default."), value: draft.maxQueued })}
    ${remoteTokenFields(scope, job, draft)}
  </section>
  <section aria-labelledby="limits-title">
    <h2 id="limits-title">Timeout and retention</h2>
    ${textField({ ...field('timeout', 'Timeout', 'A duration such as 30s, 10min or 2h; a build running longer is aborted. Empty: no limit.'), value: draft.timeout })}
    ${textField({ ...field('retention.maxBuilds', 'Builds to keep', 'Older completed builds are deleted. Empty: any number.'), value: draft.maxBuilds })}
    ${textField({ ...field('retention.maxDays', 'Days to keep builds', 'Completed builds older than this are deleted. Empty: any age.'), value: draft.maxDays })}
  </section>`,
  );
}

/** "Trigger builds remotely": whether the job has its own token, never the token itself (only its digest is stored). */
function remoteTokenFields(scope: Scope, job: Job, draft: JobDraft): Html {
  const set = job.settings.remoteToken !== null;
  const retype = draft.newToken !== '' ? ' The token you typed was not kept: type it again.' : '';
  return html`<fieldset class="form-row">
  <legend>Trigger builds remotely</legend>
  <p id="remote-token-state">${set ? 'A token is set. It is stored only as a digest and cannot be shown.' : 'No token is set: only users with Job/Build can trigger this job.'}</p>
  <p class="hint">Scripts then trigger with <code>${scope.rootUrl}${itemPath(job.fullName)}${isParameterized(job) ? 'buildWithParameters' : 'build'}?token=TOKEN</code> (plus their user's API token, unless they use /buildByToken).</p>
  ${textField({ name: 'remoteToken.value', id: 'remoteToken-value', label: set ? 'New token' : 'Token', type: 'password', value: '', autocomplete: 'new-password', hint: `${set ? 'Type a value to replace the current token.' : 'Type a value to allow triggering with it.'}${retype}` })}
  ${set ? checkbox({ name: 'remoteToken.remove', id: 'remoteToken-remove', label: 'Remove the token', checked: draft.removeToken }) : ''}
</fieldset>`;
}

/** The job's bindings, shown and kept: they are set through config.xml or the configuration file (docs/credentials.md). */
function bindingsSection(job: Job): Html | '' {
  const { bindings } = job.settings;
  if (bindings.length === 0) return '';
  return html`<section aria-labelledby="bindings-title">
    <h2 id="bindings-title">Credentials bound</h2>
    <p class="hint">Set through config.xml (SecretBuildWrapper) or the configuration file; saving this form keeps them. Each value is masked in the build's log.</p>
    <ul>${bindings.map((binding) => html`<li><code>${binding.credentialsId}</code> as ${bindingVariables(binding).join(', ')} (${binding.kind})</li>`)}</ul>
  </section>`;
}
