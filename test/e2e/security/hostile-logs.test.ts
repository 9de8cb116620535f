import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { closeSync, createReadStream, existsSync, mkdtempSync, openSync, readdirSync, readFileSync, readlinkSync, readSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Jenkins from 'jenkins';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ChildServer, startChildServer } from '../../support/child-server.js';
import { basicAuth, jobXml, waitFor } from '../../support/server.js';

/**
 * DESIGN §4 "Nobody stalls the server for everyone", for console logs (issue 12, findings 2 and 4):
 * builds print hostile logs (150 MB of `<`, one endless line of colour codes and multi-byte
 * characters), and a real server process is read in every format at once. Its peak memory is read
 * from /proc (VmHWM, reset before each case, and VmRSS sampled meanwhile); a small request must be
 * answered quickly throughout; every byte read must be the file's.
 */
const BIN = fileURLToPath(new URL('../../../bin/steward.js', import.meta.url));
const MB = 1_000_000;
const MiB = 1024 * 1024;
/** The documented maxima per answer (docs/jenkins-compat.md, "Builds and logs"). */
const TEXT_PIECE = 16 * MiB;
const HTML_PIECE = 1 * MiB;
/** What the server may grow by while it serves all of it: a fraction of one log, let alone of what is read. */
const GROWTH_LIMIT_MB = 64;

const LT_BYTES = 150 * MB;
/** 24 bytes: two- and three-byte characters, a colour set and reset, markup, and an OSC title. */
const UNIT = 'é<\x1b[1;31m✓\x1b[0m&\x1b]0;t\x07';
const UNIT_COMMAND = `yes "$(printf 'é<\\033[1;31m✓\\033[0m&\\033]0;t\\007')" | tr -d '\\n'`;
const ANSI_BYTES = 30 * MB;
const CLI_BYTES = 60 * MB;

const home = mkdtempSync(join(tmpdir(), 'steward-hostile-logs-'));
let server: ChildServer;
let token: string;
let auth: string;

function call(path: string, init: RequestInit = {}): Promise<Response> {
  return server.fetch(path, init);
}

function createJob(name: string, command: string): Promise<void> {
  return server.createJob(name, jobXml({ steps: [command] }));
}

async function buildOf(name: string): Promise<number> {
  const response = await call(`/job/${name}/build`, { method: 'POST' });
  expect(response.status).toBe(201);
  const item = new URL(response.headers.get('location') ?? '').pathname;
  return waitFor(async () => ((await (await call(`${item}api/json`)).json()) as { executable?: { number: number } }).executable?.number, 20_000, `${name} to start`);
}

async function finished(name: string, number: number): Promise<void> {
  await waitFor(async () => (((await (await call(`/job/${name}/${number}/api/json?tree=building`)).json()) as { building: boolean }).building ? undefined : true), 60_000, `${name} #${number} to finish`, 100);
}

/** The log file of a job's build, found by a text its first lines contain. */
function logFile(marker: string): string {
  const root = join(home, 'jobs');
  const seen: string[] = [];
  for (const id of readdirSync(root)) {
    const path = join(root, id, '1', 'log');
    if (!existsSync(path)) {
      seen.push(`${id}: no log`);
      continue;
    }
    const head = Buffer.alloc(4096);
    const fd = openSync(path, 'r');
    const read = readSync(fd, head, 0, head.length, 0);
    closeSync(fd);
    if (head.subarray(0, read).includes(marker)) return path;
    seen.push(`${id}: ${JSON.stringify(head.subarray(0, Math.min(read, 400)).toString())}`);
  }
  // What each log begins with, so that a miss says why.
  throw new Error(`no log contains ${marker}:\n${seen.join('\n')}`);
}

function sha256OfFile(path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const hash = createHash('sha256');
    createReadStream(path)
      .on('data', (chunk) => hash.update(chunk))
      .on('end', () => resolve(hash.digest('hex')))
      .on('error', reject);
  });
}

