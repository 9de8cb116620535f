import { type Authority, type PresentedToken, tokenAuthority as checkToken } from '../../auth/trigger-authority.js';
import { parseDuration } from '../../core/duration.js';
import { DomainError } from '../../core/errors.js';
import type { Job } from '../../core/item.js';
import { buildPath, queueItemPath } from '../../core/item-url.js';
import type { RequestOrigin, TriggerRequest } from '../../queue/trigger.js';
import { type WaitFor, type WaitOutcome, waitForQueueItem } from '../../queue/waiter.js';
import type { EnqueueResult } from '../../store/types.js';
import { type RequestInput, refuseDeepJson, single } from '../body.js';
import { Refusal } from '../errors.js';
import { presentedHeaderToken } from '../identity.js';
import type { Scope } from './scope.js';

/** A token the request presents for a trigger: `token=` (query or form), else `X-Steward-Token`. */
export function presentedToken(scope: Scope, input: RequestInput): PresentedToken | null {
  const parameter = single(input, 'token');
  if (parameter !== undefined) return { value: parameter, inQuery: scope.url.searchParams.has('token') };
  const header = scope.principal.kind === 'user' ? presentedHeaderToken(scope.c) : undefined;
  return header === undefined ? null : { value: header, inQuery: false };
}

/** The authority a presented token gives for the job (see `tokenAuthority`). */
export function tokenAuthority(scope: Scope, job: Job, presented: PresentedToken): Promise<Authority | null> {
  return checkToken(scope.deps, job, presented, scope.address);
}

/** The request as the trigger service sees it: who, from where, and the audit event so far. */
export function origin(scope: Scope): RequestOrigin {
  return { principal: scope.principal, address: scope.address, audit: scope.audit({ action: 'trigger', outcome: 'accepted' }) };
}

/**
 * Hands the trigger to the trigger service with what the request says about it: its authority, its
 * `cause=` note, its Idempotency-Key (by endpoint), and whether it rebuilds a build.
 */
export function enqueue(
  scope: Scope,
  job: Job,
  input: RequestInput,
  authority: Authority,
  request: Pick<TriggerRequest, 'parameters' | 'rejectUnknownParameters' | 'delayMs'> & { readonly rebuildOf?: number },
): Promise<EnqueueResult> {
  const key = scope.c.req.header('idempotency-key');
  const { rebuildOf, ...trigger } = request;
  return scope.deps.triggers.trigger({
    job,
    ...trigger,
    starter: {
      kind: 'caller',
      origin: origin(scope),
      authority,
      note: single(input, 'cause') ?? null,
      ...(key === undefined ? {} : { idempotencyKey: { key, endpoint: scope.url.pathname.split('/').at(-1) ?? '' } }),
      ...(rebuildOf === undefined ? {} : { rebuildOf }),
    },
  });
}

const DEFAULT_WAIT_MS = 60_000;
/** The longest a trigger may wait for its build (`wait=`); reverse proxies must allow it (contrib/). */
export const MAX_WAIT_MS = 600_000;

/** `wait=start|finish` and `timeout=` (a duration or seconds, at most 10 min). */
function waitRequest(input: RequestInput): { until: WaitFor; timeoutMs: number } | null {
  const wait = single(input, 'wait');
  if (wait === undefined) return null;
  if (wait !== 'start' && wait !== 'finish') {
    throw new DomainError('parameter_invalid', `wait=${wait} is not something Steward can wait for.`, 'Use wait=start (until the build starts) or wait=finish (until it ends).');
  }
  const timeout = single(input, 'timeout');
  const timeoutMs = timeout === undefined ? DEFAULT_WAIT_MS : /^\d+$/.test(timeout.trim()) ? Number(timeout) * 1000 : parseDuration(timeout);
  if (timeoutMs === null || !(timeoutMs > 0) || timeoutMs > MAX_WAIT_MS) {
    throw new DomainError('parameter_invalid', `timeout=${timeout} is not a wait Steward allows.`, 'Give seconds or a duration with a unit (30s, 5min), up to 10min.');
  }
  return { until: wait, timeoutMs };
}

/**
 * The answer to a trigger: Jenkins' 201 (or `coalescedStatus` when folded into a waiting item) with
 * `Location` on the queue item. With `wait=`, after the build has started or finished (or the wait
 * timed out), with `X-Steward-Build-*` headers. With `Accept: application/json`, also a body
 * `{queueId, queueUrl, build, coalesced, wait}`.
 */
export async function triggered(scope: Scope, job: Job, input: RequestInput, result: EnqueueResult, coalescedStatus: 201 | 303): Promise<Response> {
  const location = scope.requestBase + queueItemPath(result.queueId);
  const status = result.created ? 201 : coalescedStatus;
  const wait = waitRequest(input);
  const outcome = wait ? await waitForQueueItem(scope.deps, result.queueId, wait.until, wait.timeoutMs) : null;
  const build = outcome && 'build' in outcome ? outcome.build : null;
  const buildUrl = build ? scope.rootUrl + buildPath(job.fullName, build.number) : null;
  const headers: Record<string, string> = { Location: location };
  if (outcome) headers['X-Steward-Wait'] = waitState(outcome);
  if (build && buildUrl) {
    headers['X-Steward-Build-Number'] = String(build.number);
    headers['X-Steward-Build-Url'] = buildUrl;
    if (build.result) headers['X-Steward-Build-Result'] = build.result;
  }
  const wantsJson = (scope.c.req.header('accept') ?? '').includes('application/json');
  if (!wantsJson) return new Response(null, { status, headers: { ...headers, 'Content-Length': '0' } });
  const body = {
    queueId: result.queueId,
    queueUrl: location,
    build: build && buildUrl ? { number: build.number, url: buildUrl, building: build.state === 'running', result: build.result, durationMs: build.state === 'running' ? null : build.durationMs } : null,
    coalesced: !result.created,
    ...(outcome ? { wait: waitState(outcome) } : {}),
  };
  return new Response(JSON.stringify(body), { status, headers: { ...headers, 'Content-Type': 'application/json;charset=UTF-8' } });
}

function waitState(outcome: WaitOutcome): string {
  return outcome.timedOut ? 'timeout' : outcome.state;
}

/** Values for the job's declared parameters from the request; names it does not declare are ignored. */
export function suppliedParameters(job: Job, input: RequestInput): Map<string, string[]> {
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

/**
 * Parameter values from `json={"parameter":[{"name":…,"value":…}]}` (a form field) or a raw
 * `application/json` body of the same shape; `parameter` may be one object or an array.
 * Returns null when neither is present.
 */
export function jsonParameters(input: RequestInput): Map<string, string[]> | null {
  const field = single(input, 'json');
  const raw = field ?? (input.contentType.startsWith('application/json') && input.text.trim() !== '' ? input.text : null);
  if (raw === null) return null;
  const hint = 'Send json={"parameter":[{"name":"NAME","value":"value"}]}.';
  refuseDeepJson(raw, 'The json parameters', hint);
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw new Refusal('body_invalid', 'The json parameters are not valid JSON.', hint);
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
