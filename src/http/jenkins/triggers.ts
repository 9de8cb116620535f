import { principalName } from '../../auth/principal.js';
import type { Cause } from '../../core/cause.js';
import { DomainError } from '../../core/errors.js';
import { isParameterized, type Job } from '../../core/item.js';
import { itemPath, queueItemPath } from '../../core/item-url.js';
import { Permissions } from '../../core/permissions.js';
import type { TriggerRequest } from '../../queue/trigger.js';
import type { EnqueueResult } from '../../store/types.js';
import { type RequestInput, single } from '../body.js';
import { Refusal } from '../errors.js';
import { parseDelay } from './delay.js';
import type { Scope } from './scope.js';

const POST_REQUIRED_HINT = 'Use POST (curl -X POST …); GET is only accepted with the job\'s trigger token.';

/** What allowed a trigger: the caller's Job/Build permission, or the job's "Trigger builds remotely" token. */
type Authority = { readonly kind: 'permission' } | { readonly kind: 'job_token'; readonly inQuery: boolean };

/**
 * `…/build`, following Jenkins' `ParameterizedJobMixIn.doBuild`: a disabled job is refused (409)
 * first, a GET on a parameterized job gets 405 (Jenkins shows its parameter form), then the token or
 * the Build permission and POST are required. A parameterized job takes its values from a `json`
 * field or a raw JSON body (DESIGN §5.2).
 */
export async function build(scope: Scope, job: Job): Promise<Response> {
  const input = await scope.readInput();
  await crumbUnlessToken(scope, input);
  const delayMs = parseDelay(single(input, 'delay'));
  if (job.settings.disabled) throw notBuildable(job);
  const parameterized = isParameterized(job);
  if (parameterized && scope.method !== 'POST') {
    throw new Refusal('parameters_form_required', `${job.fullName} is parameterized, so /build needs a POST with the parameters.`, 'Use POST …/buildWithParameters?NAME=value, or POST …/build with json={"parameter":[{"name":"NAME","value":"value"}]}.', { Allow: 'POST' });
  }
  const authority = await authorize(scope, job, input);
  if (!parameterized) {
    const result = await enqueue(scope, job, input, authority, { parameters: null, rejectUnknownParameters: false, delayMs });
    // Jenkins answers 201 also when the request was folded into a waiting item.
    return triggered(scope, result, 201);
  }
  const entries = jsonParameters(input);
  if (entries === null) {
    const submittedSomething = input.parameters.size > 0;
    throw new Refusal(
      submittedSomething ? 'form_expected' : 'nothing_submitted',
      submittedSomething ? 'This page expects a form submission.' : 'Nothing is submitted.',
      `${job.fullName} is parameterized: use /buildWithParameters?NAME=value, or POST /build with json={"parameter":[{"name":"NAME","value":"value"}]}.`,
    );
  }
  const result = await enqueue(scope, job, input, authority, { parameters: entries, rejectUnknownParameters: true, delayMs });
  return triggered(scope, result, 303);
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
  return triggered(scope, result, 303);
}

/**
 * `…/polling`: Jenkins polls the job's source control. Steward jobs have none, so polling builds the
 * job (parameters take their defaults), so that the URL is never a dead end; the answer is Jenkins'
 * 302 to the job.
 */
export async function polling(scope: Scope, job: Job): Promise<Response> {
  const input = await scope.readInput();
  await crumbUnlessToken(scope, input);
  const authority = await authorize(scope, job, input);
  if (job.settings.disabled) throw notBuildable(job);
  await enqueue(scope, job, input, authority, { parameters: isParameterized(job) ? new Map() : null, rejectUnknownParameters: false, delayMs: parseDelay(single(input, 'delay')) });
  return scope.redirect(itemPath(job.fullName));
}

/** Values for the job's declared parameters from the request; names it does not declare are ignored. */
function suppliedParameters(job: Job, input: RequestInput): Map<string, string[]> {
  const supplied = new Map<string, string[]>();
  for (const definition of job.settings.parameters) {
    const values = input.parameters.get(definition.name);
    if (values) supplied.set(definition.name, [...values]);
  }
  for (const [name, values] of jsonParameters(input) ?? []) {
    if (supplied.has(name)) {
      throw new DomainError('parameter_invalid', `Parameter ${name} was given both as a field and inside json.`, 'Send each parameter once.');
    }
    supplied.set(name, [...values]);
  }
  return supplied;
}

