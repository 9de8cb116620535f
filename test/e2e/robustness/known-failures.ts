import type { RawOutcome } from '../../support/raw-http.js';
import type { Violation } from './check.js';
import type { FuzzCase } from './generate.js';

/**
 * Defects the suite finds that are not fixed yet, each outside the suite's own files, with the
 * requests that show them. A violation that matches an entry is reported in the summary but does not
 * fail the run. EMPTY THIS LIST AS THE DEFECTS ARE FIXED: an entry whose focused cases (focused.ts) no
 * longer fail makes the run fail, so that it is removed once its fix lands.
 */
export interface KnownFailure {
  readonly id: string;
  /** The file where the fix belongs. */
  readonly area: string;
  readonly description: string;
  /** Focused cases that show it and must fail while it is listed (none for a defect that shows only sometimes). */
  readonly focused: readonly string[];
  /** Whether this violation of a case (focused or fuzzed) is this defect. */
  matches(testCase: Pick<FuzzCase, 'id' | 'route' | 'mutations' | 'request'>, violation: Violation, outcome: RawOutcome): boolean;
}

/** Whether the answer came from below the app: none of the headers every answer of Steward's app carries. */
function beforeTheApp(outcome: RawOutcome): boolean {
  return outcome.kind === 'response' && !outcome.response.headers.has('x-steward-request-id');
}