/** Reads a whole answer into a hash, never holding it. */
async function sha256OfBody(response: Response): Promise<{ hash: string; bytes: number }> {
  const hash = createHash('sha256');
  let bytes = 0;
  for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
    hash.update(chunk);
    bytes += chunk.length;
  }
  return { hash: hash.digest('hex'), bytes };
}

/** VmRSS and VmHWM of the server, in MB. */
function memory(): { rss: number; peak: number } {
  const status = readFileSync(`/proc/${server.child.pid}/status`, 'utf8');
  const field = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN) / 1024;
  return { rss: field('VmRSS'), peak: field('VmHWM') };
}

interface Measured<T> {
  readonly result: T;
  /** How far the server's resident memory rose above where it was before, in MB. */
  readonly growth: number;
  /** The slowest answer to `/whoAmI/api/json`, asked for again and again meanwhile, in ms. */
  readonly slowest: number;
}

/**
 * Asks `/whoAmI/api/json` over and over from a process of its own (so that the test's own reading
 * does not delay the answers it times) until its stdin closes; then prints the slowest answer in ms
 * and how many failed.
 */
const PROBE = `
let running = true;
let slowest = 0;
let failures = 0;
process.stdin.on('end', () => (running = false)).resume();
(async () => {
  while (running) {
    const started = performance.now();
    try {
      const response = await fetch(process.env.PROBE_URL, { headers: { authorization: process.env.PROBE_AUTH } });
      await response.arrayBuffer();
      if (response.status !== 200) failures += 1;
    } catch {
      failures += 1;
    }
    slowest = Math.max(slowest, performance.now() - started);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  process.stdout.write(JSON.stringify({ slowest, failures }));
})();
`;

/** Runs `work` while watching the server's memory and asking it a small question over and over. */
async function measured<T>(work: () => Promise<T>): Promise<Measured<T>> {
  let peakReset = true;
  try {
    // "5" resets VmHWM to the current RSS; where that is refused, the sampled RSS stands in.
    writeFileSync(`/proc/${server.child.pid}/clear_refs`, '5');
  } catch {
    peakReset = false;
  }
  const before = memory().rss;
  let sampled = before;
  const sampler = setInterval(() => (sampled = Math.max(sampled, memory().rss)), 10);
  const probe = spawn(process.execPath, ['-e', PROBE], { env: { ...process.env, PROBE_URL: new URL('whoAmI/api/json', server.url).href, PROBE_AUTH: auth }, stdio: ['pipe', 'pipe', 'inherit'] });
  let report = '';
  probe.stdout.on('data', (chunk: Buffer) => (report += chunk.toString()));
  const probed = new Promise<void>((resolve) => probe.on('close', () => resolve()));
  try {
    const result = await work();
    const growth = Math.max(sampled, peakReset ? memory().peak : 0) - before;
    probe.stdin.end();
    await probed;
    const { slowest, failures } = JSON.parse(report) as { slowest: number; failures: number };
    expect(failures).toBe(0);
    return { result, growth, slowest };
  } finally {
    clearInterval(sampler);
    probe.stdin.end();
    await probed;
  }
}

/** Follows progressiveText from 0 to the end as a client looping on X-More-Data does. */
async function readProgressiveText(name: string, number: number): Promise<{ hash: string; answers: number[] }> {
  const hash = createHash('sha256');
  const answers: number[] = [];
  let start = 0;
  for (;;) {
    const response = await call(`/job/${name}/${number}/logText/progressiveText?start=${start}`);
    expect(response.status).toBe(200);
    const bytes = Buffer.from(await response.arrayBuffer());
    hash.update(bytes);
    answers.push(bytes.length);
    const size = Number(response.headers.get('x-text-size'));
    expect(size).toBe(start + bytes.length);
    start = size;
    if (response.headers.get('x-more-data') !== 'true') return { hash: hash.digest('hex'), answers };
  }
}

