import { hash } from 'node:crypto';
import type { Cause } from '../../core/cause.js';
import { parseDuration } from '../../core/duration.js';
import { DomainError } from '../../core/errors.js';
import type { Job } from '../../core/item.js';
import { buildPath, queueItemPath } from '../../core/item-url.js';
import { TriggerTokens } from '../../auth/trigger-tokens.js';
import { covers, type TriggerToken } from '../../core/trigger-token.js';
import type { TriggerRequest } from '../../queue/trigger.js';
import { type WaitFor, type WaitOutcome, waitForQueueItem } from '../../queue/waiter.js';
import type { EnqueueResult } from '../../store/types.js';
import { type RequestInput, refuseDeepJson, single } from '../body.js';
import { Refusal } from '../errors.js';
import { presentedHeaderToken } from '../identity.js';
import type { Scope } from './scope.js';

/**
 * What allowed a trigger: the caller's Job/Build permission, the job's own "Trigger builds remotely"
 * token, or a trigger token covering the job. `inQuery` records that a token came in the URL (it is
 * accepted, redacted from logs, and noted in the audit log).
 */
export type Authority =
  | { readonly kind: 'permission' }
  | { readonly kind: 'job_token'; readonly inQuery: boolean }
  | { readonly kind: 'trigger_token'; readonly token: TriggerToken; readonly inQuery: boolean };

/** A token the request presents for a trigger: `token=` (query or form), else `X-Steward-Token`. */
export function presentedToken(scope: Scope, input: RequestInput): { value: string; inQuery: boolean } | null {
  const parameter = single(input, 'token');
  if (parameter !== undefined) return { value: parameter, inQuery: scope.url.searchParams.has('token') };
  const header = scope.principal.kind === 'user' ? presentedHeaderToken(scope.c) : undefined;
  return header === undefined ? null : { value: header, inQuery: false };
}

/**
 * Checks a presented token against the job: a trigger token must cover it, else the job's own
 * token must match. Returns null when the token is neither and the job has no token of its own (as
 * in Jenkins, the `token` is then ignored). A wrong token is a 403 and a failed authentication.
 */
export async function tokenAuthority(scope: Scope, job: Job, presented: { value: string; inQuery: boolean }): Promise<Authority | null> {
  const { authenticator, secrets } = scope.deps;
  const trigger = await authenticator.triggerToken(presented.value, scope.address);
  if (trigger) {
    if (covers(trigger, job)) return { kind: 'trigger_token', token: trigger, inQuery: presented.inQuery };
    await authenticator.failed(scope.address);
    throw notCovered(trigger, job);
  }
  if (TriggerTokens.isTokenLike(presented.value)) throw invalidToken(job);
  const stored = job.settings.remoteToken;
  if (!stored) return null;
  await authenticator.checkAllowed(scope.address);
  if (secrets.matches(presented.value, stored.digest)) return { kind: 'job_token', inQuery: presented.inQuery };
  await authenticator.failed(scope.address);
  throw invalidToken(job);
}

/** Jenkins' words for a wrong token, for every kind of token a trigger URL takes. */
export function invalidToken(job: Job): DomainError {
  return new DomainError('job_token_invalid', 'Invalid token provided.', `The token matches neither the "Trigger builds remotely" token of ${job.fullName} nor a trigger token covering it.`);
}

/**
 * The authority of a request made by a trigger token itself (sent as Bearer or X-Steward-Token): only
 * for the jobs the token covers, exactly as when the same token is sent as `token=`.
 */
export function principalTokenAuthority(scope: Scope, job: Job): Authority | null {
  if (scope.principal.kind !== 'token') return null;
  const token = scope.principal.token;
  if (!covers(token, job)) throw notCovered(token, job);
  return { kind: 'trigger_token', token, inQuery: false };
}

