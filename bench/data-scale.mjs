// Benchmarks of Steward holding a lot of data. Run with `npm run bench:data` after `npm install` (which
// builds dist/). Prints a Markdown report; with BENCH_WRITE=1 also writes it into docs/benchmarks.md
// between the DATA markers.
//
// Two homes made by bench/data.mjs are measured the same way: an empty server (1 folder, 10 jobs, 100
// builds, 10 waiting items) and a big one (BENCH_DATA_JOBS jobs in BENCH_DATA_FOLDERS folders,
// BENCH_DATA_BUILDS builds of which BENCH_DATA_BIG on one job, BENCH_DATA_WAITING waiting items due in
// ten years). Every row shows both and their ratio. On each server:
//
// 1. Start: the process is started three times on the home, timed from spawning it to its `Steward
//    listening` line and to its first answered `/api/json`; medians. RSS is VmRSS from /proc.
// 2. Requests: sequential GETs with an API token (as bench/pages.mjs signs in), after 10 of warm-up:
//    BENCH_DATA_REQUESTS (200) each, fewer when they would take more than BENCH_DATA_ROW_SECONDS (20);
//    p50 and p99 of the time to the last byte, and the server's RSS after each kind.
// 3. Console: a build prints BENCH_CONSOLE_MB (100) MB; its `consoleText` is read to the end with fetch,
//    alternating with `cat` of the log file to /dev/null and, for reference, curl (BENCH_CONSOLE_ROUNDS
//    rounds, medians), then read by 4 clients at once while the server's RSS is sampled every 10 ms.
// 4. Live tail: a build prints `tick $EPOCHREALTIME` every 100 ms for BENCH_TAIL_SECONDS (20) while
//    BENCH_TAIL_CLIENTS (20) clients follow it with `progressiveText?start=<X-Text-Size>`, each waiting
//    BENCH_TAIL_POLL_MS (50) between answers: the delay from a line's timestamp to a client reading it.
//
// The big home is made in a temporary directory and removed afterwards, unless BENCH_DATA_HOME names
// one: it is kept there, and reused when it was made with the same sizes. BENCH_CHECKOUT runs the
// dist/ of another checkout (default this one), e.g. a `git worktree` of an older commit.
import { spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, openSync, rmSync, statSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { addWaiting, BIG_JOB, createJob, finished, generate, generatedWith, jobPath, prove, resolveOptions, running, SAMPLE_JOB, shell, sleep } from './data.mjs';
import { call, fmt, launch, median, percentile, rssMiB, steward, stop, writeSection } from './lib.mjs';

const env = (name, fallback) => (process.env[name] === undefined ? fallback : Number(process.env[name].replace(/_/g, '')));
const CHECKOUT = process.env.BENCH_CHECKOUT ?? '.';
const BIG_JOBS = env('BENCH_DATA_JOBS', 10_000);
const BIG = resolveOptions({
  jobs: BIG_JOBS,
  folders: env('BENCH_DATA_FOLDERS', Math.max(1, Math.round(BIG_JOBS / 100))),
  builds: env('BENCH_DATA_BUILDS', 1_000_000),
  buildsOnBigJob: env('BENCH_DATA_BIG', null),
  logs: process.env.BENCH_DATA_LOGS ?? 'all',
  checkout: CHECKOUT,
});
const EMPTY = resolveOptions({ jobs: 10, folders: 1, builds: 100, buildsOnBigJob: 10, checkout: CHECKOUT });
const WAITING = { empty: 10, big: env('BENCH_DATA_WAITING', 10_000) };
const REQUESTS = env('BENCH_DATA_REQUESTS', 200);
const ROW_SECONDS = env('BENCH_DATA_ROW_SECONDS', 20);
const STARTS = 3;
const CONSOLE_MB = env('BENCH_CONSOLE_MB', 100);
const CONSOLE_ROUNDS = env('BENCH_CONSOLE_ROUNDS', 5);
const CONSOLE_READERS = 4;
const TAIL_CLIENTS = env('BENCH_TAIL_CLIENTS', 20);
const TAIL_SECONDS = env('BENCH_TAIL_SECONDS', 20);
const TAIL_POLL_MS = env('BENCH_TAIL_POLL_MS', 50);
const SCENARIOS = 'bench-scenarios';

/** What is asked of each server: the targets of the issue are p50s of the big server. */
const REQUESTS_ASKED = [
  { name: "a job's `api/json`", path: `${jobPath(SAMPLE_JOB)}api/json`, target: 5 },
  { name: "the long-history job's `api/json`", path: `${jobPath(BIG_JOB)}api/json`, target: 5 },
  { name: 'its last 50 builds, `api/json?tree=builds[number,result]{0,50}`', path: `${jobPath(BIG_JOB)}api/json?tree=builds[number,result]{0,50}` },
  { name: 'root `api/json`', path: '/api/json' },
  { name: "a folder's `api/json`", path: `${jobPath('folder-001')}api/json` },
  { name: '`/queue/api/json`', path: '/queue/api/json' },
  { name: 'dashboard `/`', path: '/', target: 50 },
  { name: 'job page', path: jobPath(SAMPLE_JOB), target: 50 },
  { name: "the long-history job's page", path: jobPath(BIG_JOB), target: 50 },
  { name: 'build page (its last build)', path: null },
];

const now = () => performance.timeOrigin + performance.now();
const seconds = (ms) => `${(ms / 1000).toFixed(2)} s`;
const millis = (ms) => (ms >= 100 ? `${fmt(ms)} ms` : `${ms.toFixed(ms >= 10 ? 1 : 2)} ms`);
const mib = (value) => `${fmt(value)} MiB`;
/** The issue's memory target, 200 MB, against VmRSS in MiB. */
const RSS_TARGET_MIB = 200e6 / 2 ** 20;
const bytes = (n) => (n >= 1e9 ? `${(n / 1e9).toFixed(2)} GB` : n >= 1e6 ? `${(n / 1e6).toFixed(1)} MB` : n >= 1e3 ? `${(n / 1e3).toFixed(1)} kB` : `${n} B`);
const ratio = (big, empty) => (empty > 0 ? `${(big / empty).toFixed(2)}` : '–');

/** A GET as admin, read to the end: its time, status and size. */
async function timed(server, path) {
  const began = performance.now();
  const response = await fetch(new URL(path, server.url), { headers: { authorization: server.auth }, redirect: 'manual' });
  const body = await response.arrayBuffer();
  return { ms: performance.now() - began, status: response.status, bytes: body.byteLength };
}

/** Sequential requests after a warm-up: p50, p99, how many, the answer's size, and the failures seen. */
async function latency(server, path) {
  const warm = [];
  for (let index = 0; index < 10; index++) warm.push(await timed(server, path));
  const failed = warm.filter((one) => one.status !== 200);
  if (failed.length > 0) return { failed: failed[0].status, bytes: 0 };
  const count = Math.max(20, Math.min(REQUESTS, Math.floor((ROW_SECONDS * 1000) / median(warm.map((one) => one.ms)))));
  const times = [];
  const statuses = new Map();
  for (let index = 0; index < count; index++) {
    const one = await timed(server, path);
    times.push(one.ms);
    if (one.status !== 200) statuses.set(one.status, (statuses.get(one.status) ?? 0) + 1);
  }
  return { p50: percentile(times, 0.5), p99: percentile(times, 0.99), count, bytes: warm[0].bytes, statuses };
}

/** Starts the server on `home` and times it to its first answered `/api/json`. */
async function coldStart(home, auth) {
  const server = await launch(home, CHECKOUT);
  const response = await fetch(new URL('/api/json', server.url), { headers: { authorization: auth } });
  await response.arrayBuffer();
  if (response.status !== 200) throw new Error(`/api/json answered ${response.status} after a start`);
  return { ...server, auth, firstAnswerMs: performance.now() - server.spawned, rss: rssMiB(server.child.pid) };
}

/** The file of a build's console log (src/logs/log-files.ts), by the job's id in the database. */
function logFile(home, fullName, number) {
  const db = new Database(join(home, 'steward.db'), { readonly: true });
  try {
    const { id } = db.prepare('SELECT id FROM items WHERE full_name_key = ?').get(fullName.toLowerCase());
    return join(home, 'jobs', String(id), String(number), 'log');
  } finally {
    db.close();
  }
}

/** Reads a GET to its end with fetch, counting bytes. */
async function download(server, path) {
  const began = performance.now();
  const response = await fetch(new URL(path, server.url), { headers: { authorization: server.auth } });
  let size = 0;
  for await (const chunk of response.body) size += chunk.length;
  return { ms: performance.now() - began, bytes: size };
}

/** How long a command writing to /dev/null takes, from spawning it to its exit. */
function toNull(command, args) {
  const devNull = openSync('/dev/null', 'w');
  try {
    const began = performance.now();
    const result = spawnSync(command, args, { stdio: ['ignore', devNull, 'inherit'] });
    if (result.status !== 0) throw new Error(`${command} failed`);
    return performance.now() - began;
  } finally {
    closeSync(devNull);
  }
}

/** Runs `task` while sampling a process's RSS every 10 ms: its result and the peak. */
async function peakRss(pid, task) {
  let peak = rssMiB(pid) ?? 0;
  const sampler = setInterval(() => (peak = Math.max(peak, rssMiB(pid) ?? 0)), 10);
  try {
    return { result: await task(), peak: Math.max(peak, rssMiB(pid) ?? 0) };
  } finally {
    clearInterval(sampler);
  }
}

/** A folder of its own for the scenarios' jobs, made anew (a run that failed may have left it). */
async function scenarioFolder(server) {
  const response = await fetch(new URL(`${jobPath(SCENARIOS)}doDelete`, server.url), { method: 'POST', headers: { authorization: server.auth }, redirect: 'manual' });
  await response.arrayBuffer();
  await call(server, `/createItem?name=${SCENARIOS}&mode=com.cloudbees.hudson.plugins.folder.Folder`, { method: 'POST' });
}

/**
 * Step 3: a build printing CONSOLE_MB MB, read back by fetch against `cat` (and, to tell the client's
 * cost from the server's, by curl), then by 4 clients at once.
 */
async function consoleScenario(server, home) {
  const job = `${SCENARIOS}/console`;
  await createJob(server, job, shell(`head -c ${CONSOLE_MB * 1_000_000} /dev/zero | tr '\\0' 'a' | fold -w 100`));
  await call(server, `${jobPath(job)}build`, { method: 'POST' });
  const build = await finished(server, job, 1, 600_000);
  const file = logFile(home, job, 1);
  const size = statSync(file).size;
  const path = `${jobPath(job)}1/consoleText`;
  const curl = () => toNull('curl', ['-sf', '-H', `authorization: ${server.auth}`, new URL(path, server.url).href]);
  const cat = () => toNull('cat', [file]);
  const fetched = [];
  const curled = [];
  const catted = [];
  await download(server, path);
  curl();
  cat();
  for (let round = 0; round < CONSOLE_ROUNDS; round++) {
    const one = await download(server, path);
    if (one.bytes !== size) throw new Error(`consoleText gave ${one.bytes} bytes of a ${size}-byte log`);
    fetched.push(one.ms);
    curled.push(curl());
    catted.push(cat());
  }
  const before = rssMiB(server.child.pid);
  const together = await peakRss(server.child.pid, () => Promise.all(Array.from({ length: CONSOLE_READERS }, () => download(server, path))));
  const slowest = Math.max(...together.result.map((one) => one.ms));
  return {
    size,
    buildMs: build.duration,
    fetchMBs: size / 1000 / median(fetched),
    curlMBs: size / 1000 / median(curled),
    catMBs: size / 1000 / median(catted),
    rssBefore: before,
    rssPeak: together.peak,
    togetherMBs: (CONSOLE_READERS * size) / 1000 / slowest,
  };
}

/** One client following a running build's log as Jenkins clients do, noting when each tick line arrives. */
async function follow(server, path, countFrom, delays, answers) {
  for (let start = 0; ; await sleep(TAIL_POLL_MS)) {
    const sent = performance.now();
    const response = await fetch(new URL(`${path}?start=${start}`, server.url), { headers: { authorization: server.auth } });
    const text = await response.text();
    const seen = now();
    answers.push(performance.now() - sent);
    if (response.status !== 200) throw new Error(`progressiveText answered ${response.status}`);
    for (const [, whole, fraction] of text.matchAll(/^tick (\d+)[.,](\d+)$/gm)) {
      const printed = Number(whole) * 1000 + Number(`0.${fraction}`) * 1000;
      if (printed >= countFrom) delays.push(seen - printed);
    }
    start = Number(response.headers.get('x-text-size'));
    if (response.headers.get('x-more-data') !== 'true') return;
  }
}

/** Step 4: TAIL_CLIENTS clients following a build that prints a timestamped line every 100 ms. */
async function tailScenario(server) {
  const job = `${SCENARIOS}/ticker`;
  const ticks = Math.round(TAIL_SECONDS * 10);
  await createJob(server, job, shell(`#!/bin/bash\nfor i in $(seq 1 ${ticks}); do echo "tick $EPOCHREALTIME"; sleep 0.1; done`));
  await call(server, `${jobPath(job)}build`, { method: 'POST' });
  await running(server, job, 1);
  // Lines printed in the first second are read as a backlog by clients catching up: not counted.
  const countFrom = now() + 1000;
  const delays = [];
  const answers = [];
  const path = `${jobPath(job)}1/logText/progressiveText`;
  await Promise.all(Array.from({ length: TAIL_CLIENTS }, () => follow(server, path, countFrom, delays, answers)));
  const build = await finished(server, job, 1);
  if (build.result !== 'SUCCESS') throw new Error(`the ticker ended ${build.result}`);
  return { lines: delays.length / TAIL_CLIENTS, p50: percentile(delays, 0.5), p99: percentile(delays, 0.99), max: Math.max(...delays), answerP50: percentile(answers, 0.5), answerP99: percentile(answers, 0.99) };
}

/** The warnings and errors in the server's JSON log lines, counted by message. */
function logProblems(output) {
  const problems = new Map();
  for (const line of output.split('\n')) {
    if (!line.startsWith('{')) continue;
    let entry;
    try {
      entry = JSON.parse(line);
    } catch {
      continue;
    }
    if (entry.level < 40) continue;
    const key = `${entry.level >= 50 ? 'error' : 'warn'}: ${entry.msg}${entry.err?.message ? ` (${entry.err.message.split('\n')[0]})` : ''}`;
    problems.set(key, (problems.get(key) ?? 0) + 1);
  }
  return problems;
}

function fileSize(path) {
  return existsSync(path) ? statSync(path).size : 0;
}

/** Everything above on one home; the server is stopped at the end. */
async function measure(home, waiting) {
  addWaiting(home, waiting);
  // A first start makes an API token; its own first-start work is not timed.
  const first = await steward(home, CHECKOUT);
  await stop(first.child);
  const starts = [];
  for (let index = 0; index < STARTS; index++) {
    if (starts.length > 0) await stop(starts.at(-1).child);
    starts.push(await coldStart(home, first.auth));
  }
  const server = starts.at(-1);
  const output = starts.slice(0, -1).map((one) => one.output());
  let measured;
  try {
    const last = (await (await call(server, `${jobPath(SAMPLE_JOB)}api/json?tree=lastBuild[number]`)).json()).lastBuild.number;
    const requests = [];
    for (const asked of REQUESTS_ASKED) {
      const path = asked.path ?? `${jobPath(SAMPLE_JOB)}${last}/`;
      requests.push({ ...asked, path, ...(await latency(server, path)), rss: rssMiB(server.child.pid) });
    }
    await scenarioFolder(server);
    const consoleRead = await consoleScenario(server, home);
    const tail = await tailScenario(server);
    await call(server, `${jobPath(SCENARIOS)}doDelete`, { method: 'POST' });
    measured = {
      listeningMs: median(starts.map((one) => one.listeningMs)),
      firstAnswerMs: median(starts.map((one) => one.firstAnswerMs)),
      startRss: server.rss,
      requests,
      pagesRss: requests.at(-1).rss,
      console: consoleRead,
      tail,
    };
  } finally {
    await stop(server.child);
  }
  const database = fileSize(join(home, 'steward.db')) + fileSize(join(home, 'steward.db-wal'));
  return { ...measured, database, problems: logProblems([...output, server.output()].join('\n')) };
}

/** The big home: reused from BENCH_DATA_HOME when made with the same sizes, else made (and timed). */
async function bigHome() {
  const kept = process.env.BENCH_DATA_HOME;
  const home = kept ?? mkdtempSync(join(tmpdir(), 'steward-bench-data-'));
  const made = generatedWith(home);
  const same = made && ['jobs', 'folders', 'builds', 'buildsOnBigJob', 'logs'].every((key) => made[key] === BIG[key]);
  if (same) return { home, kept: true, made, reused: true };
  if (made || existsSync(join(home, 'steward.db'))) throw new Error(`${home} holds another data set: remove it or choose another BENCH_DATA_HOME`);
  process.stderr.write(`generating ${fmt(BIG.jobs)} jobs and ${fmt(BIG.builds)} builds in ${home} …\n`);
  const generated = await generate(home, BIG);
  const proof = await prove(home, BIG);
  return { home, kept: Boolean(kept), made: generated, proof, reused: false };
}

function du(path) {
  const result = spawnSync('du', ['-sk', path], { encoding: 'utf8' });
  return Number(result.stdout.split('\t')[0]) * 1024;
}

const emptyHome = mkdtempSync(join(tmpdir(), 'steward-bench-data-empty-'));
await generate(emptyHome, EMPTY);
process.stderr.write('measuring the empty server …\n');
const empty = await measure(emptyHome, WAITING.empty);
const big = await bigHome();
process.stderr.write('measuring the big server …\n');
const full = await measure(big.home, WAITING.big);
const logsOnDisk = du(join(big.home, 'jobs'));
rmSync(emptyHome, { recursive: true, force: true });
if (!big.kept) rmSync(big.home, { recursive: true, force: true });

/** A p50 against its targets: at most `target` ms on the big server, at most twice the empty one. */
function verdict(row, emptyRow) {
  if (row.failed || emptyRow.failed) return '✗ failed';
  const missed = [];
  if (row.target !== undefined && row.p50 > row.target) missed.push(`> ${row.target} ms`);
  if (row.p50 > 2 * emptyRow.p50) missed.push('> 2×');
  return missed.length === 0 ? '✓' : `✗ ${missed.join(', ')}`;
}

const cell = (row, key) => (row.failed ? `HTTP ${row.failed}` : millis(row[key]));
const requestRows = full.requests.map((row, index) => {
  const emptyRow = empty.requests[index];
  const target = row.target === undefined ? '≤ 2×' : `≤ ${row.target} ms, ≤ 2×`;
  const failures = [...(row.statuses ?? new Map())].map(([status, count]) => `${count}× HTTP ${status}`).join(', ');
  return `| ${row.name} (\`${row.path}\`) | ${target} | ${cell(emptyRow, 'p50')} | ${cell(row, 'p50')} | ${row.failed || emptyRow.failed ? '–' : ratio(row.p50, emptyRow.p50)} | ${verdict(row, emptyRow)} | ${cell(emptyRow, 'p99')} | ${cell(row, 'p99')} | ${bytes(emptyRow.bytes)} → ${bytes(row.bytes)} | ${emptyRow.count ?? '–'} / ${row.count ?? '–'}${failures ? `, ${failures}` : ''} | ${mib(emptyRow.rss)} / ${mib(row.rss)} |`;
});
const check = (ok) => (ok ? '✓' : '✗');
const generation = big.reused
  ? `The big home was made earlier (${seconds(big.made.ms)} then) and reused from \`BENCH_DATA_HOME\`.`
  : `Generating it took ${seconds(big.made.ms)} (${seconds(big.made.patternsMs)} for the pattern rows through the server, ${seconds(big.made.rowsMs)} for the rows and logs); a real build of \`${big.proof.job}\` on top of it became #${fmt(big.proof.number)} (${big.proof.result}, ${fmt(big.proof.ms)} ms from trigger to finished).`;
const problems = (label, found) => (found.size === 0 ? [`- ${label}: none`] : [`- ${label}:`, ...[...found].map(([message, count]) => `  - ${count}× ${message}`)]);
const describe = (o, waiting) => `${fmt(o.folders)} folder${o.folders === 1 ? '' : 's'}, ${fmt(o.jobs)} jobs, ${fmt(o.builds)} builds (${fmt(o.buildsOnBigJob)} on \`${BIG_JOB}\`), ${fmt(waiting)} waiting items`;
const report = [
  `Measured ${new Date().toISOString().slice(0, 10)} on ${cpus().length} × ${cpus()[0]?.model ?? 'CPU'}, Node ${process.version}, with \`npm run bench:data\`${CHECKOUT === '.' ? '' : ` (dist/ of \`${CHECKOUT}\`)`}.`,
  `Empty server: ${describe(EMPTY, WAITING.empty)}. Big server: ${describe(BIG, WAITING.big)}, console logs of ${BIG.logs === 'all' ? 'every build' : `the newest ${BIG.logs} builds of each job`} (${fmt(big.made.logFiles)} files).`,
  `${generation} Database on disk: ${bytes(empty.database)} empty, ${bytes(full.database)} big; the big server's logs take ${bytes(logsOnDisk)}.`,
  '',
  '| measurement | target | empty | big | big ÷ empty | met |',
  '|---|---|---:|---:|---:|---|',
  `| process start → \`Steward listening\` (median of ${STARTS}) | | ${millis(empty.listeningMs)} | ${millis(full.listeningMs)} | ${ratio(full.listeningMs, empty.listeningMs)} | |`,
  `| process start → first answered \`/api/json\` (median of ${STARTS}) | ≤ 2 s | ${millis(empty.firstAnswerMs)} | ${millis(full.firstAnswerMs)} | ${ratio(full.firstAnswerMs, empty.firstAnswerMs)} | ${check(full.firstAnswerMs <= 2000)} |`,
  `| RSS after start | ≤ 200 MB (191 MiB) | ${mib(empty.startRss)} | ${mib(full.startRss)} | ${ratio(full.startRss, empty.startRss)} | ${check(full.startRss <= RSS_TARGET_MIB)} |`,
  `| RSS after all the requests below | ≤ 200 MB (191 MiB) | ${mib(empty.pagesRss)} | ${mib(full.pagesRss)} | ${ratio(full.pagesRss, empty.pagesRss)} | ${check(full.pagesRss <= RSS_TARGET_MIB)} |`,
  `| database (steward.db and its WAL) | | ${bytes(empty.database)} | ${bytes(full.database)} | ${ratio(full.database, empty.database)} | |`,
  '',
  `Sequential GETs with an API token after 10 of warm-up; the time to the last byte. Targets are for the p50 on the big server and its ratio to the empty one.`,
  '',
  '| request | target (p50) | p50 empty | p50 big | big ÷ empty | met | p99 empty | p99 big | answer size | requests (empty / big) | RSS after (empty / big) |',
  '|---|---|---:|---:|---:|---|---:|---:|---:|---:|---:|',
  ...requestRows,
  '',
  `Console: a build printing ${CONSOLE_MB} MB (\`head -c … /dev/zero | tr '\\0' 'a' | fold -w 100\`), its \`consoleText\` read to the end with fetch against \`cat\` of the log file to /dev/null (and with curl, for reference), ${CONSOLE_ROUNDS} alternating rounds, medians; then ${CONSOLE_READERS} clients reading it at once.`,
  `Live tail: ${TAIL_CLIENTS} clients follow a build printing \`tick $EPOCHREALTIME\` every 100 ms for ${TAIL_SECONDS} s with \`progressiveText?start=<X-Text-Size>\`, waiting ${TAIL_POLL_MS} ms between answers (so up to ${TAIL_POLL_MS} ms of each delay is the client's own wait).`,
  '',
  '| measurement | target | empty | big | met (big) |',
  '|---|---|---:|---:|---|',
  `| the build writing its ${bytes(full.console.size)} log | | ${seconds(empty.console.buildMs)} | ${seconds(full.console.buildMs)} | |`,
  `| \`consoleText\` read with fetch | | ${fmt(empty.console.fetchMBs)} MB/s | ${fmt(full.console.fetchMBs)} MB/s | |`,
  `| \`consoleText\` read with curl (for reference: the client's share) | | ${fmt(empty.console.curlMBs)} MB/s | ${fmt(full.console.curlMBs)} MB/s | |`,
  `| \`cat\` of the log file to /dev/null | | ${fmt(empty.console.catMBs)} MB/s | ${fmt(full.console.catMBs)} MB/s | |`,
  `| fetch ÷ cat | ≥ 0.5 | ${(empty.console.fetchMBs / empty.console.catMBs).toFixed(2)} | ${(full.console.fetchMBs / full.console.catMBs).toFixed(2)} | ${check(full.console.fetchMBs / full.console.catMBs >= 0.5)} |`,
  `| ${CONSOLE_READERS} readers at once: together | | ${fmt(empty.console.togetherMBs)} MB/s | ${fmt(full.console.togetherMBs)} MB/s | |`,
  `| ${CONSOLE_READERS} readers at once: server RSS before → peak | ≤ 200 MB (191 MiB) | ${mib(empty.console.rssBefore)} → ${mib(empty.console.rssPeak)} | ${mib(full.console.rssBefore)} → ${mib(full.console.rssPeak)} | ${check(full.console.rssPeak <= RSS_TARGET_MIB)} |`,
  `| live tail: line printed → a client reads it, p50 / p99 / max | p99 ≤ 100 ms | ${millis(empty.tail.p50)} / ${millis(empty.tail.p99)} / ${millis(empty.tail.max)} | ${millis(full.tail.p50)} / ${millis(full.tail.p99)} / ${millis(full.tail.max)} | ${check(full.tail.p99 <= 100)} |`,
  `| live tail: one \`progressiveText\` answer, p50 / p99 | | ${millis(empty.tail.answerP50)} / ${millis(empty.tail.answerP99)} | ${millis(full.tail.answerP50)} / ${millis(full.tail.answerP99)} | |`,
  '',
  'Warnings and errors in the server logs:',
  '',
  ...problems('empty', empty.problems),
  ...problems('big', full.problems),
].join('\n');

process.stdout.write(`${report}\n`);
if (process.env.BENCH_WRITE === '1') writeSection('DATA', report);
