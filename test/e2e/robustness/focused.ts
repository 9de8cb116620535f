import { createHmac } from 'node:crypto';
import type { RawOutcome, RawRequest } from '../../support/raw-http.js';
import { authorizationFor, type Credentials, type Principal } from './generate.js';
import { INJECTED_HEADER } from './inputs.js';
import { WEBHOOK_SECRET } from './names.js';

/**
 * Hand-written hostile requests, run in every run whatever the seed: the findings of issue 12 that a
 * single request reproduces, and the classics of each input class. Besides the rules every answer
 * follows (check.ts), some say what the answer must be.
 */
export interface FocusedCase {
  readonly id: string;
  readonly principal: Principal;
  readonly method: string;
  readonly target: string | Buffer;
  readonly headers?: ReadonlyArray<readonly [string, string | Buffer]>;
  readonly body?: string | Buffer;
  readonly ending?: RawRequest['ending'];
  /** A problem with the answer beyond the common rules, or null. */
  readonly expect?: (outcome: RawOutcome) => string | null;
}

function status(allowed: readonly number[], reason?: string): (outcome: RawOutcome) => string | null {
  return (outcome) => {
    if (outcome.kind !== 'response') return `expected ${allowed.join('/')}, got no answer`;
    const got = outcome.response.headers.get('x-steward-reason')?.[0];
    if (!allowed.includes(outcome.response.status)) return `expected ${allowed.join('/')}${reason ? ` ${reason}` : ''}, got ${outcome.response.status} ${got ?? ''}`;
    if (reason && got !== reason) return `expected reason ${reason}, got ${got}`;
    return null;
  };
}

/** A deep JSON body refused for its depth, before it is parsed. */
function nestingRefused(outcome: RawOutcome): string | null {
  return status([400], 'body_invalid')(outcome) ?? (outcome.kind === 'response' && outcome.response.body.includes('nests deeper') ? null : 'refused, but not for its nesting (so after parsing it)');
}

const nested = (levels: number) => `//*${'[//*'.repeat(levels)}${']'.repeat(levels)}`;
const EXPENSIVE_AXES = '//*[count(following::*/preceding::*/following::*/preceding::*)>1]';

