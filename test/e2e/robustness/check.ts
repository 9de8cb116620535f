import type { RawOutcome, RawRequest } from '../../support/raw-http.js';
import { INJECTED_HEADER } from './inputs.js';

/**
 * What every answer must satisfy (docs/errors.md, DESIGN §4 "Refusals explain themselves" and
 * "Nobody stalls the server for everyone"). Each broken rule is a violation with a stable kind, which
 * is what known-failures.ts matches on.
 */
export type ViolationKind =
  | 'server-error'
  | 'refusal-without-reason'
  | 'internal-detail'
  | 'secret-shown'
  | 'header-injected'
  | 'too-slow'
  | 'no-answer'
  | 'event-loop-blocked'
  | 'unhandled-error-logged'
  | 'secret-logged'
  /** After the request no existing user held Overall/Administer. */
  | 'admin-locked-out'
  /** A focused case's own expectation (focused.ts) was not met. */
  | 'unexpected-answer';

export interface Violation {
  readonly kind: ViolationKind;
  readonly detail: string;
}

/** The 503s the documentation lists; each carries its reason. */
export const DOCUMENTED_503 = new Set(['queue_full', 'disk_full', 'evaluator_busy', 'authentication_busy']);

/** Time bounds, in milliseconds. See docs/security.md ("Threat model"). */
export const BOUNDS = {
  /**
   * From the first byte sent to the last byte of the answer: the longest evaluation budget the server
   * documents (an XPath may evaluate for 2 s before it is refused) and a second for the rest.
   */
  answerMs: 3000,
  /**
   * An XPath refused for its budget: the 2 s budget, the start of a fresh evaluator thread when the
   * previous one was terminated for its own budget (the pool starts the replacement at once, but a
   * request arriving meanwhile waits for it), and a second for the rest.
   */
  budgetAnswerMs: 4000,
  /** The longest the event loop may be held up while a case runs (measured in the same process). */
  eventLoopMs: 500,
  /** A probe request sent while a case runs. */
  probeMs: 1000,
} as const;

/**
 * Stack frames and internals: `at fn (/path/file.js:1:2)`, `at file:///…:1:2`, source and dependency
 * paths, SQLite's error class, Node's error codes with a syscall, and the server's own home directory.
 */
export function internalMarkers(home: string): Array<[string, RegExp]> {
  return [
    ['stack frame', /\bat (?:async )?(?:[\w$.<>[\]]+ )?\(?(?:file:\/\/|\/|node:)[^\s)]*:\d+:\d+\)?/],
    ['source path', /\/src\/|\.ts:\d+/],
    ['node_modules', /node_modules/],
    ['SqliteError', /SqliteError|SQLITE_[A-Z]+/],
    ['errno', /\b(?:ENOENT|EACCES|EISDIR|ENOTDIR|EMFILE|ENOSPC|EIO): /],
    // The nodes page names the home as the place whose free space it shows, and a build's log its
    // workspace, as Jenkins' do ("Building in workspace …"); nothing else in the home may show.
    ['file in the home directory', new RegExp(`${escapeRegExp(home)}/(?!workspace/)`)],
  ];
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

export interface CheckContext {
  readonly home: string;
  readonly secrets: readonly string[];
}

