import type { Prng } from '../../support/prng.js';

/**
 * Hostile values, by what they attack. Everything is built from the PRNG, so the same seed gives the
 * same bytes. Nothing here may contain the markers the checks look for in answers (`/src/`,
 * `node_modules`, `SqliteError`, a stack frame), so that an answer echoing a value is never taken for
 * a leak.
 */

/** The name of a response header the injected CR/LF values try to create. */
export const INJECTED_HEADER = 'x-fuzz-injected';
const CRLF_INJECTION = `\r\n${INJECTED_HEADER}: yes`;

/** Strings that break parsers, renderers and headers. */
export function hostileString(random: Prng): string {
  return random.weighted<() => string>([
    [3, () => random.pick(['', ' ', '.', '..', '...', '-', '_', '0', '-1', 'null', 'undefined', 'NaN', 'true', '[]', '{}', '__proto__', 'constructor', 'prototype', 'hasOwnProperty'])],
    [3, () => random.pick(['<script>alert(1)</script>', '"><img src=x onerror=alert(1)>', "'; DROP TABLE items; --", '${7*7}', '{{7*7}}', '%s%s%s%n', '\\', '\\\\?\\C:', '%00', '%2e%2e%2f', '../../../../etc/passwd', 'file:///etc/passwd', 'javascript:alert(1)', '//evil.example/', 'http://evil.example/'])],
    [2, () => `a${CRLF_INJECTION}`],
    [2, () => `a\u0000b`],
    [2, () => random.pick(['é', '名前', '🙂', '\u202e', '\u200b', '\ufeff', '\ud800', 'ǅ', 'ﬀ', 'İ', 'ß', '\u0130\u0131', 'Ω', 'ⓐ', '\u0301', 'a\u0308'])],
    [2, () => 'x'.repeat(random.pick([255, 256, 1024, 4096, 8000]))],
    [1, () => '9'.repeat(random.pick([10, 20, 40, 400]))],
    [1, () => random.pick(['1e308', '-0', '0x10', '1_000', '0777', '+1', ' 1', '1 ', '１', '٣', 'Infinity', '-Infinity', '4294967296', '9007199254740993', '-9223372036854775809'])],
    [2, () => randomText(random, random.between(1, 40))],
  ])();
}

/** Characters from every class that matters: URL delimiters, Jenkins' unsafe name characters, controls, non-ASCII. */
const ALPHABET = [...'abcXYZ019-_.~ !"#$%&\'()*+,/:;<=>?@[\\]^`{|}\t', '\u0000', '\u0001', '\u007f', '\u0085', 'é', '名', '🙂', '\u202e', '\r', '\n'];

export function randomText(random: Prng, length: number): string {
  let text = '';
  for (let index = 0; index < length; index++) text += random.pick(ALPHABET);
  return text;
}

/** An item name as a path segment: valid, odd, hostile, or broken in its encoding. Returns the raw segment. */
export function hostileSegment(random: Prng): string {
  return random.weighted<() => string>([
    [4, () => encodeURIComponent(hostileString(random).replace(/[\ud800-\udfff]/g, 'x'))],
    [2, () => random.pick(['..', '.', '%2e%2e', '%2E', '%2f', 'a%2Fb', '%2F..%2F', '%5c', 'a%5Cb', '..%00', '%00', '%0d%0a', '%25', '%25%32%66'])],
    [2, () => random.pick(['%', '%z', '%zz', '%c3%28', '%e2%82', '%f0%9f%98', '%ff', '%c0%af', '%ed%a0%80', '%u0041', '%%41'])],
    [1, () => encodeURIComponent('x'.repeat(random.pick([200, 256, 1000, 4000])))],
    [1, () => random.pick(['api', 'json', 'xml', 'job', 'build', 'lastBuild', 'configure', 'config.xml', 'static', 'me', 'queue', 'whoAmI', 'manage', 'constructor', '__proto__'])],
  ])();
}

