import { createHmac } from 'node:crypto';
import { Prng } from '../../support/prng.js';
import type { RawRequest } from '../../support/raw-http.js';
import { basicAuth } from '../../support/server.js';
import { WEBHOOK_SECRET } from './names.js';
import { bodyBytes, encodeComponent, formBody, hostileString, INJECTED_HEADER, jsonBody, multipartBody, queryValue, randomText, xmlBody } from './inputs.js';
import type { Names, Route } from './routes.js';

/** Who a case authenticates as. */
export type Principal = 'admin' | 'low' | 'anonymous' | 'admin-password' | 'trigger-token';

export interface Credentials {
  readonly adminToken: string;
  readonly adminPassword: string;
  readonly lowToken: string;
  readonly triggerToken: string;
}

/** One request of the suite, with what it was made of (for the report). */
export interface FuzzCase {
  readonly id: string;
  readonly route: string;
  readonly principal: Principal;
  /** The mutations applied, e.g. `header:content-length-negative`, in the order applied. */
  readonly mutations: readonly string[];
  readonly request: RawRequest;
  /** A unique client address (`X-Forwarded-For`, believed from the loopback proxy), so failed guesses of one case never lock out another. */
  readonly address: string;
}

const METHODS = ['GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'HEAD', 'OPTIONS', 'TRACE', 'PROPFIND', 'PURGE', 'get', 'FOO', 'M-SEARCH', 'CONNECT'];

/**
 * Builds case number `index` of a run: its own PRNG is seeded with `seed:index`, so one case can be
 * made again on its own, and a run with more cases starts with the same ones.
 */
export function generateCase(seed: string, index: number, routes: readonly Route[], names: Names, credentials: Credentials, port: number): FuzzCase {
  const random = new Prng(`${seed}:${index}`);
  const mutations: string[] = [];
  const route = random.pick(routes);
  let method = random.pick(route.methods);
  if (random.chance(0.06)) {
    method = random.pick(METHODS);
    mutations.push(`method:${method}`);
  }
  const principal = random.weighted<Principal>([
    [50, 'admin'],
    [20, 'low'],
    [20, 'anonymous'],
    [5, 'admin-password'],
    [5, 'trigger-token'],
  ]);
  const address = `10.${(index >> 16) & 255}.${(index >> 8) & 255}.${index & 255}`;

  // Target: path and query.
  let path = route.path(random, names);
  const query: string[] = [];
  for (const name of route.params ?? []) {
    // jsonp= is refused before anything else is read, so it is rare; xpath= and tree= are the costly ones.
    if (!random.chance(name === 'jsonp' ? 0.03 : name === 'xpath' || name === 'tree' ? 0.45 : 0.3)) continue;
    const value = queryValue(random, name);
    const times = random.chance(0.08) ? random.pick([2, 3, 100]) : 1;
    if (times > 1) mutations.push(`query:${name}-repeated-${times}`);
    for (let repeat = 0; repeat < times; repeat++) query.push(`${name}=${encodeComponent(random, value)}`);
  }
  if (random.chance(0.1)) {
    const kind = random.pick(['garbage-param', 'huge-param', 'many-params', 'broken-encoding', 'no-value', 'semicolon']);
    mutations.push(`query:${kind}`);
    if (kind === 'garbage-param') query.push(`${encodeComponent(random, hostileString(random))}=${encodeComponent(random, hostileString(random))}`);
    if (kind === 'huge-param') query.push(`${random.pick([...(route.params ?? []), 'x'])}=${'a'.repeat(random.pick([4000, 12_000]))}`);
    if (kind === 'many-params') query.push(...Array.from({ length: random.pick([200, 1500]) }, (_, at) => `p${at}=${at}`));
    if (kind === 'broken-encoding') query.push(random.pick(['%', 'a=%', 'a=%zz', '%zz=1', 'a=%c3%28', 'tree=%ff', 'a=%ed%a0%80', '&&&', '==', '?']));
    if (kind === 'no-value') query.push(random.pick([...(route.params ?? []), 'token']));
    if (kind === 'semicolon') query.push(random.pick(['a=1;b=2', 'jsessionid=1']));
  }
  if (random.chance(0.04)) {
    const kind = random.pick(['double-slash', 'dot-segments', 'trailing-dot', 'backslash', 'absolute-form', 'fragment', 'encoded-semicolon', 'long-path', 'raw-non-ascii', 'asterisk']);
    mutations.push(`target:${kind}`);
    if (kind === 'double-slash') path = path.replace(/\//g, '//');
    if (kind === 'dot-segments') path = `/./x/..${path}`;
    if (kind === 'trailing-dot') path = `${path}/.`;
    if (kind === 'backslash') path = path.replace(/\//g, '\\');
    if (kind === 'absolute-form') path = `http://127.0.0.1:${port}${path}`;
    if (kind === 'fragment') path = `${path}#x`;
    if (kind === 'encoded-semicolon') path = `${path}%3bjsessionid=x`;
    if (kind === 'long-path') path = `${path}${'/a'.repeat(random.pick([1000, 7000]))}`;
    if (kind === 'raw-non-ascii') path = `${path}é名`;
    if (kind === 'asterisk') path = '*';
  }
  const target = Buffer.from(query.length > 0 ? `${path}?${query.join('&')}` : path, 'utf8');

  // Headers: the ones every client sends, then the case's own.
  const headers: Array<[string, string | Buffer]> = [
    ['Host', `127.0.0.1:${port}`],
    ['X-Forwarded-For', address],
  ];
  const authorization = authorizationFor(principal, credentials);
  if (authorization) headers.push(['Authorization', authorization]);
  if (random.chance(0.3)) headers.push(['Accept', random.pick(['application/json', 'text/html', 'application/xml', '*/*', 'text/plain', 'application/json;q=0, text/html;q=abc', 'x'.repeat(3000), ''])]);
  if (random.chance(0.1)) headers.push(['Sec-Fetch-Mode', 'navigate']);
  if (random.chance(0.05)) headers.push(['X-Requested-With', 'XMLHttpRequest']);

  // Body.
  let body: Buffer = Buffer.alloc(0);
  let contentType: string | undefined;
  const sendsBody = method !== 'GET' && method !== 'HEAD' && (route.body ?? 'none') !== 'none' ? true : random.chance(0.05);
  if (sendsBody) {
    const kind = route.body === undefined || route.body === 'none' ? random.pick(['form', 'xml', 'json'] as const) : route.body;
    if (kind === 'form') {
      const fields = route.fields?.(random, names) ?? [[hostileString(random), hostileString(random)]];
      if (random.chance(0.15)) {
        const multipart = multipartBody(random, fields);
        mutations.push('body:multipart');
        body = multipart.body;
        contentType = multipart.contentType;
      } else {
        body = bodyBytes(random, formBody(random, fields));
        contentType = 'application/x-www-form-urlencoded';
      }
    } else if (kind === 'xml') {
      body = bodyBytes(random, xmlBody(random));
      contentType = random.pick(['application/xml', 'application/xml', 'text/xml;charset=UTF-8', 'application/xml; charset=ISO-8859-1']);
    } else if (kind === 'json') {
      body = bodyBytes(random, jsonBody(random, route.json?.(random, names) ?? {}));
      contentType = 'application/json';
    } else {
      const payload = jsonBody(random, { ref: random.pick(['refs/heads/main', hostileString(random)]), after: random.pick(['0123abcd', hostileString(random)]), repository: { name: 'x' }, object_kind: 'push' });
      body = bodyBytes(random, random.chance(0.2) ? `payload=${encodeURIComponent(payload)}` : payload);
      contentType = body.toString('latin1').startsWith('payload=') ? 'application/x-www-form-urlencoded' : 'application/json';
      const signed = random.chance(0.7);
      const signature = createHmac('sha256', WEBHOOK_SECRET).update(body).digest('hex');
      headers.push(['X-GitHub-Event', headerValue(random.pick(['push', 'ping', 'pull_request', '', hostileString(random)]))]);
      headers.push(['X-GitHub-Delivery', headerValue(random.pick(['d-1', '', 'x'.repeat(500), hostileString(random)]))]);
      headers.push(['X-Gitlab-Event', headerValue(random.pick(['Push Hook', 'Tag Push Hook', hostileString(random)]))]);
      headers.push(['X-Hub-Signature-256', signed ? `sha256=${signature}` : random.pick(['', 'sha256=', 'sha256=00', `sha1=${signature}`, 'x'.repeat(500)])]);
      headers.push(['X-Signature', signed ? `sha256=${signature}` : random.pick(['', 'sha256=zz', signature])]);
      headers.push(['X-Gitlab-Token', signed ? WEBHOOK_SECRET : random.pick(['', 'wrong', 'x'.repeat(5000)])]);
      if (!signed) mutations.push('webhook:unsigned');
    }
    if (random.chance(0.1)) {
      const wrong = random.pick(['text/plain', 'application/octet-stream', 'application/json', 'application/xml', 'application/x-www-form-urlencoded', 'multipart/form-data', 'application/json; charset=utf-16', 'x', '', ';;;', 'application/json;boundary', 'text/html; charset="\u00e9"']);
      mutations.push(`body:content-type ${wrong || '(empty)'}`);
      contentType = wrong;
    }
    if (random.chance(0.03)) {
      mutations.push('body:over-limit');
      body = Buffer.concat([body, Buffer.alloc(1024 * 1024 + 10, 0x61)]);
    }
    if (random.chance(0.05)) {
      mutations.push('body:random-bytes');
      body = Buffer.from(Array.from({ length: random.pick([1, 100, 5000]) }, () => random.int(256)));
    }
  }
  if (contentType !== undefined && random.chance(0.97)) headers.push(['Content-Type', contentType]);

  let autoContentLength = true;
  let ending: RawRequest['ending'] = 'answer';
  if (random.chance(0.25)) {
    const mutation = headerMutation(random, headers, body, port);
    mutations.push(`header:${mutation.name}`);
    if (mutation.body) body = mutation.body;
    if (mutation.noContentLength) autoContentLength = false;
    if (mutation.ending) ending = mutation.ending;
  }
  if (!headers.some(([name]) => name.toLowerCase() === 'connection')) headers.push(['Connection', 'close']);
  return {
    id: `${seed}#${index}`,
    route: route.id,
    principal,
    mutations,
    address,
    request: { method, target, headers, body, autoContentLength, ending },
  };
}

export function authorizationFor(principal: Principal, credentials: Credentials): string | null {
  switch (principal) {
    case 'admin':
      return basicAuth('admin', credentials.adminToken);
    case 'low':
      return basicAuth('low', credentials.lowToken);
    case 'admin-password':
      return basicAuth('admin', credentials.adminPassword);
    case 'trigger-token':
      return `Bearer ${credentials.triggerToken}`;
    default:
      return null;
  }
}

interface HeaderMutation {
  readonly name: string;
  readonly body?: Buffer;
  readonly noContentLength?: boolean;
  readonly ending?: RawRequest['ending'];
}

function replace(headers: Array<[string, string | Buffer]>, name: string, value: string | Buffer | null): void {
  for (let at = headers.length - 1; at >= 0; at--) if ((headers[at] as [string, unknown])[0].toLowerCase() === name.toLowerCase()) headers.splice(at, 1);
  if (value !== null) headers.push([name, value]);
}

/** One hostile change to the headers (and, for framing, the body). */
function headerMutation(random: Prng, headers: Array<[string, string | Buffer]>, body: Buffer, port: number): HeaderMutation {
  const kind = random.pick([
    'basic-broken', 'basic-broken', 'basic-huge', 'bearer-garbage', 'cookie-huge', 'cookie-over-limit', 'cookie-many', 'cookie-session-garbage',
    'accept-odd', 'content-length-negative', 'content-length-garbage', 'content-length-short', 'content-length-long', 'content-length-duplicate',
    'content-length-and-chunked', 'chunked', 'chunked-broken', 'header-cr', 'header-lf', 'header-nul', 'header-obs-fold', 'header-name-space',
    'host-missing', 'host-odd', 'forwarded-garbage', 'crumb-garbage', 'idempotency-key', 'steward-token', 'if-none-match', 'range', 'expect-continue',
    'console-state', 'hang-up', 'half-close', 'utf8-header-value',
  ] as const);
  switch (kind) {
    case 'basic-broken':
      replace(headers, 'Authorization', random.pick(['Basic', 'Basic ', 'Basic !!!', 'Basic =', 'Basic YWRtaW4=', `Basic ${Buffer.from('admin').toString('base64')}`, `Basic ${Buffer.from(':').toString('base64')}`, `Basic ${Buffer.from('admin:').toString('base64')}`, `Basic ${Buffer.from(':x').toString('base64')}`, `Basic ${Buffer.from([0xff, 0x3a, 0xfe]).toString('base64')}`, `Basic ${Buffer.from('ad\u0000min:x').toString('base64')}`, `basic ${Buffer.from('low:wrong').toString('base64')}`, 'Basic  YWRtaW46eA==', 'Digest username="admin"', 'NTLM TlRMTVNTUAAB', 'Basic YWRtaW46eA==, Basic YWRtaW46eA==', `Basic ${Buffer.from(`admin:stwu_${'0'.repeat(40)}`).toString('base64')}`]));
      return { name: kind };
    case 'basic-huge':
      replace(headers, 'Authorization', `Basic ${Buffer.from(`admin:${'x'.repeat(random.pick([1000, 10_000]))}`).toString('base64')}`);
      return { name: kind };
    case 'bearer-garbage':
      replace(headers, 'Authorization', random.pick(['Bearer', 'Bearer ', 'Bearer stwt_', `Bearer stwt_${'0'.repeat(43)}`, 'Bearer x.y.z', `Bearer ${'a'.repeat(5000)}`]));
      return { name: kind };
    case 'cookie-huge':
      headers.push(['Cookie', `a=${'x'.repeat(random.pick([4000, 12_000]))}`]);
      return { name: kind };
    case 'cookie-over-limit':
      headers.push(['Cookie', `a=${'x'.repeat(20_000)}`]);
      return { name: kind };
    case 'cookie-many':
      headers.push(['Cookie', Array.from({ length: random.pick([100, 1000]) }, (_, at) => `c${at}=${at}`).join('; ')]);
      return { name: kind };
    case 'cookie-session-garbage':
      headers.push(['Cookie', random.pick(['JSESSIONID.00000000=x', 'JSESSIONID.=', 'JSESSIONID.abcdef12=' + 'a'.repeat(500), '=;=;=', 'JSESSIONID.1=%zz', 'a="unterminated', `JSESSIONID.abc=${randomText(random, 20).replace(/[\r\n\u0000]/g, '')}`])]);
      return { name: kind };
    case 'accept-odd':
      replace(headers, 'Accept', random.pick(['application/json, text/html', 'text/html;q=0.1, application/json;q=0.9', '*/*;q=', 'application/*', '\u00e9', ',,,', 'application/json'.repeat(200)]));
      return { name: kind };
    case 'content-length-negative':
      replace(headers, 'Content-Length', '-1');
      return { name: kind, noContentLength: true };
    case 'content-length-garbage':
      replace(headers, 'Content-Length', random.pick(['x', '1x', '0x10', '1e3', ' ', '+5', '99999999999999999999', '1,1']));
      return { name: kind, noContentLength: true };
    case 'content-length-short':
      replace(headers, 'Content-Length', String(Math.max(0, body.length - random.between(1, 10))));
      return { name: kind, noContentLength: true };
    case 'content-length-long':
      // More announced than sent; the client then half-closes, as a truncated upload does.
      replace(headers, 'Content-Length', String(body.length + random.between(1, 100)));
      return { name: kind, noContentLength: true, ending: 'half-close' };
    case 'content-length-duplicate':
      headers.push(['Content-Length', String(body.length)], ['Content-Length', String(body.length + 1)]);
      return { name: kind, noContentLength: true };
    case 'content-length-and-chunked':
      headers.push(['Content-Length', String(body.length)], ['Transfer-Encoding', 'chunked']);
      return { name: kind, body: chunk(body), noContentLength: true };
    case 'chunked':
      headers.push(['Transfer-Encoding', random.pick(['chunked', 'Chunked', 'gzip, chunked'])]);
      return { name: kind, body: chunk(body), noContentLength: true };
    case 'chunked-broken':
      headers.push(['Transfer-Encoding', random.pick(['chunked', 'chunked, identity', 'identity', 'x'])]);
      return { name: kind, body: Buffer.from(random.pick(['zz\r\nab\r\n0\r\n\r\n', '5\r\nab\r\n0\r\n\r\n', '1;ext=x\r\na\r\n0\r\n\r\n', 'fffffffffffffffff\r\n', '-1\r\n\r\n', '0\r\n'])), noContentLength: true };
    case 'header-cr':
      headers.push(['X-Fuzz', Buffer.from(`a\rb`, 'latin1')]);
      return { name: kind };
    case 'header-lf':
      headers.push(['X-Fuzz', Buffer.from(`a\n${INJECTED_HEADER}: yes`, 'latin1')]);
      return { name: kind };
    case 'header-nul':
      headers.push(['X-Fuzz', Buffer.from('a\u0000b', 'latin1')]);
      return { name: kind };
    case 'header-obs-fold':
      headers.push(['X-Fuzz', Buffer.from('a\r\n b', 'latin1')]);
      return { name: kind };
    case 'header-name-space':
      headers.push([random.pick(['X Fuzz', 'X-Fuzz ', ' X-Fuzz', 'X:Fuzz', '']), 'a']);
      return { name: kind };
    case 'host-missing':
      replace(headers, 'Host', null);
      return { name: kind };
    case 'host-odd':
      replace(headers, 'Host', random.pick(['', 'evil.example', 'user:pass@evil.example', `127.0.0.1:${port}@evil.example`, '[::1', '127.0.0.1:99999', '127.0.0.1:x', 'a b', '%00', 'é.example', 'x'.repeat(5000), 'evil.example/path?x', '127.0.0.1:80, evil.example']));
      return { name: kind };
    case 'forwarded-garbage':
      replace(headers, 'X-Forwarded-For', random.pick(['', 'x', 'unknown', '1.2.3.4, x, ::1', '999.1.1.1', '[::1]:80', '_hidden', Array.from({ length: 500 }, () => '1.2.3.4').join(', '), '10.0.0.1'.repeat(500)]));
      if (random.chance(0.5)) headers.push(['Forwarded', random.pick(['for=', 'for="[::1', 'for=1.2.3.4;proto=https', ';;;,,,', 'for=_x;by=y;proto=gopher', 'x'.repeat(5000)])]);
      if (random.chance(0.5)) headers.push(['X-Forwarded-Proto', random.pick(['https', 'gopher', '', 'https, http'])]);
      return { name: kind };
    case 'crumb-garbage':
      headers.push(['Jenkins-Crumb', random.pick(['', 'x', '0'.repeat(64), 'a'.repeat(5000), '%00', 'é'])]);
      return { name: kind };
    case 'idempotency-key':
      headers.push(['Idempotency-Key', random.pick(['', 'k', 'x'.repeat(5000), 'é', '\u00ff'])]);
      return { name: kind };
    case 'steward-token':
      headers.push(['X-Steward-Token', random.pick(['', 'x', `stwt_${'0'.repeat(43)}`, 'stwt_', 'a'.repeat(5000)])]);
      return { name: kind };
    case 'if-none-match':
      headers.push(['If-None-Match', random.pick(['*', '""', 'W/"x"', '"x"'.repeat(1000)])]);
      return { name: kind };
    case 'range':
      headers.push(['Range', random.pick(['bytes=0-1', 'bytes=-1', 'bytes=5-1', 'bytes=0-1,2-3', 'x'])]);
      return { name: kind };
    case 'expect-continue':
      headers.push(['Expect', random.pick(['100-continue', '100-Continue', 'x'])]);
      return { name: kind };
    case 'console-state':
      headers.push(['X-Console-State', random.pick(['', 'x', '{}', '999999', 'fg=999;bg=-1', 'a'.repeat(5000)])]);
      return { name: kind };
    case 'hang-up':
      return { name: kind, ending: 'hang-up' };
    case 'half-close':
      return { name: kind, ending: 'half-close' };
    case 'utf8-header-value':
      headers.push(['X-Fuzz', Buffer.from('名前 é 🙂', 'utf8')]);
      return { name: kind };
  }
}

/**
 * A hostile string as a header value HTTP allows (visible ASCII, space, tab, and bytes from 0x80 as
 * obs-text): the controls are dropped, non-ASCII goes as its UTF-8 bytes. Broken header lines are the
 * business of the `header-*` mutations alone, so that they stay rare.
 */
export function headerValue(text: string): Buffer {
  return Buffer.from(text.replace(/[\u0000-\u0008\u000a-\u001f\u007f]/g, '').replace(/[\ud800-\udfff]/g, '?').trim(), 'utf8');
}

function chunk(body: Buffer): Buffer {
  if (body.length === 0) return Buffer.from('0\r\n\r\n');
  const half = Math.ceil(body.length / 2);
  const parts = [body.subarray(0, half), body.subarray(half)].filter((part) => part.length > 0);
  return Buffer.concat([...parts.flatMap((part) => [Buffer.from(`${part.length.toString(16)}\r\n`), part, Buffer.from('\r\n')]), Buffer.from('0\r\n\r\n')]);
}