export const FOCUSED: readonly FocusedCase[] = [
  // Issue 12, finding 1: XPath that grows exponentially, anonymous, and with read access; exclude= too.
  { id: 'xpath-nested-anonymous', principal: 'anonymous', method: 'GET', target: `/whoAmI/api/xml?wrapper=w&xpath=${encodeURIComponent(nested(10))}` },
  { id: 'xpath-axes-admin', principal: 'admin', method: 'GET', target: `/api/xml?depth=2&xpath=${encodeURIComponent(EXPENSIVE_AXES)}`, expect: status([200, 400, 503]) },
  { id: 'exclude-axes-admin', principal: 'admin', method: 'GET', target: `/api/xml?depth=2&exclude=${encodeURIComponent(EXPENSIVE_AXES)}`, expect: status([200, 400, 503]) },
  { id: 'xpath-document-function', principal: 'admin', method: 'GET', target: `/api/xml?xpath=${encodeURIComponent('document("file:///etc/passwd")')}`, expect: (outcome) => (outcome.kind === 'response' && outcome.response.body.includes('root:x:0') ? '/etc/passwd was read' : null) },
  // Finding 7: tree= nested 5,000 deep is a 400 (jenkins-compat.md A1), not a stack overflow.
  { id: 'tree-5000-deep', principal: 'admin', method: 'GET', target: `/api/json?tree=${'a['.repeat(5000)}`, expect: status([400], 'tree_invalid') },
  { id: 'tree-huge-range', principal: 'admin', method: 'GET', target: `/api/json?tree=${encodeURIComponent('jobs[name]{0,99999999999999999999}')}`, expect: status([200, 400]) },
  { id: 'depth-11', principal: 'admin', method: 'GET', target: '/api/json?depth=11', expect: status([400], 'depth_invalid') },
  // Finding 7: a login from= with CR/LF: no 500, no header made of it.
  { id: 'login-from-crlf', principal: 'anonymous', method: 'POST', target: '/j_spring_security_check', headers: [['Content-Type', 'application/x-www-form-urlencoded']], body: `j_username=low&j_password=low-password-1&from=${encodeURIComponent(`/x\r\n${INJECTED_HEADER}: yes`)}`, expect: status([302]) },
  // Finding 7: a parameter value with a NUL byte is refused, not accepted for a build that cannot start.
  { id: 'parameter-nul', principal: 'admin', method: 'POST', target: '/job/team/job/app/buildWithParameters?TARGET=staging&VERSION=a%00b', expect: status([400], 'parameter_invalid') },
  // Finding 6: deep and wide config.xml within the body limit.
  { id: 'config-xml-deep', principal: 'admin', method: 'POST', target: '/job/victim/config.xml', headers: [['Content-Type', 'application/xml']], body: `<project>${'<a>'.repeat(140_000)}`, expect: status([400]) },
  { id: 'config-xml-wide', principal: 'admin', method: 'POST', target: '/job/victim/config.xml', headers: [['Content-Type', 'application/xml']], body: `<project>${'<a/>'.repeat(250_000)}</project>`, expect: status([400], 'xml_too_complex') },
  { id: 'config-xml-entities', principal: 'admin', method: 'POST', target: '/createItem?name=lolz', headers: [['Content-Type', 'application/xml']], body: '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]><project><description>&lol2;</description></project>', expect: status([400], 'xml_doctype_forbidden') },
  { id: 'config-xml-external-entity', principal: 'admin', method: 'POST', target: '/createItem?name=xxe', headers: [['Content-Type', 'application/xml']], body: '<?xml version="1.0"?><!DOCTYPE p [<!ENTITY x SYSTEM "file:///etc/passwd">]><project><description>&x;</description></project>', expect: status([400], 'xml_doctype_forbidden') },
  { id: 'create-item-nul-name', principal: 'admin', method: 'POST', target: '/createItem?name=a%00b', headers: [['Content-Type', 'application/xml']], body: '<project/>', expect: status([400], 'name_invalid') },
  // Finding 2 and 4, in small: the hostile console log read in every format.
  { id: 'hostile-log-html', principal: 'admin', method: 'GET', target: '/job/hostile-log/1/logText/progressiveHtml?start=0', expect: status([200]) },
  { id: 'hostile-log-text-negative-start', principal: 'admin', method: 'GET', target: '/job/hostile-log/1/logText/progressiveText?start=-1', expect: status([200, 400]) },
  { id: 'hostile-log-text-huge-start', principal: 'admin', method: 'GET', target: `/job/hostile-log/1/logText/progressiveText?start=${'9'.repeat(30)}`, expect: status([200, 400]) },
  { id: 'hostile-log-build-page', principal: 'admin', method: 'GET', target: '/job/hostile-log/1/', headers: [['Sec-Fetch-Mode', 'navigate']], expect: status([200]) },
  { id: 'hostile-log-text', principal: 'low', method: 'GET', target: '/job/hostile-log/1/consoleText', expect: status([404]) },
  // Finding 9: a client hanging up mid-body is not an unhandled error.
  { id: 'hang-up-mid-body', principal: 'admin', method: 'POST', target: '/job/victim/config.xml', headers: [['Content-Type', 'application/xml'], ['Content-Length', '100000']], body: '<project>'.padEnd(5000, ' '), ending: 'hang-up' },
  { id: 'half-close-short-body', principal: 'admin', method: 'POST', target: '/steward/api/v1/users', headers: [['Content-Type', 'application/json'], ['Content-Length', '500']], body: '{"id":"x",', ending: 'half-close' },
  // Bodies.
  { id: 'json-deep-native', principal: 'admin', method: 'POST', target: '/steward/api/v1/users', headers: [['Content-Type', 'application/json']], body: '['.repeat(500_000), expect: status([400], 'body_invalid') },
  // Balanced and within the 1 MiB limit: parses, but 500,000 levels deep.
  { id: 'json-deep-balanced-native', principal: 'low', method: 'POST', target: '/steward/api/v1/users', headers: [['Content-Type', 'application/json']], body: `${'['.repeat(500_000)}${']'.repeat(500_000)}`, expect: nestingRefused },
  { id: 'json-deep-balanced-build', principal: 'low', method: 'POST', target: '/job/team/job/app/build', headers: [['Content-Type', 'application/x-www-form-urlencoded']], body: `json=${'%5B'.repeat(170_000)}${'%5D'.repeat(170_000)}`, expect: nestingRefused },
  { id: 'json-deep-balanced-webhook', principal: 'anonymous', method: 'POST', target: '/steward/hooks/gl', headers: [['Content-Type', 'application/json'], ['X-Gitlab-Event', 'Push Hook'], ['X-Gitlab-Token', WEBHOOK_SECRET]], body: `${'['.repeat(500_000)}${']'.repeat(500_000)}`, expect: status([400], 'body_invalid') },
  { id: 'json-over-limit', principal: 'admin', method: 'POST', target: '/steward/api/v1/users', headers: [['Content-Type', 'application/json']], body: `{"id":"${'x'.repeat(1_100_000)}"}`, expect: status([413], 'payload_too_large') },
  { id: 'json-proto-pollution', principal: 'admin', method: 'PATCH', target: '/steward/api/v1/security', headers: [['Content-Type', 'application/json']], body: '{"__proto__":{"allowAnonymousRead":true},"constructor":{"prototype":{"x":1}}}', expect: status([400], 'body_invalid') },
  { id: 'multipart-broken', principal: 'admin', method: 'POST', target: '/job/team/job/app/buildWithParameters', headers: [['Content-Type', 'multipart/form-data; boundary=b']], body: '--b\r\nContent-Disposition: form-data; name="TARGET"\r\n\r\nstaging', expect: status([400], 'body_invalid') },
  { id: 'form-many-fields', principal: 'admin', method: 'POST', target: '/job/team/job/app/buildWithParameters', headers: [['Content-Type', 'application/x-www-form-urlencoded']], body: Array.from({ length: 60_000 }, (_, index) => `f${index}=x`).join('&') },
  { id: 'build-json-deep', principal: 'admin', method: 'POST', target: '/job/team/job/app/build', headers: [['Content-Type', 'application/x-www-form-urlencoded']], body: `json=${'%5B'.repeat(200_000)}`, expect: nestingRefused },
  { id: 'webhook-signed-deep-json', principal: 'anonymous', method: 'POST', target: '/steward/hooks/gh', headers: [['Content-Type', 'application/json'], ['X-GitHub-Event', 'push'], ['X-Hub-Signature-256', `sha256=${createHmac('sha256', WEBHOOK_SECRET).update('['.repeat(300_000)).digest('hex')}`]], body: '['.repeat(300_000), expect: status([400], 'body_invalid') },
  { id: 'webhook-signed-ref-object', principal: 'anonymous', method: 'POST', target: '/steward/hooks/gh', headers: [['Content-Type', 'application/json'], ['X-GitHub-Event', 'push'], ['X-Hub-Signature-256', `sha256=${createHmac('sha256', WEBHOOK_SECRET).update('{"ref":{"a":1},"after":[1]}').digest('hex')}`]], body: '{"ref":{"a":1},"after":[1]}', expect: status([201, 202, 400]) },
  { id: 'webhook-gitlab-field-path', principal: 'anonymous', method: 'POST', target: '/steward/hooks/gl', headers: [['Content-Type', 'application/json'], ['X-Gitlab-Event', 'Push Hook'], ['X-Gitlab-Token', WEBHOOK_SECRET]], body: '{"ref":"refs/heads/main","after":{"__proto__":{"x":1}}}', expect: status([200, 201, 202, 400]) },
  // Queries and names.
  { id: 'delay-huge', principal: 'admin', method: 'POST', target: '/job/victim/build?delay=1e309', expect: status([400], 'delay_invalid') },
  { id: 'delay-overflow-ms', principal: 'admin', method: 'POST', target: `/job/victim/build?delay=${'9'.repeat(30)}`, expect: status([201, 400]) },
  { id: 'build-number-huge', principal: 'admin', method: 'GET', target: `/job/demo/${'9'.repeat(400)}/api/json`, expect: status([404], 'build_not_found') },
  { id: 'queue-id-huge', principal: 'admin', method: 'GET', target: `/queue/item/${'9'.repeat(400)}/api/json`, expect: status([400, 404]) },
  { id: 'queue-cancel-item-huge', principal: 'admin', method: 'POST', target: `/queue/cancelItem?id=${'9'.repeat(400)}`, expect: status([400, 404]) },
  { id: 'semicolon-encoded', principal: 'admin', method: 'GET', target: '/job/demo%3Bx/api/json', expect: status([400], 'semicolon_forbidden') },
  { id: 'encoded-slash-name', principal: 'admin', method: 'GET', target: '/job/team%2Fapp/api/json', expect: status([404]) },
  { id: 'dot-dot-encoded', principal: 'low', method: 'POST', target: '/job/team/job/%2e%2e/job/demo/doDelete', expect: status([403, 404]) },
  { id: 'static-traversal', principal: 'anonymous', method: 'GET', target: '/static/..%2F..%2Fpackage.json', expect: status([404]) },
  { id: 'static-traversal-raw', principal: 'anonymous', method: 'GET', target: '/static/../../package.json', expect: status([403, 404]) },
  // A name longer than a file name may be: created, every build of it failed (ENAMETOOLONG on its workspace).
  { id: 'name-very-long', principal: 'admin', method: 'POST', target: `/createItem?name=${'n'.repeat(4000)}`, headers: [['Content-Type', 'application/xml']], body: '<project/>', expect: status([400], 'name_invalid') },
  { id: 'name-too-long-for-a-directory', principal: 'admin', method: 'POST', target: `/createItem?name=${encodeURIComponent('名'.repeat(90))}`, headers: [['Content-Type', 'application/xml']], body: '<project/>', expect: status([400], 'name_invalid') },
  { id: 'jsonp', principal: 'admin', method: 'GET', target: '/api/json?jsonp=alert', expect: status([403], 'jsonp_forbidden') },
  { id: 'wrapper-invalid', principal: 'admin', method: 'GET', target: '/api/xml?xpath=//job&wrapper=%3Cx', expect: status([400], 'wrapper_invalid') },
  // Headers.
  { id: 'basic-not-base64', principal: 'anonymous', method: 'GET', target: '/api/json', headers: [['Authorization', 'Basic !!!']], expect: status([401], 'credentials_invalid') },
  { id: 'basic-invalid-utf8', principal: 'anonymous', method: 'GET', target: '/api/json', headers: [['Authorization', `Basic ${Buffer.from([0x61, 0xff, 0x3a, 0xfe]).toString('base64')}`]], expect: status([401], 'credentials_invalid') },
  { id: 'cookie-huge-within-limit', principal: 'admin', method: 'GET', target: '/api/json', headers: [['Cookie', `a=${'x'.repeat(12_000)}`]], expect: status([200]) },
  { id: 'accept-json-refusal', principal: 'anonymous', method: 'GET', target: '/job/demo/api/json', headers: [['Accept', 'application/json']], expect: status([403], 'authentication_required') },
  { id: 'navigate-refusal-page', principal: 'low', method: 'GET', target: '/manage/', headers: [['Sec-Fetch-Mode', 'navigate']], expect: status([403], 'permission_missing') },
  { id: 'host-with-user-info', principal: 'admin', method: 'POST', target: '/job/victim/build', headers: [['Host', 'user:pass@evil.example']] },
  // Forms of the pages: a refused form is re-rendered with its errors, and says why like every refusal.
  { id: 'form-security-strategy', principal: 'admin', method: 'POST', target: '/manage/security', headers: [['Content-Type', 'application/x-www-form-urlencoded']], body: 'strategy=nonsense', expect: status([400], 'parameter_invalid') },
  { id: 'form-users-delete-missing', principal: 'admin', method: 'POST', target: '/manage/users/delete', headers: [['Content-Type', 'application/x-www-form-urlencoded']], body: 'id=nobody-here', expect: status([404], 'user_not_found') },
  { id: 'form-users-create-short-password', principal: 'admin', method: 'POST', target: '/manage/users', headers: [['Content-Type', 'application/x-www-form-urlencoded']], body: 'id=fuzz-short&password=x', expect: status([400], 'password_rejected') },
  { id: 'form-new-item-bad-name', principal: 'admin', method: 'POST', target: '/newJob', headers: [['Content-Type', 'application/x-www-form-urlencoded']], body: 'name=a%3Cb&mode=job', expect: status([400], 'name_invalid') },
  { id: 'form-new-item-copy-missing', principal: 'admin', method: 'POST', target: '/newJob', headers: [['Content-Type', 'application/x-www-form-urlencoded']], body: 'name=copy&from=nothing-here', expect: status([400], 'copy_source_missing') },
  { id: 'form-configure-not-a-number', principal: 'admin', method: 'POST', target: '/job/victim/configure', headers: [['Content-Type', 'application/x-www-form-urlencoded']], body: 'quietPeriodSeconds=soon&steps%5B0%5D.command=true', expect: status([400], 'config_invalid') },
  { id: 'form-webhook-kind', principal: 'admin', method: 'POST', target: '/manage/webhooks', headers: [['Content-Type', 'application/x-www-form-urlencoded']], body: 'name=x&kind=svn&secret=a-long-enough-secret&jobs=victim', expect: status([400], 'parameter_invalid') },
  { id: 'form-webhooks-delete-missing', principal: 'admin', method: 'POST', target: '/manage/webhooks/delete', headers: [['Content-Type', 'application/x-www-form-urlencoded']], body: 'name=nothing-here', expect: status([404], 'webhook_not_found') },
  { id: 'form-trigger-token-revoke-missing', principal: 'admin', method: 'POST', target: '/manage/trigger-tokens/revoke', headers: [['Content-Type', 'application/x-www-form-urlencoded']], body: 'uuid=nothing-here', expect: status([404], 'trigger_token_not_found') },
  { id: 'form-audit-filter', principal: 'admin', method: 'GET', target: '/manage/audit?since=yesterday-ish', expect: status([400], 'parameter_invalid') },
  { id: 'form-item-security-new-row', principal: 'admin', method: 'POST', target: '/job/victim/security', headers: [['Content-Type', 'application/x-www-form-urlencoded']], body: 'newSid=someone', expect: status([400], 'grant_invalid') },
  { id: 'form-parameters', principal: 'admin', method: 'POST', target: '/job/team/job/app/build', headers: [['Content-Type', 'application/x-www-form-urlencoded'], ['Sec-Fetch-Mode', 'navigate']], body: 'json=%7B%22parameter%22%3A%5B%7B%22name%22%3A%22TARGET%22%2C%22value%22%3A%22moon%22%7D%5D%7D', expect: status([400], 'parameter_invalid') },
  { id: 'form-password-mismatch', principal: 'admin', method: 'POST', target: '/user/victim-user/password', headers: [['Content-Type', 'application/x-www-form-urlencoded']], body: 'password=long-enough-1&confirm=long-enough-2', expect: status([400], 'parameter_invalid') },
  { id: 'form-api-token-expiry', principal: 'admin', method: 'POST', target: '/user/admin/tokens/new', headers: [['Content-Type', 'application/x-www-form-urlencoded']], body: 'name=x&expires=not-a-date', expect: status([400], 'config_invalid') },
  // The OpenAPI description's own example for PATCH /security grants Overall/Administer to user:alice,
  // who does not exist: accepted, it leaves no user able to administer (the guard counts grants, not users).
  { id: 'security-lockout-openapi-example', principal: 'admin', method: 'PATCH', target: '/steward/api/v1/security', headers: [['Content-Type', 'application/json']], body: '{"grants":{"authenticated":["Overall/Read","Job/Read"],"user:alice":["Overall/Administer"]}}', expect: status([400], 'grant_invalid') },
  // Protocol: what Node's HTTP parser and @hono/node-server answer before Steward's app sees the request.
  { id: 'protocol-header-cr', principal: 'anonymous', method: 'GET', target: '/whoAmI/api/json', headers: [['X-Fuzz', Buffer.from('a\rb', 'latin1')]] },
  { id: 'protocol-cookie-over-limit', principal: 'anonymous', method: 'GET', target: '/whoAmI/api/json', headers: [['Cookie', `a=${'x'.repeat(20_000)}`]] },
  { id: 'protocol-unknown-method', principal: 'anonymous', method: 'FOO', target: '/whoAmI/api/json' },
  { id: 'protocol-content-length-negative', principal: 'admin', method: 'POST', target: '/job/victim/build', headers: [['Content-Length', '-1']] },
  { id: 'protocol-raw-non-ascii-path', principal: 'admin', method: 'GET', target: Buffer.from('/job/é/api/json', 'utf8') },
  { id: 'protocol-host-missing', principal: 'anonymous', method: 'GET', target: '/whoAmI/api/json', headers: [['Host', '']] },
  { id: 'protocol-expect-unknown', principal: 'admin', method: 'POST', target: '/job/victim/build', headers: [['Expect', 'x']], expect: status([417], 'expectation_unsupported') },
  // TRACE would echo the Authorization header back (cross-site tracing).
  { id: 'method-trace', principal: 'admin', method: 'TRACE', target: '/api/json', expect: status([405], 'method_not_allowed') },
  { id: 'method-options', principal: 'admin', method: 'OPTIONS', target: '/api/json', expect: status([405], 'method_not_allowed') },
];

/** The raw request of a focused case, with the headers every client sends. */
export function focusedRequest(focused: FocusedCase, credentials: Credentials, port: number, address: string): RawRequest {
  const headers: Array<readonly [string, string | Buffer]> = [];
  const own = (name: string) => (focused.headers ?? []).some(([header]) => header.toLowerCase() === name);
  if (!own('host')) headers.push(['Host', `127.0.0.1:${port}`]);
  headers.push(['X-Forwarded-For', address]);
  const authorization = authorizationFor(focused.principal, credentials);
  if (authorization && !own('authorization')) headers.push(['Authorization', authorization]);
  for (const header of focused.headers ?? []) if (!(header[0].toLowerCase() === 'host' && header[1] === '')) headers.push(header);
  headers.push(['Connection', 'close']);
  return { method: focused.method, target: focused.target, headers, body: typeof focused.body === 'string' ? Buffer.from(focused.body, 'utf8') : focused.body, ending: focused.ending };
}