/** `tree=` values: valid, deep, wide, unbalanced, with odd ranges. */
export function treeValue(random: Prng): string {
  return random.weighted<() => string>([
    [2, () => random.pick(['jobs[name,color]', 'builds[number,url]{0,2}', 'jobs[builds[number]]', 'name,description', '*', 'jobs[*]', 'builds[*]{1}', 'items[id,why,task[name]]', 'computer[executors[currentExecutable[url]]]'])],
    // (3,000 `a[` percent-encoded fill 12 KB, near Node's 16 KB limit for the request head.)
    [2, () => 'a['.repeat(random.pick([33, 200, 1000, 3000]))],
    [2, () => `${'jobs['.repeat(random.pick([5, 20, 31, 32, 33]))}name${']'.repeat(random.pick([5, 20, 31, 32, 33]))}`],
    [1, () => Array.from({ length: random.pick([100, 1000, 3000]) }, (_, index) => `f${index}`).join(',')],
    [2, () => random.pick(['[', ']', ',', ',,', 'a[', 'a]', 'a{', 'a{0', 'a{,}', 'a{-1,2}', 'a{2,1}', 'a{99999999999999999999}', 'a{0,1e9}', 'a{1,2}{3}', 'a[b]{0,1}[c]', '{}', '[]', 'a b', 'a\tb', 'jobs[name]{0,' + '9'.repeat(30) + '}'])],
    [2, () => randomText(random, random.between(1, 60))],
  ])();
}

/** `xpath=` values: the crumb recipes, expensive ones, invalid ones, functions that must not reach out. */
export function xpathValue(random: Prng): string {
  return random.weighted<() => string>([
    [2, () => random.pick(['//name', '/hudson/job[1]/name', '//job/name', 'concat(//crumbRequestField,":",//crumb)', '/*/crumb/text()', 'count(//*)', '//*', 'name(/*)', '/*', '//job[name="demo"]', 'string(//name)', 'boolean(//x)', '//*[1]'])],
    [2, () => {
      const levels = random.pick([3, 6, 9, 12, 40]);
      return `//*${'[//*'.repeat(levels)}${']'.repeat(levels)}`;
    }],
    [2, () => random.pick(['//*[count(following::*/preceding::*/following::*/preceding::*)>1]', '//*[count(//*[count(//*)>0])>0]', 'sum(//*/@*)', '//*[string-length(string(/))>0]', 'count(//node()|//node()|//node())', '//*[contains(string(/), string(/))]', '//*[. = //*]', 'substring(string(/),1,99999999)', 'translate(string(/),"a","b")', "concat(string(/),string(/),string(/),string(/))"])],
    [2, () => random.pick(['document("file:///etc/passwd")', 'doc("/etc/passwd")', 'unparsed-text("/etc/passwd")', '$x', 'id("x")', 'key("a","b")', 'system-property("xsl:version")', 'ns:x', '//ns:*', 'processing-instruction()', 'lang("en")', 'generate-id()', 'current()'])],
    [2, () => random.pick(['', '/', '//', '[', ']', '(', '()', '//[', '//*[', '1 +', '@', '::', 'child::', '"unterminated', "'", '|', '//a|', '//*[position()=last()+1]', '1 div 0', '-(//*)', '---1'])],
    [1, () => `${'('.repeat(random.pick([100, 1000, 4000]))}1${')'.repeat(random.pick([100, 1000, 4000]))}`],
    [1, () => Array.from({ length: random.pick([50, 500, 2000]) }, () => '//*').join('|')],
    [2, () => randomText(random, random.between(1, 60))],
  ])();
}

/** Values for the other query parameters the routes read. */
export function queryValue(random: Prng, name: string): string {
  switch (name) {
    case 'tree':
      return treeValue(random);
    case 'xpath':
      return xpathValue(random);
    case 'exclude':
      return random.chance(0.5) ? xpathValue(random) : random.pick(['//job', '/*/job', '//name', '//*']);
    case 'depth':
      return random.pick(['0', '1', '2', '10', '11', '-1', '1.5', '1e1', 'x', '', '99999999999999999999', ' 1', '0x1', '00000000000000000002']);
    case 'wrapper':
      return random.pick(['w', 'list', '', '1a', 'a b', 'a<b', 'xml', 'a:b', 'x'.repeat(300), '-', 'é', '\u0000']);
    case 'start':
      return random.pick(['0', '-1', '1', '9'.repeat(25), '1e3', 'NaN', '', '-9999999999', '0x10', '1.5', '2147483648', '-0']);
    case 'delay':
      return random.pick(['0', '10sec', '500ms', '2min', '1h', '-1', '-1sec', 'x', '', '1e309', '99999999999999999999', '10 sec', '10secs', '1d', '1.5s', 'NaNms', '9007199254740993ms', '0x10', 'Infinity']);
    case 'pretty':
    case 'jsonp':
      return random.pick(['', 'true', 'callback', 'alert(1)//']);
    case 'from':
      return random.pick(['/', '/job/demo/', '//evil.example/', 'http://evil.example/', '\\\\evil', `/x${CRLF_INJECTION}`, '/job/demo/build?token=s3cret', 'javascript:alert(1)', '/%0d%0aSet-Cookie:%20a=b', '']);
    case 'mode':
      return random.pick(['copy', 'hudson.model.FreeStyleProject', 'com.cloudbees.hudson.plugins.folder.Folder', 'org.jenkinsci.plugins.workflow.job.WorkflowJob', '', 'x']);
    case 'id':
    case 'before':
    case 'limit':
      return random.pick(['1', '0', '-1', '9'.repeat(30), 'x', '', '1.5', '1e3', '2']);
    case 'since':
    case 'until':
      return random.pick(['2026-01-01T00:00:00Z', 'x', '', '0', '-1', '9999-99-99', '2026-13-45T99:99:99Z', '1e20']);
    default:
      return hostileString(random);
  }
}

