// Reads hostile console logs in every format from a real server and reports the server's peak memory
// (VmHWM of a server started afresh on the same home for each case, so that no case pays for another's
// garbage), each case's time, and the slowest answer to a small request (`/whoAmI/api/json`) asked for
// over and over meanwhile.
//
//   npm run build && node bench/hostile-logs.mjs        (LT_MB, ANSI_MB, PLAIN_MB set the log sizes)
//
// Run from another checkout's directory (`cd ../old && node /path/to/bench/hostile-logs.mjs`) to
// measure that checkout's dist/ the same way. A case the server does not survive is reported as such.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Jenkins from 'jenkins';
import { call, createJob, steward } from './lib.mjs';

const LT_MB = Number(process.env.LT_MB ?? 150);
const ANSI_MB = Number(process.env.ANSI_MB ?? 50);
const PLAIN_MB = Number(process.env.PLAIN_MB ?? 200);
const MB = 1_000_000;

const escape = (text) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const jobXml = (command) => `<project><builders><hudson.tasks.Shell><command>${escape(command)}</command></hudson.tasks.Shell></builders></project>`;

const home = mkdtempSync(join(tmpdir(), 'steward-hostile-bench-'));
let server;
let died;
async function restart() {
  server?.child.kill('SIGKILL');
  if (server) await new Promise((resolve) => (died ? resolve() : server.child.once('exit', resolve)));
  server = await steward(home);
  died = false;
  server.child.on('exit', () => (died = true));
}
await restart();

const status = (pid = server.child.pid) => Object.fromEntries(readFileSync(`/proc/${pid}/status`, 'utf8').split('\n').map((line) => line.split(/:\s+/)).filter(([, value]) => value?.endsWith('kB')).map(([name, value]) => [name, Math.round(Number.parseInt(value, 10) / 1024)]));

const JOBS = {
  lt: `head -c ${LT_MB * MB} /dev/zero | tr '\\0' '<'`,
  // One endless line of colour codes, an unterminated-looking OSC title and markup, no newline at all.
  ansi: `yes "$(printf '\\033[1;31m<\\033[0m&\\033]0;t\\007\\033[38;5;200m>')" | tr -d '\\n' | head -c ${ANSI_MB * MB}`,
  plain: `yes 'an ordinary line of build output, as compilers print them' | head -c ${PLAIN_MB * MB}`,
};

async function build(name) {
  await createJob(server, name, jobXml(JOBS[name]));
  const queued = await call(server, `/job/${name}/build`, { method: 'POST' });
  const item = queued.headers.get('location');
  for (;;) {
    const json = await (await call(server, `${new URL(item).pathname}api/json`)).json();
    if (json.executable) {
      for (;;) {
        const run = await (await call(server, `/job/${name}/${json.executable.number}/api/json?tree=building`)).json();
        if (!run.building) return `/job/${name}/${json.executable.number}/`;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Reads a whole answer, counting its bytes without keeping them. */
async function drain(path) {
  const response = await call(server, path);
  let bytes = 0;
  for await (const chunk of response.body) bytes += chunk.length;
  return { bytes, more: response.headers.get('x-more-data'), size: response.headers.get('x-text-size') };
}

async function measure(label, work) {
  await restart();
  const before = status();
  let slowest = 0;
  let probing = true;
  const probe = (async () => {
    while (probing && !died) {
      const started = performance.now();
      try {
        await call(server, '/whoAmI/api/json');
      } catch {
        return;
      }
      slowest = Math.max(slowest, performance.now() - started);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  })();
  const started = performance.now();
  let result;
  try {
    result = await work();
  } catch (error) {
    result = `failed: ${error.message}`;
  }
  const seconds = (performance.now() - started) / 1000;
  probing = false;
  await probe;
  if (died) return console.log(`${label}: the server died (${result})`);
  const after = status();
  console.log(`${label}: ${seconds.toFixed(2)} s, peak RSS ${after.VmHWM} MB (RSS before ${before.VmRSS} MB), slowest /whoAmI ${slowest.toFixed(0)} ms; ${JSON.stringify(result)}`);
}

try {
  const lt = await build('lt');
  const ansi = await build('ansi');
  const plain = await build('plain');
  console.log(`logs: lt ${LT_MB} MB of '<', ansi ${ANSI_MB} MB on one line, plain ${PLAIN_MB} MB; server RSS ${status().VmRSS} MB`);
  await measure(`consoleText ×3 of plain`, () => Promise.all([drain(`${plain}consoleText`), drain(`${plain}consoleText`), drain(`${plain}consoleText`)]));
  await measure('progressiveText?start=0 of lt (one answer)', () => drain(`${lt}logText/progressiveText?start=0`));
  await measure('progressiveText of lt, looped to the end', async () => {
    let start = 0;
    let answers = 0;
    for (;;) {
      const answer = await drain(`${lt}logText/progressiveText?start=${start}`);
      answers += 1;
      start = Number(answer.size);
      if (answer.more !== 'true') return { answers, end: start };
    }
  });
  await measure('npm jenkins logStream of plain (its default 1 s between answers)', () => {
    const url = new URL(server.url);
    [url.username, url.password] = Buffer.from(server.auth.slice('Basic '.length), 'base64').toString().split(':');
    const jenkins = new Jenkins({ baseUrl: url.href.replace(/\/$/, '') });
    return new Promise((resolve, reject) => {
      let answers = 0;
      let characters = 0;
      const stream = jenkins.build.logStream('plain', Number(plain.split('/')[3]));
      stream.on('data', (text) => ((answers += 1), (characters += text.length)));
      stream.on('error', reject);
      stream.on('end', () => resolve({ answers, characters }));
    });
  });
  await measure('steward logs -f of plain (to /dev/null)', () => {
    const [user, token] = Buffer.from(server.auth.slice('Basic '.length), 'base64').toString().split(':');
    const child = spawn(process.execPath, ['bin/steward.js', 'logs', 'plain', plain.split('/')[3], '-f'], { env: { ...process.env, STEWARD_URL: server.url, STEWARD_AUTH: `${user}:${token}` }, stdio: ['ignore', 'ignore', 'inherit'] });
    return new Promise((resolve) => child.on('close', (code) => resolve({ code })));
  });
  await measure('build page of lt', () => drain(lt));
  await measure('build page of ansi', () => drain(ansi));
  // The first answer ends after the log's first lines; the pieces after it are the hostile line.
  const html = async (path) => {
    let start = 0;
    const answers = [];
    for (let answer = 0; answer < 4; answer += 1) {
      const piece = await drain(`${path}logText/progressiveHtml?start=${start}`);
      answers.push({ logBytes: Number(piece.size) - start, htmlBytes: piece.bytes });
      start = Number(piece.size);
    }
    return answers;
  };
  await measure('progressiveHtml of ansi, 4 answers from 0', () => html(ansi));
  await measure('progressiveHtml of lt, 4 answers from 0', () => html(lt));
} finally {
  server.child.kill('SIGKILL');
  rmSync(home, { recursive: true, force: true });
}