/** The first `count` answers of progressiveHtml from 0, each carrying the colour state the previous one ended with, as the page does. */
async function readProgressiveHtml(name: string, number: number, count: number): Promise<Array<{ from: number; to: number; html: string; more: string | null }>> {
  const answers = [];
  let start = 0;
  let state = '';
  for (let index = 0; index < count; index += 1) {
    const response = await call(`/job/${name}/${number}/logText/progressiveHtml?start=${start}`, { headers: { 'X-Console-State': state } });
    expect(response.status).toBe(200);
    const html = await response.text();
    const to = Number(response.headers.get('x-text-size'));
    answers.push({ from: start, to, html, more: response.headers.get('x-more-data') });
    state = response.headers.get('x-console-state') ?? '';
    start = to;
  }
  return answers;
}

/** The text a reader sees in rendered console HTML. */
function visible(html: string): string {
  return html.replace(/<[^>]*>/g, '').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&amp;/g, '&');
}

/** The server's open files that are `path`. */
function openHandlesOf(path: string): number {
  const dir = `/proc/${server.child.pid}/fd`;
  let count = 0;
  for (const fd of readdirSync(dir)) {
    try {
      if (readlinkSync(join(dir, fd)) === path) count += 1;
    } catch {
      // Closed while we looked.
    }
  }
  return count;
}

let lt = 0;
let ansi = 0;

beforeAll(async () => {
  server = await startChildServer(home, ['--executors', '4']);
  token = server.adminToken;
  auth = basicAuth('admin', token);
  await createJob('lt', `head -c ${LT_BYTES} /dev/zero | tr '\\0' '<'`);
  await createJob('ansi', `${UNIT_COMMAND} | head -c ${ANSI_BYTES}`);
  [lt, ansi] = await Promise.all([buildOf('lt'), buildOf('ansi')]);
  await Promise.all([finished('lt', lt), finished('ansi', ansi)]);
}, 120_000);

afterAll(async () => {
  server?.child.kill('SIGKILL');
  if (server) await server.exited;
  rmSync(home, { recursive: true, force: true });
});

describe('a 150 MB log of "<"', () => {
  it('is read in every format at once with the server’s memory bounded and a small request answered quickly', async () => {
    const path = logFile(`head -c ${LT_BYTES}`);
    const expected = await sha256OfFile(path);
    const { result, growth, slowest } = await measured(async () => {
      const [texts, progressive, html, page] = await Promise.all([
        Promise.all([1, 2, 3].map(async () => {
          const response = await call(`/job/lt/${lt}/consoleText`);
          expect(response.headers.get('content-type')).toBe('text/plain;charset=UTF-8');
          return sha256OfBody(response);
        })),
        readProgressiveText('lt', lt),
        readProgressiveHtml('lt', lt, 4),
        call(`/job/lt/${lt}/`).then(async (response) => ({ status: response.status, body: await response.text() })),
      ]);
      return { texts, progressive, html, page };
    });
    for (const text of result.texts) expect(text.hash).toBe(expected);
    // progressiveText: the file, byte for byte, in answers of at most the maximum.
    expect(result.progressive.hash).toBe(expected);
    expect(Math.max(...result.progressive.answers)).toBeLessThanOrEqual(TEXT_PIECE);
    expect(result.progressive.answers.length).toBeGreaterThanOrEqual(Math.ceil(LT_BYTES / TEXT_PIECE));
    // progressiveHtml: after the first lines, pieces of at most the maximum, nothing but escaped "<".
    const [first, ...rest] = result.html;
    expect(first?.html).toContain('Started by user');
    for (const piece of rest) {
      expect(piece.more).toBe('true');
      expect(piece.to - piece.from).toBe(HTML_PIECE);
      expect(piece.html).toBe('&lt;'.repeat(HTML_PIECE));
    }
    expect(result.page.status).toBe(200);
    expect(result.page.body.length).toBeLessThan(400 * 1024);
    expect(growth, 'MB the server grew by').toBeLessThan(GROWTH_LIMIT_MB);
    expect(slowest, 'ms of the slowest /whoAmI/api/json').toBeLessThan(1000);
  }, 120_000);

  it('streams consoleText with back-pressure to readers that do not read, and closes the file when they go away', async () => {
    const path = logFile(`head -c ${LT_BYTES}`);
    const controllers = [1, 2, 3, 4].map(() => new AbortController());
    const { result: responses, growth } = await measured(async () => {
      const responses = await Promise.all(controllers.map((controller) => call(`/job/lt/${lt}/consoleText`, { signal: controller.signal })));
      // Nobody reads: the server may send only what the sockets hold.
      await new Promise((resolve) => setTimeout(resolve, 1500));
      return responses;
    });
    for (const response of responses) expect(response.headers.get('content-length')).toBe(String(statSync(path).size));
    expect(growth, 'MB the server grew by').toBeLessThan(GROWTH_LIMIT_MB);
    expect(openHandlesOf(path)).toBe(4);
    for (const controller of controllers) controller.abort();
    await waitFor(() => (openHandlesOf(path) === 0 ? true : undefined), 5000, 'the log files to be closed');
    expect((await call('/whoAmI/api/json')).status).toBe(200);
  }, 60_000);
});