/** A query-string component encoded one of several ways, some of them broken. */
export function encodeComponent(random: Prng, value: string): string {
  return random.weighted<() => string>([
    [6, () => encodeURIComponent(value.replace(/[\ud800-\udfff]/g, '\ufffd'))],
    [1, () => encodeURIComponent(value.replace(/[\ud800-\udfff]/g, '\ufffd')).replace(/%20/g, '+')],
    [1, () => `${encodeURIComponent(value.replace(/[\ud800-\udfff]/g, '\ufffd'))}${random.pick(['%', '%z', '%c3', '%ff', '%ed%a0%80'])}`],
  ])();
}

/** A config.xml body: a valid one, or one attacking the XML parser. */
export function xmlBody(random: Prng): string {
  const valid = `<?xml version='1.1' encoding='UTF-8'?><project><description>fuzz</description><properties/><builders><hudson.tasks.Shell><command>true</command></hudson.tasks.Shell></builders></project>`;
  return random.weighted<() => string>([
    [2, () => valid],
    [1, () => `<?xml version='1.1' encoding='UTF-8'?><com.cloudbees.hudson.plugins.folder.Folder><description>f</description></com.cloudbees.hudson.plugins.folder.Folder>`],
    [2, () => `<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;"><!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]><project><description>&lol3;</description></project>`],
    [1, () => `<?xml version="1.0"?><!DOCTYPE project [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><project><description>&xxe;</description></project>`],
    [1, () => `<?xml version="1.0"?><!DOCTYPE project SYSTEM "http://127.0.0.1:1/evil.dtd"><project/>`],
    [2, () => `<project>${'<a>'.repeat(random.pick([100, 1000, 50_000, 150_000]))}`],
    [1, () => `<project>${'<a/>'.repeat(random.pick([1000, 100_000, 250_000]))}</project>`],
    [1, () => `<project><description>${'x'.repeat(random.pick([1000, 900_000]))}</description></project>`],
    [1, () => `<project ${Array.from({ length: 5000 }, (_, index) => `a${index}="x"`).join(' ')}/>`],
    [2, () => random.pick(['', '<', '<project', '<project>', '</project>', '<project></projec>', '<?xml version="9"?><project/>', '<?xml encoding="UTF-7"?><project/>', '<project><![CDATA[', '<project>&unknown;</project>', '<project>&#0;</project>', '<project>&#xD800;</project>', '<p:project xmlns:p="x"/>', '<project xmlns="urn:x"><builders><hudson.tasks.Shell/></builders></project>', '<maven2-moduleset/>', '<flow-definition/>', 'not xml at all', '{"json": true}'])],
    [2, () => valid.replace('true', randomText(random, 30).replace(/[<&]/g, ''))],
    [1, () => valid.slice(0, random.int(valid.length))],
  ])();
}

/** A JSON body: deep, huge, broken, or a structure with hostile values. */
export function jsonBody(random: Prng, valid: unknown): string {
  return random.weighted<() => string>([
    [3, () => JSON.stringify(valid)],
    [3, () => JSON.stringify(mutateJson(random, valid))],
    [1, () => `${'['.repeat(random.pick([1000, 100_000, 500_000]))}${']'.repeat(random.pick([0, 1000]))}`],
    [1, () => `${'{"a":'.repeat(random.pick([1000, 100_000]))}1${'}'.repeat(random.pick([0, 1000]))}`],
    [1, () => JSON.stringify({ a: 'x'.repeat(random.pick([1000, 900_000])) })],
    [1, () => JSON.stringify(Array.from({ length: random.pick([1000, 100_000]) }, (_, index) => index))],
    [2, () => random.pick(['', '{', '}', '[', 'null', 'true', '0', '"x"', '{"a":}', '{"a":1,}', "{'a':1}", '{"a":1}{"b":2}', '{"__proto__":{"admin":true}}', '{"constructor":{"prototype":{"x":1}}}', 'NaN', '\ufeff{}', '{"a":"\\ud800"}', '{"a":1e999}', '[1,2', '\u0000'])],
    [1, () => JSON.stringify(valid).slice(0, random.int(JSON.stringify(valid).length))],
  ])();
}