/** The violations of one answer. `request` is what was sent, so that an answer echoing it is not blamed. */
export function checkOutcome(outcome: RawOutcome, request: RawRequest, context: CheckContext): Violation[] {
  const violations: Violation[] = [];
  if (outcome.kind === 'hung-up') return violations;
  if (outcome.kind === 'timeout') return [{ kind: 'no-answer', detail: `no answer within ${Math.round(outcome.ms)} ms` }];
  // A client that half-closes after its request is taken for one that went away, as Node does: that is
  // how the server notices a client that gave up (and stops an XPath evaluation it no longer wants), and
  // an HTTP client that closes its side cannot be told from one that hung up. It may get no answer.
  if (outcome.kind === 'closed' && request.ending === 'half-close') return violations;
  if (outcome.kind === 'closed') return [{ kind: 'no-answer', detail: `connection closed without an answer after ${Math.round(outcome.ms)} ms${outcome.error ? ` (${outcome.error})` : ''}` }];
  const { response } = outcome;
  const reason = response.headers.get('x-steward-reason')?.[0];
  if (response.status >= 500 && !(response.status === 503 && reason !== undefined && DOCUMENTED_503.has(reason))) {
    violations.push({ kind: 'server-error', detail: `${response.status}${reason ? ` ${reason}` : ''}: ${preview(response.body)}` });
  }
  if (response.status >= 400 && response.status < 500 && reason === undefined) {
    violations.push({ kind: 'refusal-without-reason', detail: `${response.status} without X-Steward-Reason${response.headers.has('x-steward-request-id') ? '' : ' (answered before the app: ' + JSON.stringify(response.rawHead.split('\r\n')[0]) + ')'}` });
  }
  const sent = Buffer.concat([typeof request.target === 'string' ? Buffer.from(request.target, 'latin1') : request.target, ...request.headers.map(([, value]) => Buffer.from(value)), request.body ?? Buffer.alloc(0)]);
  const sentText = [sent.toString('latin1'), sent.toString('utf8'), safeDecode(sent.toString('latin1'))].join('\n');
  const answer = `${response.rawHead}\r\n\r\n${response.body.toString('utf8')}`;
  for (const [name, pattern] of internalMarkers(context.home)) {
    const match = pattern.exec(answer);
    if (match && !sentText.includes(match[0].replace(/^at (?:async )?/, ''))) violations.push({ kind: 'internal-detail', detail: `${name}: ${JSON.stringify(around(answer, match.index))}` });
  }
  for (const secret of context.secrets) {
    if (answer.includes(secret) && !sentText.includes(secret)) violations.push({ kind: 'secret-shown', detail: `a secret (${secret.slice(0, 6)}…) in the answer` });
  }
  if (response.headers.has(INJECTED_HEADER)) violations.push({ kind: 'header-injected', detail: `the answer carries ${INJECTED_HEADER}, taken from the request` });
  const bound = response.headers.get('x-steward-reason')?.[0] === 'budget_exceeded' ? BOUNDS.budgetAnswerMs : BOUNDS.answerMs;
  if (response.ms > bound) violations.push({ kind: 'too-slow', detail: `answered in ${Math.round(response.ms)} ms (bound ${bound} ms)` });
  return violations;
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text.replace(/\+/g, ' '));
  } catch {
    return text;
  }
}

export function preview(body: Buffer): string {
  return JSON.stringify(body.toString('utf8').slice(0, 160));
}

function around(text: string, index: number): string {
  return text.slice(Math.max(0, index - 60), index + 100);
}

/** A request as a copy-pasteable description: method, target, headers, and the body (shortened). */
export function describeRequest(request: RawRequest): string {
  const target = typeof request.target === 'string' ? request.target : request.target.toString('latin1');
  const lines = [`${request.method} ${shorten(JSON.stringify(target).slice(1, -1), 400)} HTTP/1.1`];
  for (const [name, value] of request.headers) {
    const text = typeof value === 'string' ? value : value.toString('latin1');
    lines.push(`${name}: ${shorten(JSON.stringify(name.toLowerCase() === 'authorization' ? text.replace(/^(\w+ ).*/, '$1…') : text).slice(1, -1), 200)}`);
  }
  const body = request.body ?? Buffer.alloc(0);
  if (body.length > 0) lines.push('', `[${body.length} bytes] ${shorten(JSON.stringify(body.toString('latin1')).slice(1, -1), 300)}`);
  if (request.ending && request.ending !== 'answer') lines.push(`(the client then ${request.ending === 'hang-up' ? 'hangs up mid-request' : 'half-closes the connection'})`);
  return lines.join('\n');
}

function shorten(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max)}… (${text.length} chars)`;
}