describe('one endless line of colour codes, markup and multi-byte characters', () => {
  it('comes as HTML in pieces of at most 1 MiB that never split a character or an escape sequence, colours carried across', async () => {
    const { result: answers, growth, slowest } = await measured(() => readProgressiveHtml('ansi', ansi, 5));
    const line = answers.slice(1);
    const text = line.map((answer) => visible(answer.html)).join('');
    for (const answer of line) {
      expect(answer.more).toBe('true');
      expect(answer.to - answer.from).toBeLessThanOrEqual(HTML_PIECE);
      expect(answer.to - answer.from).toBeGreaterThan(HTML_PIECE - UNIT.length);
      expect(answer.html).not.toMatch(/[\x00-\x08\x0b-\x1f\ufffd]/);
    }
    // Every visible character is the line's own (no "[0m" or "0;t" from a cut sequence, no U+FFFD)…
    expect(text).toMatch(/^[é<✓&]+$/);
    expect(text.replace(/é<✓&/g, '').length).toBeLessThan(8);
    // …and every check mark is red and bold, also where a piece began between the colour code and it.
    const marks = line.map((answer) => answer.html.split('<span class="ansi-red ansi-bold">✓</span>').length - 1).reduce((a, b) => a + b, 0);
    expect(marks).toBe([...text].filter((character) => character === '✓').length);
    expect(growth, 'MB the server grew by').toBeLessThan(GROWTH_LIMIT_MB);
    expect(slowest, 'ms of the slowest /whoAmI/api/json').toBeLessThan(1000);
    const page = await call(`/job/ansi/${ansi}/`);
    expect(page.status).toBe(200);
    const body = await page.text();
    expect(body.length).toBeLessThan(400 * 1024);
    expect(body).not.toContain('\x1b');
  }, 60_000);

  it('reaches the npm jenkins client’s logStream (1 s between answers) whole, decoded piece by piece', async () => {
    const url = new URL(server.url);
    url.username = 'admin';
    url.password = token;
    const jenkins = new Jenkins({ baseUrl: url.href.replace(/\/$/, '') });
    const expected = readFileSync(logFile(`head -c ${ANSI_BYTES}`)).toString('utf8');
    const started = Date.now();
    const { result: pieces, growth } = await measured(
      () =>
        new Promise<string[]>((resolve, reject) => {
          const received: string[] = [];
          const stream = jenkins.build.logStream('ansi', ansi) as unknown as NodeJS.EventEmitter;
          stream.on('data', (text: string) => received.push(text));
          stream.on('error', reject);
          stream.on('end', () => resolve(received));
        }),
    );
    // Each answer decoded on its own still makes the file: no character was cut between two.
    expect(pieces.join('')).toBe(expected);
    // The first answer ends after the first lines; the endless line follows in pieces of at most the maximum.
    const first = Buffer.byteLength(pieces[0] ?? '');
    expect(first).toBeLessThan(4096);
    expect(pieces.length).toBe(1 + Math.ceil((Buffer.byteLength(expected) - first) / TEXT_PIECE));
    expect(pieces.length).toBeGreaterThanOrEqual(3);
    expect(Date.now() - started).toBeLessThan(pieces.length * 1000 + 5000);
    expect(growth, 'MB the server grew by').toBeLessThan(GROWTH_LIMIT_MB);
  }, 60_000);
});