function notCovered(token: TriggerToken, job: Job): DomainError {
  return new DomainError('token_scope', `The trigger token "${token.name}" does not cover ${job.fullName}.`, `Use a token made for ${job.fullName} (or a folder above it).`);
}

/** The cause a trigger records: the token by name, the remote host, or the user. */
function causeOf(scope: Scope, input: RequestInput, authority: Authority): Cause {
  const note = single(input, 'cause') ?? null;
  switch (authority.kind) {
    case 'trigger_token':
      return { kind: 'token', tokenUuid: authority.token.uuid, tokenName: authority.token.name, createdBy: authority.token.createdBy, address: scope.address, note };
    case 'job_token':
      return { kind: 'remote', address: scope.address, note };
    case 'permission':
      return scope.userCause();
  }
}

/** Whose repeats an Idempotency-Key recognises: the user, the token, or (for a job token) the job. */
function idempotencyCredential(scope: Scope, job: Job, authority: Authority): string {
  if (authority.kind === 'trigger_token') return `token:${authority.token.uuid}`;
  if (authority.kind === 'job_token') return `job:${job.id}`;
  return scope.principal.kind === 'user' ? `user:${scope.principal.id.toLowerCase()}` : `anonymous:${scope.address}`;
}

const MAX_IDEMPOTENCY_KEY = 255;

/**
 * Queues the trigger, with its cause (the caller's, unless given) and its audit event in the same commit, and, when the request
 * has an `Idempotency-Key`, only once per key and credential: a repeat gets the first result, a
 * repeat with other parameters is a 422.
 */
export async function enqueue(
  scope: Scope,
  job: Job,
  input: RequestInput,
  authority: Authority,
  request: Pick<TriggerRequest, 'parameters' | 'rejectUnknownParameters' | 'delayMs'> & { readonly cause?: Cause },
): Promise<EnqueueResult> {
  await scope.deps.triggerLimiter.admit(scope.address, authority.kind === 'trigger_token' ? authority.token : null);
  const audit = scope.audit({ action: 'trigger', outcome: 'accepted', item: job.fullName, ...auditCredential(scope, authority) });
  const key = scope.c.req.header('idempotency-key');
  if (key !== undefined && (key.trim() === '' || key.length > MAX_IDEMPOTENCY_KEY)) {
    throw new DomainError('parameter_invalid', `An Idempotency-Key needs 1 to ${MAX_IDEMPOTENCY_KEY} characters.`, 'Send a unique value per logical trigger, e.g. a UUID or the commit id.');
  }
  const fingerprint =
    key === undefined ? '' : hash('sha256', JSON.stringify([job.id, scope.url.pathname.split('/').at(-1), [...(request.parameters ?? new Map())].sort(), request.delayMs, single(input, 'cause') ?? null]), 'hex');
  const idempotency = key === undefined ? undefined : { credential: idempotencyCredential(scope, job, authority), key: key.trim(), fingerprint };
  const result = await scope.deps.triggers.trigger({ job, ...request, cause: request.cause ?? causeOf(scope, input, authority), audit, ...(idempotency ? { idempotency } : {}) });
  if (result.replayOf && result.replayOf.fingerprint !== fingerprint) {
    throw new DomainError(
      'idempotency_key_reused',
      `The Idempotency-Key "${key}" was first used for another trigger (queue item ${result.queueId}), with other parameters.`,
      'Use a new key for a different trigger; repeat a trigger with exactly the same request to get its first answer.',
    );
  }
  return result;
}

function auditCredential(scope: Scope, authority: Authority): { credential?: 'job_token' | 'trigger_token'; detail?: Record<string, string | boolean> } {
  switch (authority.kind) {
    case 'trigger_token':
      return { credential: 'trigger_token', detail: { triggerToken: authority.token.name, tokenInQuery: authority.inQuery } };
    case 'job_token':
      return { credential: 'job_token', detail: { jobToken: true, tokenInQuery: authority.inQuery } };
    case 'permission':
      return {};
  }
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