function mutateJson(random: Prng, value: unknown): unknown {
  if (Array.isArray(value)) return random.chance(0.3) ? hostileValue(random) : value.map((item) => mutateJson(random, item));
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) {
      if (random.chance(0.15)) continue;
      out[random.chance(0.1) ? hostileString(random) : key] = random.chance(0.4) ? hostileValue(random) : mutateJson(random, item);
    }
    if (random.chance(0.2)) out[hostileString(random)] = hostileValue(random);
    return out;
  }
  return random.chance(0.6) ? hostileValue(random) : value;
}

function hostileValue(random: Prng): unknown {
  return random.weighted<() => unknown>([
    [4, () => hostileString(random)],
    [1, () => random.pick([0, -1, 1.5, 1e308, -1e308, Number.MAX_SAFE_INTEGER + 2, 2 ** 31])],
    [1, () => random.pick([null, true, false])],
    [1, () => []],
    [1, () => ({})],
    [1, () => [hostileString(random), hostileString(random)]],
    [1, () => ({ [hostileString(random)]: [hostileString(random)] })],
  ])();
}

/** A form body (application/x-www-form-urlencoded) from fields, some of them hostile, some repeated. */
export function formBody(random: Prng, fields: ReadonlyArray<readonly [string, string]>): string {
  const parts: string[] = [];
  for (const [name, value] of fields) {
    const times = random.chance(0.1) ? random.pick([2, 50]) : 1;
    for (let index = 0; index < times; index++) parts.push(`${encodeComponent(random, name)}=${encodeComponent(random, value)}`);
  }
  if (random.chance(0.05)) parts.push(...Array.from({ length: random.pick([1000, 50_000]) }, (_, index) => `f${index}=${index}`));
  if (random.chance(0.1)) parts.push(random.pick(['=', '&&', '%', 'a=%zz', '=x', 'a', 'a=b=c', '%00=%00']));
  return parts.join('&');
}

/** A multipart body with the given fields, sometimes broken. Returns the content type and the body. */
export function multipartBody(random: Prng, fields: ReadonlyArray<readonly [string, string]>): { contentType: string; body: Buffer } {
  const boundary = random.pick(['fuzzboundary', 'a', '', '"quoted"', 'x'.repeat(100), '--', 'b\u00e9']);
  const parts = fields.map(([name, value]) => `--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`).join('');
  const body = random.weighted<() => string>([
    [3, () => `${parts}--${boundary}--\r\n`],
    [1, () => parts],
    [1, () => `${parts}--${boundary}--\r\n`.slice(0, random.int(parts.length + 10))],
    [1, () => `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="../../x"\r\nContent-Type: application/octet-stream\r\n\r\n\u0000\u0001\r\n--${boundary}--\r\n`],
    [1, () => `--${boundary}\r\n\r\n\r\n--${boundary}--`],
  ])();
  const contentType = random.pick([`multipart/form-data; boundary=${boundary}`, 'multipart/form-data', `multipart/form-data; boundary="${boundary}"`, `multipart/mixed; boundary=${boundary}`]);
  return { contentType, body: Buffer.from(body, 'latin1') };
}

/** Turns a text body into bytes, sometimes with a NUL, invalid UTF-8 or a cut. */
export function bodyBytes(random: Prng, text: string): Buffer {
  let bytes: Buffer = Buffer.from(text, 'utf8');
  if (random.chance(0.08)) bytes = splice(random, bytes, Buffer.from([0]));
  if (random.chance(0.08)) bytes = splice(random, bytes, Buffer.from(random.pick([[0xff], [0xc3, 0x28], [0xed, 0xa0, 0x80], [0xf8, 0x88, 0x80, 0x80, 0x80], [0xc0, 0xaf]])));
  if (random.chance(0.03)) bytes = Buffer.concat([Buffer.from([0xfe, 0xff]), bytes]);
  return bytes;
}

function splice(random: Prng, bytes: Buffer, insert: Buffer): Buffer {
  const at = random.int(bytes.length + 1);
  return Buffer.concat([bytes.subarray(0, at), insert, bytes.subarray(at)]);
}