export const KNOWN_FAILURES: readonly KnownFailure[] = [
  {
    id: 'node-http-parser-refusals',
    area: 'src/main.ts (listen: no clientError handler on the HTTP server)',
    description:
      "Requests Node's HTTP parser rejects get Node's bare `400 Bad Request` (or `431 Request Header Fields Too Large` for a request head over 16 KiB) with no X-Steward-Reason, no X-Error and no body: a CR, NUL or LF inside a header, obs-fold, a header name with a space, an unknown method, raw non-ASCII bytes in the target, a negative, garbage or duplicated Content-Length, Content-Length with Transfer-Encoding, a broken chunked body, a body cut short by the client. CONNECT gets no answer at all (the socket is destroyed). Fix: `server.on('clientError', (error, socket) => …)` writing `HTTP/1.1 400` (431 for HPE_HEADER_OVERFLOW) with `X-Steward-Reason` (e.g. a new `request_malformed` / `headers_too_large`), `Connection: close` and a sentence, and a `connect` listener that answers 405 method_not_allowed.",
    focused: ['protocol-header-cr', 'protocol-cookie-over-limit', 'protocol-unknown-method', 'protocol-content-length-negative', 'protocol-raw-non-ascii-path', 'half-close-short-body'],
    matches: (testCase, violation, outcome) =>
      (violation.kind === 'refusal-without-reason' && beforeTheApp(outcome) && outcome.kind === 'response' && !outcome.response.headers.has('date') && (outcome.response.status === 400 || outcome.response.status === 431)) ||
      (violation.kind === 'no-answer' && outcome.kind === 'closed' && testCase.request.method === 'CONNECT'),
  },
  {
    id: 'hono-adapter-invalid-host',
    area: 'src/main.ts (listen: `serve()` of @hono/node-server without an errorHandler)',
    description:
      "A request whose Host header or target @hono/node-server cannot make a URL of (no Host, `Host: user:pass@evil.example`, `Host: a b`, `127.0.0.1:99999`, the `*` target, backslashes) is answered by the adapter's own `400` with an empty body, no X-Steward-Reason and none of Steward's headers; Steward's app never sees it. Fix: build the server with `createAdaptorServer`/`getRequestListener(app.fetch, { errorHandler })` (serve() passes no errorHandler) and answer a refusal with a reason there.",
    focused: ['protocol-host-missing', 'host-with-user-info'],
    matches: (_testCase, violation, outcome) =>
      violation.kind === 'refusal-without-reason' && beforeTheApp(outcome) && outcome.kind === 'response' && outcome.response.status === 400 && outcome.response.headers.has('date'),
  },
  {
    id: 'expect-417',
    area: "src/main.ts (listen: Node's automatic 417 for an Expect header other than 100-continue)",
    description:
      "`Expect: x` (anything but 100-continue) is answered by Node's `417 Expectation Failed` with no X-Steward-Reason. Fix: a `checkExpectation` listener on the server that answers 417 with a reason (or lets the request through, as Jetty does for unknown expectations).",
    focused: ['protocol-expect-unknown'],
    matches: (_testCase, violation, outcome) => violation.kind === 'refusal-without-reason' && beforeTheApp(outcome) && outcome.kind === 'response' && outcome.response.status === 417,
  },
  {
    id: 'xpath-budget-plus-worker-start',
    area: 'src/http/jenkins/export (worker-pool.ts: a worker killed for its budget is replaced on demand)',
    description:
      'An XPath or exclude= that spends its 2 s budget is answered 400 budget_exceeded after the 2 s plus the start of a fresh evaluator thread when the previous request killed one (STARTUP_GRACE_MS): 2.3-3.1 s on this 2-core machine under load, over the 3 s bound now and then (e.g. focused:exclude-axes-admin right after focused:xpath-axes-admin). The event loop stays free. Fix: start the replacement worker when one is killed (keep one warm), or count the budget from the request\'s arrival.',
    focused: [],
    matches: (testCase, violation, outcome) =>
      violation.kind === 'too-slow' && outcome.kind === 'response' && ['budget_exceeded', 'evaluator_busy'].includes(outcome.response.headers.get('x-steward-reason')?.[0] ?? '') && /[?&](xpath|exclude)=/.test(testCase.request.target.toString()),
  },
  {
    id: 'build-json-nesting',
    area: 'src/http/jenkins/queueing.ts (jsonParameters: JSON.parse of `json=` or a JSON body without a bound on nesting)',
    description:
      "`POST …/build` (or buildWithParameters) with `json=` of 200,000 `[` (or 170,000 `[` then as many `]`), within the 1 MiB body limit and open to anyone with Job/Build, is parsed whole on the event loop: 100-200 ms unloaded, 1,032 ms measured on this machine under load; the balanced one is even accepted (201, defaults used). Fix: `refuseDeepJson(raw, 'The json parameters', hint)` from src/http/body.ts before the JSON.parse, as webhook deliveries and the native API now do.",
    focused: ['build-json-deep', 'json-deep-balanced-build'],
    matches: (testCase, violation) =>
      (violation.kind === 'unexpected-answer' || violation.kind === 'event-loop-blocked') && /\/(build|buildWithParameters)(\?|$)/.test(testCase.request.target.toString()) && (testCase.request.body?.length ?? 0) > 100_000,
  },
  {
    id: 'policy-lockout',
    area: 'src/auth/policy.ts (Policy.update: the "nobody able to administer" guard counts grants, not users)',
    description:
      'PATCH /steward/api/v1/security with `{"grants":{"authenticated":["Overall/Read","Job/Read"],"user:alice":["Overall/Administer"]}}` (the OpenAPI example, verbatim) is accepted with 200 when no user alice exists: no existing user may administer any more, and only a restart with a configuration file that declares grants gets an administrator back. The same through /manage/security, and with a group nobody is in. Fix: refuse (grant_invalid) a matrix in which no existing user, by id or group, and not `authenticated`, holds Overall/Administer server-wide (or at least one that takes it away from the caller); and give the OpenAPI example a real principal.',
    focused: ['security-lockout-openapi-example'],
    matches: (testCase, violation) =>
      violation.kind === 'admin-locked-out' || (violation.kind === 'unexpected-answer' && testCase.id === 'focused:security-lockout-openapi-example'),
  },
  {
    id: 'half-close-drops-answer',
    area: "src/main.ts (Node's http.Server aborts a request when its client half-closes)",
    description:
      "A client that sends a whole request and then half-closes its side (FIN, still reading) sometimes gets no answer: Node's HTTP server aborts the in-flight request and ends the socket when the client's end arrives (`httpAllowHalfOpen` is false), so a handler slower than a few milliseconds loses its answer (e.g. POST /job/X/security, DELETE /steward/api/v1/users/X). Nothing is stalled or crashed; the request may still take effect unseen. Jetty answers such requests. Seen 2 times in 3,000 cases (seed explore-2: #96, #1895).",
    focused: [],
    matches: (testCase, violation, outcome) => violation.kind === 'no-answer' && outcome.kind === 'closed' && testCase.request.ending === 'half-close',
  },
];
