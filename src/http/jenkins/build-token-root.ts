import { ANONYMOUS, type Principal } from '../../auth/principal.js';
import { DomainError } from '../../core/errors.js';
import { isParameterized, type Job } from '../../core/item.js';
import { Permissions } from '../../core/permissions.js';
import { covers } from '../../core/trigger-token.js';
import { type RequestInput, single } from '../body.js';
import { Refusal } from '../errors.js';
import { type Authority, invalidToken, principalTokenAuthority } from '../../auth/trigger-authority.js';
import { parseDelay } from '../../queue/delay.js';
import { enqueue, presentedToken, suppliedParameters, tokenAuthority, triggered } from './queueing.js';
import type { Scope } from './scope.js';

const ACTIONS = new Set(['build', 'buildWithParameters', 'polling']);

/**
 * The Build Authorization Token Root plugin's URLs, `/buildByToken/{build,buildWithParameters,polling}`
 * with `job=FULL/NAME` and `token=…` (query or form; also `X-Steward-Token` or `Authorization: Bearer`),
 * GET or POST, without a user, a crumb or read access. In the plugin's order: an unknown job and a job
 * without any token are the same 404; then the token (403 when wrong); then not buildable and the
 * wrong endpoint kind (400); then the trigger, answered 201, or 303 when folded into a waiting item.
 * A session cookie gives no authority here (no ambient credentials on a crumb-free URL).
 */
export async function serveBuildByToken(scope: Scope, action: string | undefined): Promise<Response | null> {
  if (action === undefined || !ACTIONS.has(action)) return null;
  const input = await scope.readInput();
  const job = await findJob(scope, input);
  const authority = await authorize(scope, job, input);
  if (job.settings.disabled) {
    throw new DomainError('job_not_buildable', `${job.fullName} is not buildable: it is disabled.`, 'Enable the job (POST /job/…/enable, or `disabled: false` in the configuration file), then trigger again.');
  }
  const parameterized = isParameterized(job);
  if (action === 'build' && parameterized) {
    throw new DomainError('job_parameterized', 'Use /buildByToken/buildWithParameters for this job since it takes parameters.', `Send its parameters as NAME=value next to job= and token=.`);
  }
  if (action === 'buildWithParameters' && !parameterized) {
    throw new DomainError('job_not_parameterized', 'Use /buildByToken/build for this job since it takes no parameters.', 'Call /buildByToken/build with the same job= and token=.');
  }
  const delayMs = parseDelay(single(input, 'delay'));
  const parameters = parameterized ? (action === 'buildWithParameters' ? suppliedParameters(job, input) : new Map<string, string[]>()) : null;
  const result = await enqueue(scope, job, input, authority, { parameters, rejectUnknownParameters: false, delayMs });
  if (action !== 'polling') return triggered(scope, job, input, result, 303);
  // The plugin answers polling with 200 "Scheduled."; Steward has no SCM to poll and builds instead.
  const answer = await triggered(scope, job, input, result, 201);
  return new Response(answer.headers.get('content-type')?.startsWith('application/json') ? answer.body : 'Scheduled.\n', {
    status: 200,
    headers: withoutStatusHeaders(answer.headers),
  });
}

function withoutStatusHeaders(headers: Headers): Headers {
  const copy = new Headers(headers);
  copy.delete('content-length');
  if (!copy.has('content-type')) copy.set('Content-Type', 'text/plain;charset=UTF-8');
  return copy;
}

/**
 * The job named by `job=` (a full name, `folder/job`), when it takes a token: its own or a trigger
 * token's. Anything else is the same 404, so that a caller without the token learns nothing.
 */
async function findJob(scope: Scope, input: RequestInput): Promise<Job> {
  const name = single(input, 'job');
  if (name === undefined || name.trim() === '') {
    throw new Refusal('parameter_missing', 'job= is required.', 'Name the job by its full name: /buildByToken/build?job=FOLDER/NAME&token=TOKEN.');
  }
  const item = await scope.deps.items.find(name.trim());
  if (item?.kind === 'job' && (item.settings.remoteToken !== null || (await scope.deps.triggerTokens.list()).some((token) => covers(token, item)))) return item;
  throw new DomainError('item_not_found', `No job "${name}" takes a trigger token here.`, 'Check job= (the full name, e.g. folder/job) and that the job has a trigger token.');
}

/**
 * The plugin hands the request to core's check: a token decides when one is sent; without one the
 * caller (its Basic credentials, never a session cookie) needs Job/Build and a POST.
 */
async function authorize(scope: Scope, job: Job, input: RequestInput): Promise<Authority> {
  const own = principalTokenAuthority(scope.principal, job);
  if (own) return own;
  const presented = presentedToken(scope, input);
  if (presented) {
    const authority = await tokenAuthority(scope, job, presented);
    if (authority) return authority;
    await scope.deps.authenticator.failed(scope.address);
    throw invalidToken(job);
  }
  const requester: Principal = scope.principal.kind === 'user' && scope.principal.credential.kind === 'session' ? ANONYMOUS : scope.principal;
  if (!scope.deps.authorizer.has(requester, Permissions.ItemBuild, job)) {
    const refusal = scope.deps.authorizer.refusal(requester, Permissions.ItemBuild, job);
    throw new DomainError(refusal.code, `${refusal.message} No token was sent.`, `Send the job's token: /buildByToken/build?job=${job.fullName}&token=TOKEN.`, Permissions.ItemBuild);
  }
  if (scope.method !== 'POST') throw new Refusal('method_not_allowed', 'This URL requires POST.', 'Use POST, or send the job\'s token (then GET works too).', { Allow: 'POST' });
  return { kind: 'permission' };
}
