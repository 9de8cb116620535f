import type { Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { type DomainErrorCode, DomainError } from '../core/errors.js';
import { impliedByChain } from '../core/permissions.js';
import { ANONYMOUS, principalName } from '../auth/principal.js';
import { accessDeniedPage } from './access-denied.js';
import { signInPath } from './sign-in-path.js';
import { isNavigation, PAGE_HEADERS } from './ui/page.js';
import { refusalPage } from './ui/refusal-page.js';
import type { AppEnv } from './context.js';
import { isClientGone } from './client-gone.js';
import { jenkinsWords } from './jenkins/jenkins-words.js';

/** Refusals that concern the request itself rather than the domain: its method, shape or size. */
export type RefusalCode =
  | 'crumb_missing'
  | 'crumb_mismatch'
  | 'not_found'
  | 'artifact_not_found'
  | 'artifact_path_invalid'
  | 'range_not_satisfiable'
  | 'not_implemented'
  | 'lease_stale'
  | 'build_held_elsewhere'
  | 'log_gap'
  | 'parameter_missing'
  | 'media_type_unsupported'
  | 'method_not_allowed'
  | 'semicolon_forbidden'
  | 'payload_too_large'
  | 'body_invalid'
  | 'tree_invalid'
  | 'depth_invalid'
  | 'xpath_invalid'
  | 'xpath_no_match'
  | 'xpath_ambiguous'
  | 'xpath_primitive_forbidden'
  | 'wrapper_invalid'
  | 'jsonp_forbidden'
  | 'content_type_missing'
  | 'name_missing'
  | 'xml_malformed'
  | 'xml_doctype_forbidden'
  | 'item_type_unsupported'
  | 'copy_source_missing'
  | 'nothing_submitted'
  | 'form_expected'
  | 'parameters_form_required'
  | 'queue_id_invalid'
  | 'budget_exceeded'
  | 'evaluator_busy'
  | 'xml_too_complex'
  | 'request_malformed'
  | 'headers_too_large'
  | 'expectation_unsupported'
  | 'agent_protocol_unsupported';

export class Refusal extends Error {
  override readonly name = 'Refusal';
  constructor(
    readonly code: RefusalCode,
    message: string,
    readonly hint?: string,
    readonly headers: Readonly<Record<string, string>> = {},
    /** For `evaluator_busy`: seconds until the caller may try again. */
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
  }
}

/**
 * The one map from refusal codes to HTTP. Statuses follow Jenkins where its clients branch on them;
 * where Jenkins answers bad input with a 500 (an unknown parameter, a malformed `delay` or `tree`),
 * we answer 400, because the fault is the request's (see docs/jenkins-compat.md).
 */
const STATUS: Record<DomainErrorCode | RefusalCode, ContentfulStatusCode> = {
  credentials_invalid: 401,
  token_expired: 401,
  token_revoked: 401,
  too_many_failures: 429,
  authentication_required: 403,
  permission_missing: 403,
  crumb_missing: 403,
  crumb_mismatch: 403,
  job_token_invalid: 403,
  job_token_not_set: 403,
  token_owner_only: 403,
  password_wrong: 403,
  password_rejected: 400,
  grant_invalid: 400,
  api_token_not_found: 404,
  trigger_token_not_found: 404,
  token_network_denied: 403,
  token_scope: 403,
  job_not_buildable: 400,
  job_parameterized: 400,
  idempotency_key_reused: 422,
  queue_full: 503,
  webhook_not_found: 404,
  credential_not_found: 404,
  credential_exists: 409,
  webhook_signature_invalid: 403,
  webhook_secret_missing: 403,
  access_token_required: 401,
  too_many_triggers: 429,
  user_delete_self: 409,
  queue_item_not_cancellable: 422,
  jsonp_forbidden: 403,
  xpath_primitive_forbidden: 403,
  item_not_found: 404,
  build_not_found: 404,
  queue_item_not_found: 404,
  user_not_found: 404,
  node_not_found: 404,
  not_found: 404,
  artifact_not_found: 404,
  artifact_path_invalid: 400,
  range_not_satisfiable: 416,
  not_implemented: 404,
  lease_stale: 409,
  build_held_elsewhere: 409,
  log_gap: 416,
  parameter_missing: 400,
  xpath_no_match: 404,
  method_not_allowed: 405,
  parameters_form_required: 405,
  job_disabled: 409,
  build_running: 409,
  queue_item_not_waiting: 409,
  payload_too_large: 413,
  media_type_unsupported: 415,
  user_exists: 400,
  name_invalid: 400,
  name_taken: 400,
  parent_not_folder: 400,
  item_kind_mismatch: 400,
  config_invalid: 400,
  job_not_parameterized: 400,
  parameter_invalid: 400,
  delay_invalid: 400,
  semicolon_forbidden: 400,
  body_invalid: 400,
  tree_invalid: 400,
  depth_invalid: 400,
  xpath_invalid: 400,
  xpath_ambiguous: 400,
  wrapper_invalid: 400,
  content_type_missing: 400,
  name_missing: 400,
  xml_malformed: 400,
  xml_doctype_forbidden: 400,
  item_type_unsupported: 400,
  copy_source_missing: 400,
  nothing_submitted: 400,
  form_expected: 400,
  queue_id_invalid: 400,
  budget_exceeded: 400,
  xml_too_complex: 400,
  evaluator_busy: 503,
  disk_full: 503,
  storage_unavailable: 503,
  request_malformed: 400,
  headers_too_large: 431,
  expectation_unsupported: 417,
  authentication_busy: 503,
  agent_protocol_unsupported: 400,
};

/** The status a refusal code is answered with. */
export function statusOf(code: DomainErrorCode | RefusalCode): ContentfulStatusCode {
  return STATUS[code];
}

/** Header values must be ISO-8859-1; Jenkins' own non-Latin-1 characters reach clients as `?` too. */
export function latin1(text: string): string {
  return text.replace(/[^\x20-\x7e\xa0-\xff]/g, '?').slice(0, 1024);
}

function headersFor(error: DomainError | Refusal, principalName: string): Record<string, string | string[]> {
  const headers: Record<string, string | string[]> = {};
  if (error instanceof Refusal) Object.assign(headers, error.headers);
  if (error.code === 'credentials_invalid' || error.code === 'token_expired' || error.code === 'token_revoked') headers['WWW-Authenticate'] = 'Basic realm="Steward"';
  if (error.retryAfterSeconds !== undefined) headers['Retry-After'] = String(error.retryAfterSeconds);
  if (error instanceof DomainError && error.permission) {
    headers['X-You-Are-Authenticated-As'] = principalName;
    headers['X-You-Are-In-Group-Disabled'] = 'JENKINS-39402: use /whoAmI to diagnose';
    headers['X-Required-Permission'] = error.permission.id;
    headers['X-Permission-Implied-By'] = impliedByChain(error.permission).map((permission) => permission.id);
  }
  return headers;
}

/**
 * Renders a refusal: the status and headers Jenkins clients branch on (`X-Error` carries Jenkins' own
 * words where Jenkins has some, else our message, as on Jenkins' 400 pages), our stable code in `X-Steward-Reason`, and a body that says what
 * happened and what to do: JSON `{error, message, hint}` when the client accepts JSON; a page in plain
 * words for a person's browser (`Sec-Fetch-Mode: navigate`); for a missing permission Jenkins'
 * access-denied page (bare for `X-Requested-With: XMLHttpRequest`); else text.
 */
export async function refusalResponse(c: Context<AppEnv>, error: DomainError | Refusal): Promise<Response> {
  c.set('refusal', error);
  const status = STATUS[error.code];
  const principal = c.get('principal') ?? ANONYMOUS;
  const headers = new Headers();
  headers.set('X-Steward-Reason', error.code);
  headers.set('X-Error', latin1(jenkinsWords(error) ?? error.message));
  for (const [name, value] of Object.entries(headersFor(error, principalName(principal)))) {
    for (const one of Array.isArray(value) ? value : [value]) headers.append(name, one);
  }
  c.res.headers.forEach((value, name) => {
    if (!headers.has(name)) headers.set(name, value);
  });
  const wantsJson = (c.req.header('accept') ?? '').includes('application/json') || new URL(c.req.url).pathname.startsWith('/steward/api/');
  if (wantsJson) {
    headers.set('Content-Type', 'application/json;charset=UTF-8');
    return new Response(JSON.stringify({ error: error.code, message: error.message, hint: error.hint ?? null }), { status, headers });
  }
  if (error instanceof DomainError && (error.code === 'authentication_required' || error.code === 'permission_missing')) {
    if (c.req.header('x-requested-with') === 'XMLHttpRequest') return new Response(null, { status, headers });
    // A person's browser opening a page without being signed in goes straight to the sign-in form
    // (only browsers send Sec-Fetch-Mode: navigate; scripts keep Jenkins' 403).
    if (principal.kind === 'anonymous' && c.req.method === 'GET' && isNavigation(c)) {
      headers.set('Location', signInPath(new URL(c.req.url)));
      return new Response(null, { status: 302, headers });
    }
  }
  // A person's browser gets the refusal in plain words with a link to the fix, in the page layout.
  if (isNavigation(c)) {
    for (const [name, value] of Object.entries(PAGE_HEADERS)) headers.set(name, value);
    headers.set('Content-Type', 'text/html;charset=UTF-8');
    return new Response(await refusalPage(error, principal, new URL(c.req.url)), { status, headers });
  }
  if (error instanceof DomainError && (error.code === 'authentication_required' || error.code === 'permission_missing')) {
    headers.set('Content-Type', 'text/html;charset=UTF-8');
    return new Response(accessDeniedPage(error, principal, new URL(c.req.url)), { status, headers });
  }
  headers.set('Content-Type', 'text/plain;charset=UTF-8');
  return new Response(error.hint ? `${error.message}\n${error.hint}\n` : `${error.message}\n`, { status, headers });
}

export function isRefusal(error: unknown): error is DomainError | Refusal {
  return error instanceof DomainError || error instanceof Refusal;
}

/** The app's error handler: refusals become their responses; anything else is logged and hidden. */
export function onError(error: Error, c: Context<AppEnv>): Response | Promise<Response> {
  if (isRefusal(error)) return refusalResponse(c, error);
  if (isClientGone(error, c)) {
    // Not a fault of the server: the client hung up while sending its body or before the answer.
    // Nobody reads the answer; nginx's 499 ("client closed request") names it in the request log.
    c.get('log')?.debug({ requestId: c.get('requestId'), error: (error as NodeJS.ErrnoException).code ?? error.message }, 'client closed the connection');
    return new Response(null, { status: 499 });
  }
  // Hono's validators reject unreadable bodies with HTTPException; they are the request's fault too.
  if (error instanceof HTTPException && error.status === 415) {
    return refusalResponse(c, new Refusal('media_type_unsupported', 'This request body needs Content-Type: application/json.', 'Send the body as JSON with that header.'));
  }
  if (error instanceof HTTPException && error.status === 400) {
    return refusalResponse(c, new Refusal('body_invalid', `${error.message}.`, 'Send a well-formed JSON body; the API description is at /steward/api/v1/openapi.json.'));
  }
  c.get('log')?.error({ err: error }, 'unhandled error');
  return c.text('Internal Server Error: Steward failed to answer this request; the server log has the details.\n', 500);
}
