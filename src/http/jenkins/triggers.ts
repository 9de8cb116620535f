import { DomainError } from '../../core/errors.js';
import { isParameterized, type Job } from '../../core/item.js';
import { queueItemPath } from '../../core/item-url.js';
import { Permissions } from '../../core/permissions.js';
import type { EnqueueResult } from '../../store/types.js';
import { type RequestInput, single } from '../body.js';
import { Refusal } from '../errors.js';
import { parseDelay } from './delay.js';
import type { Scope } from './scope.js';

const POST_REQUIRED_HINT = 'Use POST (curl -X POST …); GET is only accepted with the job\'s trigger token.';

/**
 * `…/build`, following Jenkins' `ParameterizedJobMixIn.doBuild`: a disabled job is refused (409)
 * first, a GET on a parameterized job gets 405 (Jenkins shows its parameter form), then the Build
 * permission and POST are required. A parameterized job takes its values from a `json` field or a
 * raw JSON body (DESIGN §5.2).
 */
export async function build(scope: Scope, job: Job): Promise<Response> {
  const input = await scope.readInput();
  const delayMs = parseDelay(single(input, 'delay'));
  if (job.settings.disabled) throw notBuildable(job);
  const parameterized = isParameterized(job);
  if (parameterized && scope.method !== 'POST') {
    throw new Refusal('parameters_form_required', `${job.fullName} is parameterized, so /build needs a POST with the parameters.`, 'Use POST …/buildWithParameters?NAME=value, or POST …/build with json={"parameter":[{"name":"NAME","value":"value"}]}.', { Allow: 'POST' });
  }
  requireBuildPermission(scope, job);
  if (!parameterized) {
    const result = await scope.deps.triggers.trigger({ job, parameters: null, rejectUnknownParameters: false, delayMs, cause: scope.userCause() });
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
  const result = await scope.deps.triggers.trigger({ job, parameters: entries, rejectUnknownParameters: true, delayMs, cause: scope.userCause() });
  return triggered(scope, result, 303);
}

/**
 * `…/buildWithParameters`, following `doBuildWithParameters`: permission (and POST) first, then
 * disabled (409), then not parameterized (400). Values come from the query, a urlencoded or multipart
 * body, and optionally a `json` field; absent parameters take their defaults; unknown names are ignored.
 */
export async function buildWithParameters(scope: Scope, job: Job): Promise<Response> {
  const input = await scope.readInput();
  const delayMs = parseDelay(single(input, 'delay'));
  requireBuildPermission(scope, job);
  if (job.settings.disabled) throw notBuildable(job);
  if (!isParameterized(job)) {
    throw new DomainError('job_not_parameterized', `${job.fullName} is not parameterized.`, 'Trigger it with /build instead of /buildWithParameters.');
  }
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
  const result = await scope.deps.triggers.trigger({ job, parameters: supplied, rejectUnknownParameters: false, delayMs, cause: scope.userCause() });
  return triggered(scope, result, 303);
}

function notBuildable(job: Job): DomainError {
  return new DomainError('job_disabled', `${job.fullName} is not buildable: it is disabled.`, 'Enable the job (POST …/enable, or `disabled: false` in the config file), then trigger again.');
}

function requireBuildPermission(scope: Scope, job: Job): void {
  scope.check(Permissions.ItemBuild, job);
  if (scope.method !== 'POST') {
    throw new Refusal('method_not_allowed', 'This URL requires POST.', POST_REQUIRED_HINT, { Allow: 'POST' });
  }
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