function notBuildable(job: Job): DomainError {
  return new DomainError('job_disabled', `${job.fullName} is not buildable: it is disabled.`, 'Enable the job (POST …/enable, or `disabled: false` in the config file), then trigger again.');
}

/**
 * Without a `token` the crumb is checked first, as Jenkins' filter does; with one, `authorize`
 * decides, because a valid job token needs no crumb (DESIGN §5.8).
 */
async function crumbUnlessToken(scope: Scope, input: RequestInput): Promise<void> {
  if (single(input, 'token') === undefined) await scope.requireCrumb();
}

/**
 * Jenkins' `BuildAuthorizationToken.checkPermission`: when the job has a token and the request sends
 * one, a match allows the trigger by any method and a mismatch is 403 even for an administrator.
 * Otherwise a `token` is ignored and the caller needs Job/Build and a POST. A job token never
 * replaces Overall/Read or Job/Read, which the route checked before.
 */
async function authorize(scope: Scope, job: Job, input: RequestInput): Promise<Authority> {
  const token = single(input, 'token');
  const stored = job.settings.remoteToken;
  if (stored && token !== undefined) {
    scope.deps.authenticator.checkAllowed(scope.address);
    if (scope.deps.secrets.matches(token, stored.digest)) return { kind: 'job_token', inQuery: scope.url.searchParams.has('token') };
    scope.deps.authenticator.failed(scope.address);
    throw new DomainError(
      'job_token_invalid',
      'Invalid token provided.',
      `The token does not match the "Trigger builds remotely" token of ${job.fullName}; ask someone with Job/Configure on it for the current one.`,
    );
  }
  if (token !== undefined) {
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

/** Queues the trigger, its cause naming the user or the remote host, its audit event in the same commit. */
function enqueue(
  scope: Scope,
  job: Job,
  input: RequestInput,
  authority: Authority,
  request: Pick<TriggerRequest, 'parameters' | 'rejectUnknownParameters' | 'delayMs'>,
): Promise<EnqueueResult> {
  const byToken = authority.kind === 'job_token';
  const cause: Cause = byToken ? { kind: 'remote', address: scope.address, note: single(input, 'cause') ?? null } : scope.userCause();
  const audit = scope.audit({
    action: 'trigger',
    outcome: 'accepted',
    item: job.fullName,
    ...(byToken ? { credential: 'job_token', detail: { jobToken: true, tokenInQuery: authority.inQuery } } : {}),
  });
  return scope.deps.triggers.trigger({ job, ...request, cause, audit });
}

/** 201 + Location for a new item; `coalescedStatus` when folded into a waiting one. */
function triggered(scope: Scope, result: EnqueueResult, coalescedStatus: 201 | 303): Response {
  const location = scope.requestBase + queueItemPath(result.queueId);
  const status = result.created ? 201 : coalescedStatus;
  const wantsJson = (scope.c.req.header('accept') ?? '').includes('application/json');
  if (!wantsJson) return new Response(null, { status, headers: { Location: location, 'Content-Length': '0' } });
  const body = { queueId: result.queueId, queueUrl: location, build: null, coalesced: !result.created };
  return new Response(JSON.stringify(body), { status, headers: { Location: location, 'Content-Type': 'application/json;charset=UTF-8' } });
}

/**
 * Parameter values from `json={"parameter":[{"name":…,"value":…}]}` (a form field) or a raw
 * `application/json` body of the same shape; `parameter` may be one object or an array.
 * Returns null when neither is present.
 */
function jsonParameters(input: RequestInput): Map<string, string[]> | null {
  const field = single(input, 'json');
  const raw = field ?? (input.contentType.startsWith('application/json') && input.text.trim() !== '' ? input.text : null);
  if (raw === null) return null;
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw new Refusal('body_invalid', 'The json parameters are not valid JSON.', 'Send json={"parameter":[{"name":"NAME","value":"value"}]}.');
  }
  const list = (parsed as { parameter?: unknown } | null)?.parameter;
  const entries = Array.isArray(list) ? list : list === undefined ? [] : [list];
  const out = new Map<string, string[]>();
  for (const entry of entries) {
    const name = (entry as { name?: unknown } | null)?.name;
    if (typeof name !== 'string') {
      throw new Refusal('body_invalid', 'Every entry of "parameter" needs a "name".', 'Send json={"parameter":[{"name":"NAME","value":"value"}]}.');
    }
    const value = (entry as { value?: unknown }).value;
    out.set(name, [...(out.get(name) ?? []), value === undefined || value === null ? '' : String(value)]);
  }
  return out;
}
