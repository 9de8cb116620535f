import { principalName } from '../../auth/principal.js';
import { DomainError } from '../../core/errors.js';
import { isParameterized, type Job } from '../../core/item.js';
import { itemPath } from '../../core/item-url.js';
import { Permissions } from '../../core/permissions.js';
import { type RequestInput, single } from '../body.js';
import type { EnqueueResult } from '../../store/types.js';
import { Refusal } from '../errors.js';
import { fromBrowser } from '../ui/page.js';
import { parametersFormPage, readParametersForm } from '../ui/parameters-form.js';
import { type Authority, principalTokenAuthority } from '../../auth/trigger-authority.js';
import { parseDelay } from '../../queue/delay.js';
import { enqueue, jsonParameters, presentedToken, suppliedParameters, tokenAuthority, triggered } from './queueing.js';
import type { Scope } from './scope.js';

const POST_REQUIRED_HINT = 'Use POST (curl -X POST …); GET is only accepted with the job\'s trigger token.';

/**
 * `…/build`, following Jenkins' `ParameterizedJobMixIn.doBuild`: a disabled job is refused (409)
 * first, a GET on a parameterized job gets 405 (a person's browser gets Jenkins' parameter form,
 * with Job/Build), then the token or the Build permission and POST are required. A parameterized job
 * takes its values from a `json` field or a raw JSON body (DESIGN §5.2), or, from a browser, from the
 * fields of that form.
 */
export async function build(scope: Scope, job: Job): Promise<Response> {
  const input = await scope.readInput();
  await crumbUnlessToken(scope, input);
  const delayMs = parseDelay(single(input, 'delay'));
  if (job.settings.disabled) throw notBuildable(job);
  const parameterized = isParameterized(job);
  if (parameterized && scope.method !== 'POST') {
    if (fromBrowser(scope)) {
      scope.check(Permissions.ItemBuild, job);
      return parametersFormPage(scope, job);
    }
    throw new Refusal('parameters_form_required', `${job.fullName} is parameterized, so /build needs a POST with the parameters.`, 'Use POST …/buildWithParameters?NAME=value, or POST …/build with json={"parameter":[{"name":"NAME","value":"value"}]}.', { Allow: 'POST' });
  }
  const authority = await authorize(scope, job, input);
  if (!parameterized) {
    const result = await enqueue(scope, job, input, authority, { parameters: null, rejectUnknownParameters: false, delayMs });
    // Jenkins answers 201 also when the request was folded into a waiting item.
    return answer(scope, job, input, result, 201);
  }
  const entries = jsonParameters(input);
  if (entries === null && fromBrowser(scope)) {
    const form = readParametersForm(job, input);
    if (form.errors.size > 0) return parametersFormPage(scope, job, form);
    const result = await enqueue(scope, job, input, authority, { parameters: form.supplied, rejectUnknownParameters: false, delayMs });
    return answer(scope, job, input, result, 303);
  }
  if (entries === null) {
    const submittedSomething = input.parameters.size > 0;
    throw new Refusal(
      submittedSomething ? 'form_expected' : 'nothing_submitted',
      submittedSomething ? 'This page expects a form submission.' : 'Nothing is submitted.',
      `${job.fullName} is parameterized: use /buildWithParameters?NAME=value, or POST /build with json={"parameter":[{"name":"NAME","value":"value"}]}.`,
    );
  }
  const result = await enqueue(scope, job, input, authority, { parameters: entries, rejectUnknownParameters: true, delayMs });
  return answer(scope, job, input, result, 303);
}

/**
 * `…/buildWithParameters`, following `doBuildWithParameters`: token or permission (and POST) first,
 * then disabled (409), then not parameterized (400). Values come from the query, a urlencoded or
 * multipart body, and optionally a `json` field; absent parameters take their defaults; unknown names
 * are ignored.
 */
export async function buildWithParameters(scope: Scope, job: Job): Promise<Response> {
  const input = await scope.readInput();
  await crumbUnlessToken(scope, input);
  const delayMs = parseDelay(single(input, 'delay'));
  const authority = await authorize(scope, job, input);
  if (job.settings.disabled) throw notBuildable(job);
  if (!isParameterized(job)) {
    throw new DomainError('job_not_parameterized', `${job.fullName} is not parameterized.`, 'Trigger it with /build instead of /buildWithParameters.');
  }
  const result = await enqueue(scope, job, input, authority, { parameters: suppliedParameters(job, input), rejectUnknownParameters: false, delayMs });
  return answer(scope, job, input, result, 303);
}