describe('a running build', () => {
  it('sends a line longer than a piece in pieces, and consoleText up to the size at the request', async () => {
    await createJob('growing', `head -c ${40 * MB} /dev/zero | tr '\\0' 'x'; while true; do echo tick; sleep 0.01; done`);
    const number = await buildOf('growing');
    const path = await waitFor(() => {
      try {
        const found = logFile(`head -c ${40 * MB}`);
        return readFileSync(found).includes('tick\n') ? found : undefined;
      } catch {
        return undefined;
      }
    }, 60_000, 'the long line to be written');
    try {
      const log = readFileSync(path);
      const lineStart = log.indexOf('x'.repeat(64));
      const piece = await call(`/job/growing/${number}/logText/progressiveText?start=${lineStart}`);
      expect(piece.headers.get('x-more-data')).toBe('true');
      expect(Number(piece.headers.get('x-text-size'))).toBe(lineStart + TEXT_PIECE);
      expect((await piece.arrayBuffer()).byteLength).toBe(TEXT_PIECE);
      const text = await call(`/job/growing/${number}/consoleText`);
      const length = Number(text.headers.get('content-length'));
      const body = Buffer.from(await text.arrayBuffer());
      expect(body.length).toBe(length);
      expect(readFileSync(path).subarray(0, length).equals(body)).toBe(true);
      expect(statSync(path).size).toBeGreaterThan(length);
    } finally {
      await call(`/job/growing/${number}/kill`, { method: 'POST' });
    }
    // Writing 40 MB through `tr` takes a few seconds alone, and much longer beside the rest of the suite.
  }, 120_000);
});

describe('the steward command line', () => {
  it('-v streams a log longer than one piece byte for byte, and logs prints it whole, with the server’s memory bounded', async () => {
    await createJob('cli', `${UNIT_COMMAND} | head -c ${CLI_BYTES}`);
    // Only this server's connection: none of the developer's own settings.
    const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !/^(STEWARD_|JENKINS_|XDG_CONFIG_HOME$|NETRC$)/.test(name)));
    Object.assign(env, { HOME: home, STEWARD_URL: server.url, STEWARD_AUTH: `admin:${token}` });
    const run = (args: string[], out: string) =>
      new Promise<number | null>((resolve) => {
        const fd = openSync(out, 'w');
        const child = spawn(process.execPath, [BIN, ...args], { env, stdio: ['ignore', fd, 'inherit'] });
        child.on('close', (code) => {
          closeSync(fd);
          resolve(code);
        });
      });
    const followed = join(home, 'followed.out');
    const { result: code, growth } = await measured(() => run(['build', 'cli', '-s', '-v'], followed));
    expect(code).toBe(0);
    const log = readFileSync(logFile(`head -c ${CLI_BYTES}`));
    expect(log.length).toBeGreaterThan(3 * TEXT_PIECE);
    const output = readFileSync(followed);
    const started = Buffer.from('Started cli #1\n');
    const completed = Buffer.from('Completed cli #1 : SUCCESS\n');
    expect(output.subarray(0, started.length).toString()).toBe(started.toString());
    expect(output.subarray(output.length - completed.length).toString()).toBe(completed.toString());
    expect(output.subarray(started.length, output.length - completed.length).equals(log)).toBe(true);
    expect(growth, 'MB the server grew by').toBeLessThan(GROWTH_LIMIT_MB);

    const printed = join(home, 'printed.out');
    expect(await run(['logs', 'cli', '1'], printed)).toBe(0);
    expect(readFileSync(printed).equals(log)).toBe(true);
  }, 120_000);
});
