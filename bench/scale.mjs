// Benchmarks of Steward at scale: what a trigger costs as the queue grows, builds back to back, memory
// under steady load, and a peer. Run with `npm run bench:scale` after `npm install` (which builds dist/);
// about 10 minutes with the defaults. Prints a Markdown report, each section as its scenario ends; with
// BENCH_WRITE=1 also writes it into docs/benchmarks.md between the SCALE markers. Every rate is measured against a baseline in the same run, in alternating rounds
// (lib.mjs `compare`: BENCH_ROUNDS rounds of BENCH_SECONDS s after a 3 s warm-up of each).
//
// 1. Distinct durable triggers: `POST /job/bench/buildWithParameters?delay=3600sec&P=<unique>` with an
//    API token on 32 connections, every request a new waiting item, against bare node:http, with 0,
//    10,000 and 100,000 items already waiting (BENCH_SIZES). The waiting items are queued over HTTP
//    beforehand, spread over 100 other jobs; the measured job is deleted and made again after each
//    round, so every round starts with the same queue. Any non-2xx counts; more than 1% fails the run.
// 2. Folded triggers: `POST /job/bench/build` on a job with a quiet period of 1 h (all fold into one
//    waiting item) against bare node:http.
// 3. Builds back to back: 4 executors, quiet period 0, a concurrent job whose step is `true`, 8 triggers
//    in flight (`wait=finish`, then the next); completed builds per second (the job's lastCompletedBuild)
//    against a Node process spawning `sh -c true` from 4 workers back to back. Meanwhile the bench asks
//    `GET /api/json?tree=mode` every 10 ms: its latency stands in for the server's event-loop delay.
// 6. Memory: the server's idle RSS after start, then its RSS every 5 s through BENCH_MEMORY_SECONDS
//    (default 60) of steady mixed load: triggered builds, api/json reads and console reads.
// 7. A peer: Debian's `webhook` (adnanh/webhook, installed with apt-get when missing and root) running
//    `/bin/true` per request, against Steward's distinct durable triggers on an empty queue.
//
// BENCH_ONLY=regex runs only the scenarios whose name matches (distinct, folded, builds, memory, webhook).
// BENCH_CHECKOUT=dir runs another checkout's dist/ (e.g. a build of an older commit).
// BENCH_FILL_CONNECTIONS (default 256) is how many connections queue the waiting items of scenario 1.
import { execFile, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { call, cannon, compare, CONNECTIONS, createJob, fmt, load, ms, percentile, ROUNDS, rssMiB, SECONDS, start, steward, stop, writeSection } from './lib.mjs';

const SIZES = (process.env.BENCH_SIZES ?? '0,10000,100000').split(',').map(Number);
const MEMORY_SECONDS = Number(process.env.BENCH_MEMORY_SECONDS ?? 60);
const CHECKOUT = process.env.BENCH_CHECKOUT ?? '.';
const ONLY = process.env.BENCH_ONLY ? new RegExp(process.env.BENCH_ONLY) : null;
const WRITE = process.env.BENCH_WRITE === '1';
const FILL_JOBS = 100;
const FILL_CONNECTIONS = Number(process.env.BENCH_FILL_CONNECTIONS ?? 256);
const EXECUTORS = 4;
const IN_FLIGHT = 8;
const MAX_FAILED = 0.01;
const execFileAsync = promisify(execFile);

const SETTINGS = `settings:\n  executors: ${EXECUTORS}\n  maxQueuedPerJob: 100000000\n`;
/** A concurrent job with a string parameter P and a step `true`: distinct values make distinct items. */
const PARAMETERIZED =
  '<project><properties><hudson.model.ParametersDefinitionProperty><parameterDefinitions><hudson.model.StringParameterDefinition><name>P</name></hudson.model.StringParameterDefinition></parameterDefinitions></hudson.model.ParametersDefinitionProperty></properties><concurrentBuild>true</concurrentBuild><builders><hudson.tasks.Shell><command>true</command></hudson.tasks.Shell></builders></project>';
const FOLDING = '<project><quietPeriod>3600</quietPeriod></project>';
/** autocannon puts a new unique id in place of `[<id>]` in every request. */
const distinctPath = (job) => `/job/${job}/buildWithParameters?delay=3600sec&P=[<id>]`;

/** Steward on a fresh home with `jobs` ({ name: config.xml }); it keeps the warnings and errors it logs. */
async function fresh(jobs = {}) {
  const home = mkdtempSync(join(tmpdir(), 'steward-scale-'));
  const server = await steward(home, CHECKOUT, SETTINGS);
  process.once('exit', () => server.child.kill()); // a failed run leaves no server behind
  server.complaints = [];
  let partial = '';
  server.child.stderr.on('data', (chunk) => {
    const lines = (partial + chunk).split('\n');
    partial = lines.pop();
    for (const line of lines) {
      const entry = JSON.parse(line.startsWith('{') ? line : '{}');
      if (entry.level >= 40) server.complaints.push(`${entry.level >= 50 ? 'error' : 'warn'}: ${entry.msg}${entry.err ? ` (${entry.err.message})` : ''}`);
    }
  });
  for (const [name, xml] of Object.entries(jobs)) await createJob(server, name, xml);
  server.close = async () => {
    await stop(server.child);
    rmSync(home, { recursive: true, force: true });
    return server.complaints;
  };
  return server;
}

/** Distinct triggers at `url` for `seconds` on 32 connections; counts every answer into `tally`. */
async function distinct(url, seconds, headers, tally) {
  const result = await cannon({ url, method: 'POST', connections: CONNECTIONS, duration: seconds, headers, idReplacement: true });
  tally.answers += result.requests.total;
  tally.failed += result.non2xx + result.errors;
  tally.status5xx += result['5xx'];
  tally.added.push(result['2xx']);
  return result.requests.average;
}
const newTally = () => ({ answers: 0, failed: 0, status5xx: 0, added: [] });
function assertTally(what, tally) {
  if (tally.failed > tally.answers * MAX_FAILED) throw new Error(`${what}: ${tally.failed} of ${tally.answers} answers not 2xx (${tally.status5xx} 5xx) or failed`);
}

/** Distinct triggers against Steward's job `bench`, which is deleted and made again afterwards: each round starts with the same queue. */
function stewardDistinct(server, tally) {
  return async (seconds) => {
    const rate = await distinct(new URL(distinctPath('bench'), server.url).href, seconds, { authorization: server.auth }, tally);
    await call(server, '/job/bench/doDelete', { method: 'POST' });
    await createJob(server, 'bench', PARAMETERIZED);
    return rate;
  };
}

/** Queues `count` distinct waiting items over HTTP, spread over the fill jobs; seconds taken. */
async function prefill(server, count) {
  if (count === 0) return 0;
  const started = performance.now();
  const requests = Array.from({ length: FILL_JOBS }, (_, index) => ({ path: distinctPath(`fill-${index + 1}`) }));
  const result = await cannon({ url: server.url, method: 'POST', connections: FILL_CONNECTIONS, amount: count, timeout: 120, headers: { authorization: server.auth }, idReplacement: true, requests });
  if (result['2xx'] !== count) throw new Error(`prefill: ${result['2xx']} of ${count} queued (${result.non2xx} non-2xx, ${result.errors} errors)`);
  return (performance.now() - started) / 1000;
}

/** Scenario 1: distinct durable triggers at each queue size, each size against the bare server. */
async function distinctTriggers(bare) {
  const fill = Object.fromEntries(Array.from({ length: FILL_JOBS }, (_, index) => [`fill-${index + 1}`, PARAMETERIZED]));
  const rows = [];
  for (const size of SIZES) {
    const started = performance.now();
    const server = await fresh({ bench: PARAMETERIZED, ...fill });
    const prefillSeconds = await prefill(server, size);
    console.error(`distinct: ${fmt(size)} waiting items queued in ${prefillSeconds.toFixed(1)} s`);
    const tally = newTally();
    const rates = await compare((seconds) => distinct(`${bare}${distinctPath('bench')}`, seconds, {}, newTally()), stewardDistinct(server, tally));
    const complaints = await server.close();
    assertTally(`distinct triggers with ${size} waiting`, tally);
    rows.push({ size, prefillSeconds, ...rates, tally, complaints, seconds: (performance.now() - started) / 1000 });
    console.error(`distinct at ${fmt(size)}: bare ${fmt(rates.bare)}/s, Steward ${fmt(rates.steward)}/s`);
  }
  return rows;
}

/** Scenario 2: triggers that all fold into one waiting item, against the bare server. */
async function foldedTriggers(bare) {
  const server = await fresh({ bench: FOLDING });
  const rates = await compare((seconds) => load(`${bare}/job/bench/build`, seconds), (seconds) => load(new URL('/job/bench/build', server.url).href, seconds, { headers: { authorization: server.auth } }));
  return { ...rates, complaints: await server.close() };
}

/** Repeats `act` until `running.stop` is set; resolves when the loop has ended. */
async function loop(running, act) {
  while (!running.stop) await act();
}

/** Triggers a distinct build of `bench` and waits until it has finished. */
let triggered = 0;
async function buildAndWait(server) {
  await (await call(server, `/job/bench/buildWithParameters?P=${triggered++}&wait=finish`, { method: 'POST' })).arrayBuffer();
}

/** Builds completed per second over `seconds` with IN_FLIGHT triggers waiting for their builds; also the latency of a cheap read every 10 ms. */
async function buildRate(server, seconds, latencies) {
  const running = { stop: false };
  const completed = async () => (await (await call(server, '/job/bench/api/json?tree=lastCompletedBuild[number]')).json()).lastCompletedBuild?.number ?? 0;
  const loops = Array.from({ length: IN_FLIGHT }, () => loop(running, () => buildAndWait(server)));
  await sleep(1000);
  const before = { number: await completed(), at: performance.now() };
  const probe = loop(running, async () => {
    const sent = performance.now();
    await (await call(server, '/api/json?tree=mode')).arrayBuffer();
    latencies.push(performance.now() - sent);
    await sleep(Math.max(0, 10 - (performance.now() - sent)));
  });
  await sleep(seconds * 1000);
  const after = { number: await completed(), at: performance.now() };
  running.stop = true;
  await Promise.all([...loops, probe]);
  return ((after.number - before.number) * 1000) / (after.at - before.at);
}

/** The baseline of scenario 3: a Node process spawning `sh -c true` from 4 workers back to back for the given seconds; prints completions. */
const SPAWNER = `
const { spawn } = require('node:child_process');
const until = Date.now() + Number(process.argv[1]) * 1000;
let done = 0;
const worker = () => new Promise((resolve) => { const next = () => { if (Date.now() >= until) return resolve(); spawn('sh', ['-c', 'true'], { stdio: 'ignore' }).on('exit', () => { done++; next(); }); }; next(); });
Promise.all(Array.from({ length: ${EXECUTORS} }, worker)).then(() => console.log(done));`;
// Asynchronous, so that the bench's own event loop (and its idle keep-alive connections to Steward) goes on meanwhile.
const spawnRate = async (seconds) => Number((await execFileAsync(process.execPath, ['-e', SPAWNER, String(seconds)])).stdout) / seconds;

/** Scenario 3: builds back to back against the spawning baseline. */
async function backToBack() {
  const server = await fresh({ bench: PARAMETERIZED });
  const latencies = [];
  const rates = await compare(spawnRate, (seconds) => buildRate(server, seconds, latencies));
  return { ...rates, latencies, complaints: await server.close() };
}

/** Scenario 6: idle RSS, then RSS every 5 s under steady mixed load. */
async function memory() {
  const server = await fresh();
  await sleep(2000);
  const idle = rssMiB(server.child.pid);
  await createJob(server, 'bench', PARAMETERIZED);
  await buildAndWait(server); // a completed build for the console reads
  const running = { stop: false };
  let reads = 0;
  const read = (path) => async () => {
    await (await call(server, path)).arrayBuffer();
    reads++;
  };
  const loops = [
    ...Array.from({ length: IN_FLIGHT }, () => loop(running, () => buildAndWait(server))),
    ...['/api/json?tree=jobs[name,color,lastBuild[number,result]]', '/job/bench/api/json', '/job/bench/lastCompletedBuild/api/json', '/job/bench/lastCompletedBuild/consoleText'].map((path) => loop(running, read(path))),
  ];
  const samples = [rssMiB(server.child.pid)];
  for (let elapsed = 0; elapsed < MEMORY_SECONDS; elapsed += 5) {
    await sleep(5000);
    samples.push(rssMiB(server.child.pid));
  }
  running.stop = true;
  await Promise.all(loops);
  const builds = (await (await call(server, '/job/bench/api/json?tree=lastCompletedBuild[number]')).json()).lastCompletedBuild?.number ?? 0;
  return { idle, samples, builds, reads, complaints: await server.close() };
}

/** A port nobody listens on now. */
function freePort() {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/** Debian's webhook serving one hook that runs `/bin/true`. */
async function webhookPeer(dir) {
  try {
    execFileSync('sh', ['-c', 'command -v webhook'], { stdio: 'ignore' });
  } catch {
    if (process.getuid?.() !== 0) throw new Error('the webhook peer needs Debian\'s webhook: apt-get install -y webhook');
    execFileSync('apt-get', ['install', '-y', '-qq', 'webhook'], { stdio: 'inherit' });
  }
  const hooks = join(dir, 'hooks.json');
  writeFileSync(hooks, JSON.stringify([{ id: 'bench', 'execute-command': '/bin/true' }]));
  const port = await freePort();
  const child = spawn('webhook', ['-hooks', hooks, '-ip', '127.0.0.1', '-port', String(port)], { stdio: 'ignore' });
  process.once('exit', () => child.kill());
  const url = `http://127.0.0.1:${port}/hooks/bench`;
  for (let tries = 0; !(await fetch(url, { method: 'POST' }).then((response) => response.ok, () => false)); tries++) {
    if (tries > 100) throw new Error('webhook did not start');
    await sleep(50);
  }
  return { child, url, version: execFileSync('webhook', ['-version'], { encoding: 'utf8' }).trim() };
}

/** Scenario 7: the peer against Steward's distinct durable triggers on an empty queue. */
async function webhook() {
  const dir = mkdtempSync(join(tmpdir(), 'steward-scale-webhook-'));
  const peer = await webhookPeer(dir);
  const server = await fresh({ bench: PARAMETERIZED });
  const tally = newTally();
  try {
    const rates = await compare((seconds) => load(peer.url, seconds), stewardDistinct(server, tally));
    assertTally('distinct triggers beside webhook', tally);
    return { ...rates, version: peer.version, tally, complaints: await server.close() };
  } finally {
    await stop(peer.child);
    rmSync(dir, { recursive: true, force: true });
  }
}

const ratio = (a, b) => (a / b >= 0.1 ? (a / b).toFixed(2) : (a / b).toPrecision(2));
const rounds = (r) => `bare ${r.bareRates.map(fmt).join(', ')} / Steward ${r.stewardRates.map(fmt).join(', ')}`;
const mib = (n) => `${n.toFixed(0)} MiB`;

/** Each scenario's Markdown section, from its result. */
const RENDER = {
  distinct: ({ rows }) => [
    '`POST /job/bench/buildWithParameters?delay=3600sec&P=<unique>` with an API token: every 201 is a new waiting item, committed and fdatasynced.',
    `The waiting items were queued over HTTP first (${FILL_CONNECTIONS} connections, spread over ${FILL_JOBS} jobs); the measured job is deleted and made again after each round, so each round starts with the same queue and adds the items in the last column but one.`,
    '',
    '| items waiting | queued over HTTP in | bare node:http (req/s) | Steward (req/s) | ratio | non-2xx / answers | items added per round | took |',
    '|---:|---:|---:|---:|---:|---:|---:|---:|',
    ...rows.map(
      (r) =>
        `| ${fmt(r.size)} | ${r.size === 0 ? '–' : `${r.prefillSeconds.toFixed(1)} s (${fmt(r.size / r.prefillSeconds)}/s)`} | ${fmt(r.bare)} | ${fmt(r.steward)} | ${ratio(r.steward, r.bare)} | ${fmt(r.tally.failed)} / ${fmt(r.tally.answers)} | ${fmt(Math.max(...r.tally.added.slice(1)))} at most | ${Math.round(r.seconds)} s |`,
    ),
    '',
    `Steward at ${fmt(rows.at(-1).size)} ÷ at ${fmt(rows[0].size)} waiting: **${ratio(rows.at(-1).steward, rows[0].steward)}**. Rounds (req/s): ${rows.map((r) => `${fmt(r.size)}: ${rounds(r)}`).join('; ')}.`,
  ],
  webhook: (w) => [
    `Debian's ${w.version.replace('webhook version', 'webhook')}, one hook running \`/bin/true\` (\`POST /hooks/bench\`; it answers 200 once the command is started, without waiting for it, and keeps nothing), against Steward's distinct durable triggers on an empty queue, in alternating rounds.`,
    '',
    '| webhook (req/s) | Steward (req/s) | Steward ÷ webhook |',
    '|---:|---:|---:|',
    `| ${fmt(w.bare)} | ${fmt(w.steward)} | ${ratio(w.steward, w.bare)} |`,
    '',
    `Rounds (req/s): webhook ${w.bareRates.map(fmt).join(', ')} / Steward ${w.stewardRates.map(fmt).join(', ')}; Steward answered ${fmt(w.tally.failed)} of ${fmt(w.tally.answers)} non-2xx.`,
  ],
  folded: (f) => [
    '`POST /job/bench/build` on a job with a quiet period of 1 h: every trigger folds into the one waiting item.',
    '',
    '| bare node:http (req/s) | Steward (req/s) | ratio |',
    '|---:|---:|---:|',
    `| ${fmt(f.bare)} | ${fmt(f.steward)} | ${ratio(f.steward, f.bare)} |`,
    '',
    `Rounds (req/s): ${rounds(f)}.`,
  ],
  builds: (b) => [
    `${EXECUTORS} executors, a concurrent job with one step \`true\`, quiet period 0, ${IN_FLIGHT} triggers in flight (\`buildWithParameters?P=<unique>&wait=finish\`, then the next)${process.getuid?.() === 0 ? '; builds run as the build user nobody' : ''}; completed builds per second from the job's \`lastCompletedBuild\`. Baseline: a Node process spawning \`sh -c true\` from ${EXECUTORS} workers back to back.`,
    '',
    '| spawn baseline (/s) | Steward builds (/s) | ratio | `GET /api/json?tree=mode` every 10 ms meanwhile: p50 | p99 | max |',
    '|---:|---:|---:|---:|---:|---:|',
    `| ${fmt(b.bare)} | ${b.steward.toFixed(1)} | ${ratio(b.steward, b.bare)} | ${ms(percentile(b.latencies, 0.5))} | ${ms(percentile(b.latencies, 0.99))} | ${ms(Math.max(...b.latencies))} |`,
    '',
    `Rounds (/s): spawn ${b.bareRates.map(fmt).join(', ')} / Steward ${b.stewardRates.map((rate) => rate.toFixed(1)).join(', ')}; ${fmt(b.latencies.length)} probes (Steward exposes no event-loop delay; the probe's latency includes the bench process's own).`,
  ],
  memory: (m) => [
    `RSS of the server process (VmRSS). Load for ${MEMORY_SECONDS} s: ${IN_FLIGHT} trigger loops (\`wait=finish\`, builds of \`true\` on ${EXECUTORS} executors) and 4 read loops (\`/api/json?tree=…\`, the job's and its last build's \`api/json\`, \`consoleText\`); ${fmt(m.builds)} builds, ${fmt(m.reads)} reads.`,
    '',
    '| idle after start | load start | load end | max | growth |',
    '|---:|---:|---:|---:|---:|',
    `| ${mib(m.idle)} | ${mib(m.samples[0])} | ${mib(m.samples.at(-1))} | ${mib(Math.max(...m.samples))} | ${(((m.samples.at(-1) - m.samples[0]) / m.samples[0]) * 100).toFixed(0)}% |`,
    '',
    `Every 5 s (MiB): ${m.samples.map((sample) => sample.toFixed(0)).join(', ')}.`,
  ],
};
const TITLES = {
  distinct: 'Distinct durable triggers as the queue grows',
  webhook: 'A peer: adnanh/webhook',
  folded: 'Folded triggers',
  builds: 'Builds back to back',
  memory: 'Memory',
};

/** Prints `lines` of the report as they come (a failed run keeps what was measured) and keeps them for docs/benchmarks.md. */
const report = [];
const print = (...lines) => {
  report.push(...lines);
  process.stdout.write(`${lines.join('\n')}\n`);
};
const complaints = [];

/** Runs scenario `name` unless BENCH_ONLY leaves it out, and prints its section with how long it took. */
async function scenario(name, run) {
  if (ONLY && !ONLY.test(name)) return;
  const started = performance.now();
  console.error(`${name}…`);
  const result = await run();
  const took = (performance.now() - started) / 1000;
  console.error(`${name}: ${took.toFixed(0)} s`);
  print('', `### ${TITLES[name]} (took ${Math.round(took)} s)`, '', ...RENDER[name](result));
  for (const line of [...(result.complaints ?? []), ...(result.rows ?? []).flatMap((row) => row.complaints)]) complaints.push(`${name}: ${line}`);
}

if (WRITE && !readFileSync('docs/benchmarks.md', 'utf8').includes('<!-- SCALE:START -->')) throw new Error('BENCH_WRITE=1: docs/benchmarks.md has no SCALE markers');
const bare = await start(process.execPath, ['bench/bare-server.mjs'], {}, /listening (\d+)/);
process.once('exit', () => bare.child.kill());
const bareUrl = `http://127.0.0.1:${bare.match[1]}`;
print(
  `Measured ${new Date().toISOString().slice(0, 10)} on ${cpus().length} × ${cpus()[0]?.model.trim() ?? 'CPU'}, Node ${process.version}, with \`npm run bench:scale\``,
  `(${ROUNDS} alternating rounds of ${SECONDS} s per side after a 3 s warm-up; ${CONNECTIONS} connections; load generator on the same machine; medians).`,
);
await scenario('distinct', async () => ({ rows: await distinctTriggers(bareUrl) }));
await scenario('webhook', webhook);
await scenario('folded', () => foldedTriggers(bareUrl));
await scenario('builds', backToBack);
await scenario('memory', memory);
bare.child.kill();

const counted = [...new Set(complaints)].map((line) => {
  const times = complaints.filter((other) => other === line).length;
  return `- ${line}${times > 1 ? ` (×${times})` : ''}`;
});
print('', `Server log: ${counted.length === 0 ? 'no warnings or errors.' : `\n\n${counted.slice(0, 20).join('\n')}`}`);
if (WRITE) writeSection('SCALE', report.join('\n'));