/**
 * A person's browser that submitted a form lands back on the job page, where the new build or queue
 * item shows (post-redirect-get); scripts and Jenkins clients, which never send Sec-Fetch-Mode, get
 * Jenkins' 201 with the queue item's Location.
 */
function answer(scope: Scope, job: Job, input: RequestInput, result: EnqueueResult, coalescedStatus: 201 | 303): Promise<Response> {
  if (fromBrowser(scope)) return Promise.resolve(scope.redirect(itemPath(job.fullName), 303));
  return triggered(scope, job, input, result, coalescedStatus);
}

/**
 * `…/polling`: Jenkins polls the job's source control. A job with a git source polls now (answered at
 * once; the poll builds when the branches moved, see `/job/X/scmPollLog/`); a job without one builds
 * (parameters take their defaults), so that the URL is never a dead end. The answer is Jenkins' 302 to the job.
 */
export async function polling(scope: Scope, job: Job): Promise<Response> {
  const input = await scope.readInput();
  await crumbUnlessToken(scope, input);
  const authority = await authorize(scope, job, input);
  if (job.settings.disabled) throw notBuildable(job);
  if (job.settings.scm !== null) {
    void scope.deps.scmPolling.poll(job, { kind: 'scm_change' }).catch((error: unknown) => scope.c.get('log')?.error({ err: error, job: job.fullName }, 'a poll asked for through …/polling failed'));
    return scope.redirect(itemPath(job.fullName));
  }
  await enqueue(scope, job, input, authority, { parameters: isParameterized(job) ? new Map() : null, rejectUnknownParameters: false, delayMs: parseDelay(single(input, 'delay')) });
  return scope.redirect(itemPath(job.fullName));
}

function notBuildable(job: Job): DomainError {
  return new DomainError('job_disabled', `${job.fullName} is not buildable: it is disabled.`, 'Enable the job (POST …/enable, or `disabled: false` in the config file), then trigger again.');
}

/**
 * Without a token the crumb is checked first, as Jenkins' filter does; with one, `authorize`
 * decides, because a valid job or trigger token needs no crumb (DESIGN §5.8).
 */
async function crumbUnlessToken(scope: Scope, input: RequestInput): Promise<void> {
  if (presentedToken(scope, input) === null) await scope.requireCrumb();
}

/**
 * Jenkins' `BuildAuthorizationToken.checkPermission`, with trigger tokens besides the job's own: a
 * valid token allows the trigger by any method and a wrong one is 403 even for an administrator.
 * When the job has no token of its own, a `token` that is not a trigger token is ignored and the
 * caller needs Job/Build and a POST. No token replaces Overall/Read or Job/Read, which the route
 * checked before (a trigger token making the request itself has its own, narrow, read access).
 */
async function authorize(scope: Scope, job: Job, input: RequestInput): Promise<Authority> {
  const own = principalTokenAuthority(scope.principal, job);
  if (own) return own;
  const presented = presentedToken(scope, input);
  const byToken = presented ? await tokenAuthority(scope, job, presented) : null;
  if (byToken) return byToken;
  if (presented) {
    const verdict = await scope.crumb();
    if (!verdict.ok) throw new Refusal(verdict.refusal.code, verdict.refusal.message, `${job.fullName} has no trigger token, so token= does not exempt this POST. ${verdict.refusal.hint ?? ''}`.trim());
    if (!scope.deps.authorizer.has(scope.principal, Permissions.ItemBuild, job)) {
      throw new DomainError(
        'job_token_not_set',
        `${job.fullName} has no "Trigger builds remotely" token, so token= was ignored, and ${principalName(scope.principal)} lacks the Job/Build permission it then needs.`,
        'Set a token on the job (authToken in its config.xml or the configuration file) and send that, or authenticate as a user with Job/Build.',
        Permissions.ItemBuild,
      );
    }
  }
  scope.check(Permissions.ItemBuild, job);
  if (scope.method !== 'POST') {
    throw new Refusal('method_not_allowed', 'This URL requires POST.', POST_REQUIRED_HINT, { Allow: 'POST' });
  }
  return { kind: 'permission' };
}
