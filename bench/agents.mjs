// Benchmarks of builds on agents (issue 15): real `steward agent` processes against a real server, each
// figure against a baseline measured in the same run. Run with `npm run bench:agents` after `npm install`
// (which builds dist/); about 5 minutes with the defaults on a quiet machine, about 2½ with
// BENCH_QUICK=1. Prints a Markdown report; with BENCH_WRITE=1 also writes it into docs/benchmarks.md
// between the AGENTS markers.
//
// One server (SQLite, the built-in node with 2 executors) and three agents on the same machine, each a
// `steward agent --secret-file … --work-dir … --executors N` process registered through the native API:
// `solo` (2 executors, labels `solo pool`), `mate` (2 executors, label `pool`) and `idle` (1 executor, a
// label no job asks for, connected through a counting proxy). Every job is pinned to its node with a
// label expression (`assignedNode`), so each measurement knows where its builds run. When the bench runs
// as root the agents run as `nobody` (see AGENT_USER).
//
// 1. Trigger → first step running: one build at a time (`POST /job/X/build?wait=finish`, then the next
//    after 50 ms, so the executor is idle and the agent's claim is waiting), the time from just before
//    the POST to the wall clock the step's first command prints (`date "+STEP %s%N"`). In rotation, for
//    each sample: a job on the agent `solo`, the same job on the built-in node, and a raw
//    `child_process.spawn` of `sh -c 'date "+STEP %s%N"'` from the bench process. The build's
//    `timestamp` (when the scheduler started it) and the agent's `build claimed` log line give stages.
// 2. Idle agent: the agent `idle` talks to the server through a small HTTP proxy in the bench that counts
//    its requests by kind, for the whole run (at least 65 s; the run waits if it was shorter). It never
//    gets a build. Requests per 30 s = 30 s ÷ the mean interval between its requests.
// 3. Live log lag: a build prints `tick <ns since epoch>` every 100 ms for BENCH_LAG_SECONDS; the bench
//    follows it as Jenkins clients do (`/job/X/N/logText/progressiveText?start=<X-Text-Size>`, 20 ms
//    between answers) and takes, for every tick line, the time it was read minus the time printed.
//    On the agent and on the built-in node, alone and in two hard cases: the same build writing 1 MB of
//    other output between ticks (up to 10 MB/s, which the follower reads too), and a second build on the same
//    node's other executor writing 1 MB every 50 ms meanwhile. Then a build writing 50 MB at once on
//    each: its duration is how fast a log reaches the server (a build ends when the server has its log).
// 4. Builds per second: N distinct builds of a concurrent job whose step is `true`, triggered at once
//    (8 connections, `buildWithParameters?P=<n>`), from the first trigger until the server counts N
//    more finished builds (`steward_builds_finished_total` from /prometheus/), at each N of
//    BENCH_AGENT_SIZES, on: the built-in node (2 executors), 1 agent × 2 executors, 2 agents × 2
//    executors. Per build: the server's and the agents' own CPU time (utime + stime from /proc, not
//    their children's), and the agents' requests, counted server-side from
//    `steward_http_request_duration_seconds_count{route="steward/agent"}`.
//
// Environment: BENCH_QUICK=1 (fewer samples and sizes), BENCH_AGENT_SAMPLES (default 100, quick 30),
// BENCH_AGENT_SIZES (default 100,500; quick 100), BENCH_LAG_SECONDS (default 5, quick 3),
// BENCH_ONLY=regex of latency|lag|throughput (the idle agent is always watched), BENCH_IDLE_SECONDS (the
// least time the idle agent is watched, default 65), BENCH_AGENT_AS_ROOT=1 (agents as root when the bench
// is root), BENCH_AGENT_NODE_ARGS (node options for the agents, e.g. `--cpu-prof --cpu-prof-dir=DIR`),
// BENCH_WRITE=1.
import { execFile, execFileSync, spawn } from 'node:child_process';
import { chmodSync, chownSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request as httpRequest, Agent as HttpAgent, createServer } from 'node:http';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { call, createJob, fmt, percentile, rssMiB, steward, stop, writeSection } from './lib.mjs';

const QUICK = process.env.BENCH_QUICK === '1';
const SAMPLES = Number(process.env.BENCH_AGENT_SAMPLES ?? (QUICK ? 30 : 100));
const WARMUP = 5;
/** Between two builds of the latency measurement: the agent has long claimed again by then. */
const PAUSE_MS = 50;
const SIZES = (process.env.BENCH_AGENT_SIZES ?? (QUICK ? '100' : '100,500')).split(',').map(Number);
const LAG_SECONDS = Number(process.env.BENCH_LAG_SECONDS ?? (QUICK ? 3 : 5));
const IDLE_MIN_SECONDS = Number(process.env.BENCH_IDLE_SECONDS ?? 65);
const ONLY = process.env.BENCH_ONLY ? new RegExp(process.env.BENCH_ONLY) : null;
const WRITE = process.env.BENCH_WRITE === '1';
const BUILT_IN_EXECUTORS = 2;
const TRIGGER_CONNECTIONS = 8;
const execFileAsync = promisify(execFile);
/** Node options for the agents' processes, e.g. `--cpu-prof --cpu-prof-dir=/tmp/profiles` to see where their time goes. */
const NODE_ARGS = (process.env.BENCH_AGENT_NODE_ARGS ?? '').split(' ').filter((arg) => arg !== '');

/** CPU time (user + system) a process has used so far, in ms; its children's not counted. */
function cpuMs(pid) {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /, '').split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS;
}
const CLOCK_TICKS = 100;

/** Wall-clock milliseconds with sub-millisecond resolution (the steps print the wall clock too). */
const wall = () => performance.timeOrigin + performance.now();

const escapeXml = (text) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
/** A freestyle job: one shell step, pinned to the nodes matching `label`, optionally concurrent with a parameter P. */
function jobXml(label, command, { concurrent = false } = {}) {
  const parameter = concurrent
    ? '<properties><hudson.model.ParametersDefinitionProperty><parameterDefinitions><hudson.model.StringParameterDefinition><name>P</name></hudson.model.StringParameterDefinition></parameterDefinitions></hudson.model.ParametersDefinitionProperty></properties>'
    : '';
  return `<project>${parameter}<assignedNode>${label}</assignedNode><canRoam>false</canRoam><concurrentBuild>${concurrent}</concurrentBuild><builders><hudson.tasks.Shell><command>${escapeXml(command)}</command></hudson.tasks.Shell></builders></project>`;
}

const STEP = 'date "+STEP %s%N"';
const TICKS = (seconds) => `for i in $(seq 1 ${seconds * 10}); do echo "tick $(date +%s%N)"; sleep 0.1; done`;
const FILLER = "head -c 1000000 /dev/zero | tr '\\0' a | fold -w 100";
const TICKS_WITH_FILLER = (seconds) => `for i in $(seq 1 ${seconds * 10}); do echo "tick $(date +%s%N)"; ${FILLER}; sleep 0.1; done`;
/** A build that writes BULK_BYTES of output as fast as it can: how fast a log reaches the server. */
const BULK_BYTES = 50_000_000;
const BULK = `head -c ${BULK_BYTES} /dev/zero | tr '\\0' a | fold -w 99`;
/** The neighbour of the hard case: 1 MB every 50 ms, from before the ticks start until after they end. */
const NEIGHBOUR = (seconds) => `end=$(($(date +%s) + ${seconds + 2})); while [ $(date +%s) -lt $end ]; do ${FILLER}; sleep 0.05; done`;

// ---------------------------------------------------------------------------------------------------
// The server, its agents, and the counting proxy in front of the idle one.

/** Everything the server and the agents log at warn or above, for the report. */
const complaints = [];
/** When an agent logged `build claimed` (ms since the epoch), by `job#number`. */
const claimed = new Map();
function collectComplaints(who, stream) {
  let partial = '';
  stream.on('data', (chunk) => {
    const lines = (partial + chunk).split('\n');
    partial = lines.pop();
    for (const line of lines) {
      if (!line.startsWith('{')) continue;
      const entry = JSON.parse(line);
      if (entry.msg === 'build claimed') claimed.set(`${entry.job}#${entry.build}`, entry.time);
      if (entry.level >= 40) complaints.push(`${who}: ${entry.level >= 50 ? 'error' : 'warn'}: ${entry.msg}${entry.err ? ` (${typeof entry.err === 'string' ? entry.err : entry.err.message})` : ''}`);
    }
  });
}

/** Registers node `name` through the native API; answers its secret. */
async function registerNode(server, name, labels, executors) {
  const response = await call(server, '/steward/api/v1/nodes', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name, labels, executors }) });
  return (await response.json()).secret;
}

/**
 * The account the agents run as: their own, as the documented systemd unit does (`User=steward-agent`).
 * When the bench runs as root that is `nobody` (BENCH_AGENT_AS_ROOT=1 keeps root): an agent finds the
 * processes a build left behind by reading the environment of every process of its own account, which
 * for root is every process on the machine.
 */
const AGENT_USER = process.getuid?.() === 0 && process.env.BENCH_AGENT_AS_ROOT !== '1' ? { name: 'nobody', uid: Number(execFileSync('id', ['-u', 'nobody'], { encoding: 'utf8' })), gid: Number(execFileSync('id', ['-g', 'nobody'], { encoding: 'utf8' })) } : null;

/** Starts `steward agent` for node `name` against `url`, with its secret in a file; resolves once the server sees it online. */
async function startAgent(server, dir, name, labels, executors, url = server.url) {
  const secret = await registerNode(server, name, labels, executors);
  const secretFile = join(dir, `${name}.secret`);
  writeFileSync(secretFile, `${secret}\n`, { mode: 0o600 });
  const workDir = join(dir, `${name}-work`);
  mkdirSync(workDir);
  if (AGENT_USER) {
    chownSync(secretFile, AGENT_USER.uid, AGENT_USER.gid);
    chownSync(workDir, AGENT_USER.uid, AGENT_USER.gid);
  }
  const child = spawn(process.execPath, [...NODE_ARGS, 'bin/steward.js', 'agent', '--url', url, '--name', name, '--secret-file', secretFile, '--work-dir', workDir, '--executors', String(executors)], {
    env: { ...process.env, HOME: workDir, STEWARD_LOG_LEVEL: 'info' },
    stdio: ['ignore', 'ignore', 'pipe'],
    ...(AGENT_USER ? { uid: AGENT_USER.uid, gid: AGENT_USER.gid } : {}),
  });
  process.once('exit', () => child.kill('SIGKILL'));
  collectComplaints(`agent ${name}`, child.stderr);
  for (const started = Date.now(); ; ) {
    const computer = await (await call(server, `/computer/${name}/api/json?tree=offline`)).json();
    if (!computer.offline) break;
    if (child.exitCode !== null) throw new Error(`agent ${name} exited with ${child.exitCode}`);
    if (Date.now() - started > 20_000) throw new Error(`agent ${name} did not come online within 20 s`);
    await sleep(50);
  }
  return { name, child };
}

/** The kind of an agent protocol request, without ids: `POST claim`, `PUT builds/log`… */
function requestKind(method, path) {
  const rest = path.replace(/^\/steward\/agent\/v1\//, '').replace(/^builds\/\d+\/\d+\//, 'builds/');
  return `${method} ${rest.split('?')[0]}`;
}

/** An HTTP proxy to `target` that counts the requests passing through it, by kind and status, with the time each arrived. */
async function countingProxy(target) {
  const upstream = new URL(target);
  const keepAlive = new HttpAgent({ keepAlive: true });
  const seen = [];
  const server = createServer((req, res) => {
    const entry = { kind: requestKind(req.method, req.url), at: performance.now(), status: null };
    seen.push(entry);
    const forwarded = httpRequest({ host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: { ...req.headers, host: upstream.host }, agent: keepAlive }, (answer) => {
      entry.status = answer.statusCode;
      res.writeHead(answer.statusCode, answer.headers);
      answer.pipe(res);
    });
    forwarded.on('error', () => res.destroy());
    res.on('close', () => forwarded.destroy());
    req.pipe(forwarded);
  });
  server.requestTimeout = 0;
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${server.address().port}/`, seen, close: () => server.close() };
}

/** The server's counters of finished builds and of agent protocol requests (route kind `steward/agent`), from /prometheus/. */
async function counters(server) {
  const text = await (await call(server, '/prometheus/')).text();
  const sum = (pattern) => text.split('\n').filter((line) => pattern.test(line)).reduce((total, line) => total + Number(line.split(' ').at(-1)), 0);
  return {
    finished: sum(/^steward_builds_finished_total\{/),
    succeeded: sum(/^steward_builds_finished_total\{result="SUCCESS"\}/),
    agentPost: sum(/^steward_http_request_duration_seconds_count\{[^}]*route="steward\/agent"[^}]*method="POST"/),
    agentPut: sum(/^steward_http_request_duration_seconds_count\{[^}]*route="steward\/agent"[^}]*method="PUT"/),
    agentRefused: sum(/^steward_http_request_duration_seconds_count\{[^}]*route="steward\/agent"[^}]*code="4xx"/),
  };
}

// ---------------------------------------------------------------------------------------------------
// 1. Trigger → first step running.

/** Triggers one build of `job`, waits until it has finished, and answers the time from the trigger to its step's first command. */
async function oneBuild(server, job) {
  const sent = wall();
  const response = await call(server, `/job/${job}/build?wait=finish&timeout=60`, { method: 'POST' });
  await response.arrayBuffer();
  const number = response.headers.get('x-steward-build-number');
  if (response.headers.get('x-steward-build-result') !== 'SUCCESS') throw new Error(`${job}: build ${number} ended ${response.headers.get('x-steward-build-result') ?? `unfinished (${response.headers.get('x-steward-wait')})`}`);
  const log = await (await call(server, `/job/${job}/${number}/consoleText`)).text();
  const printed = /^STEP (\d+)$/m.exec(log)?.[1];
  if (!printed) throw new Error(`${job} #${number}: no STEP line in\n${log}`);
  const { timestamp } = await (await call(server, `/job/${job}/${number}/api/json?tree=timestamp`)).json();
  const received = claimed.get(`${job}#${number}`);
  return { step: Number(printed) / 1e6 - sent, started: timestamp - sent, received: received === undefined ? null : received - sent };
}

async function oneSpawn() {
  const sent = wall();
  const { stdout } = await execFileAsync('sh', ['-c', STEP]);
  return { step: Number(/^STEP (\d+)$/m.exec(stdout)[1]) / 1e6 - sent };
}

async function latency(server) {
  const sides = { agent: [], builtIn: [], spawn: [] };
  for (let index = 0; index < SAMPLES + WARMUP; index++) {
    const agent = await oneBuild(server, 'latency-agent');
    await sleep(PAUSE_MS);
    const builtIn = await oneBuild(server, 'latency-built-in');
    await sleep(PAUSE_MS);
    const spawned = await oneSpawn();
    await sleep(PAUSE_MS);
    if (index < WARMUP) continue;
    sides.agent.push(agent);
    sides.builtIn.push(builtIn);
    sides.spawn.push(spawned);
  }
  return sides;
}

// ---------------------------------------------------------------------------------------------------
// 3. Live log lag.

/** Triggers a build of `job` and answers its number once it has started. */
async function startBuild(server, job) {
  const response = await call(server, `/job/${job}/build?wait=start&timeout=60`, { method: 'POST' });
  await response.arrayBuffer();
  const number = response.headers.get('x-steward-build-number');
  if (!number) throw new Error(`${job}: the build did not start (${response.headers.get('x-steward-wait')})`);
  return Number(number);
}

/** Waits until build `number` of `job` has finished; answers its result. */
async function finished(server, job, number) {
  for (const started = Date.now(); Date.now() - started < 120_000; await sleep(50)) {
    const build = await (await call(server, `/job/${job}/${number}/api/json?tree=building,result`)).json();
    if (!build.building) return build.result;
  }
  throw new Error(`${job} #${number} did not finish within 2 minutes`);
}

/** Follows build `number` of `job` with progressiveText as Jenkins clients do; the lag of every tick line. */
async function follow(server, job, number) {
  const lags = [];
  let start = 0;
  let partial = '';
  let answers = 0;
  let bytes = 0;
  for (;;) {
    const response = await call(server, `/job/${job}/${number}/logText/progressiveText?start=${start}`);
    const text = await response.text();
    const at = wall();
    answers++;
    bytes += Buffer.byteLength(text);
    start = Number(response.headers.get('x-text-size'));
    const lines = (partial + text).split('\n');
    partial = lines.pop();
    for (const line of lines) {
      const tick = /^tick (\d+)$/.exec(line);
      if (tick) lags.push(at - Number(tick[1]) / 1e6);
    }
    if (response.headers.get('x-more-data') !== 'true') break;
    await sleep(20);
  }
  return { lags, answers, bytes };
}

async function logLag(server) {
  const cases = [];
  for (const [name, node] of [['agent `solo`', 'agent'], ['built-in node', 'built-in']]) {
    for (const [what, job, neighbour] of [
      ['alone', `lag-${node}`, null],
      ['the build also writes 1 MB between ticks (up to 10 MB/s)', `lag-filler-${node}`, null],
      ['a second build on the same node writes 1 MB every 50 ms meanwhile', `lag-${node}`, `neighbour-${node}`],
    ]) {
      const neighbourNumber = neighbour ? await startBuild(server, neighbour) : null;
      if (neighbour) await sleep(500);
      const number = await startBuild(server, job);
      const followed = await follow(server, job, number);
      const result = await finished(server, job, number);
      if (neighbour) await finished(server, neighbour, neighbourNumber);
      if (followed.lags.length !== LAG_SECONDS * 10) throw new Error(`${job} #${number}: ${followed.lags.length} tick lines seen, ${LAG_SECONDS * 10} printed (${result})`);
      cases.push({ name, what, ...followed });
      console.error(`lag, ${name}, ${what}: p50 ${percentile(followed.lags, 0.5).toFixed(0)} ms, max ${Math.max(...followed.lags).toFixed(0)} ms`);
    }
  }
  return cases;
}

/** A build writing BULK_BYTES at once on each node: the build's duration (it ends when the server holds the whole log) and the rate. */
async function bulkLog(server) {
  const rows = [];
  for (const [name, job] of [['agent `solo`', 'bulk-agent'], ['built-in node', 'bulk-built-in']]) {
    const response = await call(server, `/job/${job}/build?wait=finish&timeout=300`, { method: 'POST' });
    await response.arrayBuffer();
    const number = response.headers.get('x-steward-build-number');
    const build = await (await call(server, `/job/${job}/${number}/api/json?tree=duration,result`)).json();
    // From BULK_BYTES on (the log is longer: newlines, the header and the footer) the answer is the rest, and its size the whole log's.
    const rest = await call(server, `/job/${job}/${number}/logText/progressiveText?start=${BULK_BYTES}`);
    await rest.arrayBuffer();
    const size = Number(rest.headers.get('x-text-size'));
    if (build.result !== 'SUCCESS' || !(size > BULK_BYTES)) throw new Error(`${job} #${number}: ${build.result}, a log of ${size} bytes`);
    rows.push({ name, seconds: build.duration / 1000, size });
  }
  return rows;
}

// ---------------------------------------------------------------------------------------------------
// 4. Builds per second.

/** Queues `count` distinct builds of `job` at once and answers builds per second until all have finished, with the agents' requests meanwhile. */
async function burst(server, job, count) {
  const before = await counters(server);
  const cpuBefore = { server: cpuMs(server.child.pid), agents: agents.reduce((total, agent) => total + cpuMs(agent.child.pid), 0) };
  const started = performance.now();
  let next = 0;
  const trigger = async () => {
    while (next < count) {
      const response = await call(server, `/job/${job}/buildWithParameters?P=${next++}`, { method: 'POST' });
      if (response.status !== 201) throw new Error(`${job}: a trigger was answered ${response.status}`);
    }
  };
  await Promise.all(Array.from({ length: TRIGGER_CONNECTIONS }, trigger));
  const queuedSeconds = (performance.now() - started) / 1000;
  let after;
  for (;;) {
    after = await counters(server);
    if (after.finished - before.finished >= count) break;
    if (performance.now() - started > 600_000) throw new Error(`${job}: ${after.finished - before.finished} of ${count} builds finished in 10 minutes`);
    await sleep(25);
  }
  const seconds = (performance.now() - started) / 1000;
  const cpu = { server: cpuMs(server.child.pid) - cpuBefore.server, agents: agents.reduce((total, agent) => total + cpuMs(agent.child.pid), 0) - cpuBefore.agents };
  if (after.succeeded - before.succeeded !== count) throw new Error(`${job}: ${after.succeeded - before.succeeded} of ${count} builds succeeded`);
  return {
    rate: count / seconds,
    seconds,
    queuedSeconds,
    posts: after.agentPost - before.agentPost,
    puts: after.agentPut - before.agentPut,
    refused: after.agentRefused - before.agentRefused,
    serverCpuMs: cpu.server / count,
    agentCpuMs: cpu.agents / count,
  };
}

async function throughput(server) {
  const configs = [
    ['built-in node, 2 executors', 'burst-built-in'],
    ['1 agent × 2 executors', 'burst-solo'],
    ['2 agents × 2 executors', 'burst-pool'],
  ];
  const rows = [];
  for (const size of SIZES) {
    for (const [name, job] of configs) {
      const measured = await burst(server, job, size);
      rows.push({ size, name, ...measured });
      console.error(`builds/s, ${fmt(size)} on ${name}: ${measured.rate.toFixed(1)}/s`);
      await sleep(1000);
    }
  }
  return rows;
}

// ---------------------------------------------------------------------------------------------------
// The run.

const report = [];
const print = (...lines) => {
  report.push(...lines);
  process.stdout.write(`${lines.join('\n')}\n`);
};
const ms = (value) => `${value.toFixed(1)} ms`;
const ratio = (a, b) => (a / b).toFixed(2);

if (WRITE && !readFileSync('docs/benchmarks.md', 'utf8').includes('<!-- AGENTS:START -->')) throw new Error('BENCH_WRITE=1: docs/benchmarks.md has no AGENTS markers');
const runStarted = performance.now();
const loadBefore = loadavg();
const home = mkdtempSync(join(tmpdir(), 'steward-agents-bench-'));
const server = await steward(home, '.', `settings:\n  executors: ${BUILT_IN_EXECUTORS}\n  maxQueuedPerJob: 100000000\n`);
process.once('exit', () => server.child.kill('SIGKILL'));
collectComplaints('server', server.child.stderr);

const jobs = {
  'latency-agent': jobXml('solo', STEP),
  'latency-built-in': jobXml('built-in', STEP),
  'lag-agent': jobXml('solo', TICKS(LAG_SECONDS)),
  'lag-built-in': jobXml('built-in', TICKS(LAG_SECONDS)),
  'lag-filler-agent': jobXml('solo', TICKS_WITH_FILLER(LAG_SECONDS)),
  'lag-filler-built-in': jobXml('built-in', TICKS_WITH_FILLER(LAG_SECONDS)),
  'neighbour-agent': jobXml('solo', NEIGHBOUR(LAG_SECONDS)),
  'neighbour-built-in': jobXml('built-in', NEIGHBOUR(LAG_SECONDS)),
  'bulk-agent': jobXml('solo', BULK),
  'bulk-built-in': jobXml('built-in', BULK),
  'burst-built-in': jobXml('built-in', 'true', { concurrent: true }),
  'burst-solo': jobXml('solo', 'true', { concurrent: true }),
  'burst-pool': jobXml('pool', 'true', { concurrent: true }),
};
for (const [name, xml] of Object.entries(jobs)) await createJob(server, name, xml);

const proxy = await countingProxy(server.url);
const agentsDir = mkdtempSync(join(tmpdir(), 'steward-agents-bench-agents-'));
chmodSync(agentsDir, 0o755);
// A failed run leaves no homes behind either.
process.once('exit', () => {
  rmSync(home, { recursive: true, force: true });
  rmSync(agentsDir, { recursive: true, force: true });
});
const agents = [
  await startAgent(server, agentsDir, 'idle', ['nobody-asks-for-this'], 1, proxy.url),
  await startAgent(server, agentsDir, 'solo', ['solo', 'pool'], 2),
  await startAgent(server, agentsDir, 'mate', ['pool'], 2),
];
const idleFrom = performance.now();

print(
  `Measured ${new Date().toISOString().slice(0, 10)} on ${cpus().length} × ${cpus()[0]?.model.trim() ?? 'CPU'}, Node ${process.version}, with \`${QUICK ? 'BENCH_QUICK=1 ' : ''}npm run bench:agents\`.`,
  `One server (SQLite, built-in node with ${BUILT_IN_EXECUTORS} executors${process.getuid?.() === 0 ? ', its builds as the build user nobody' : ''}) and the agents as separate \`steward agent\` processes on the same machine${AGENT_USER ? `, as the account ${AGENT_USER.name}` : process.getuid?.() === 0 ? ', as root' : ''}, over HTTP on 127.0.0.1.`,
  `Load average before the run: ${loadBefore.map((value) => value.toFixed(2)).join(', ')}.`,
);

if (!ONLY || ONLY.test('latency')) {
  const started = performance.now();
  const sides = await latency(server);
  const steps = (side) => side.map((sample) => sample.step);
  const row = (name, values, base) => `| ${name} | ${ms(percentile(values, 0.5))} | ${ms(percentile(values, 0.95))} | ${ms(Math.max(...values))} | ${ratio(percentile(values, 0.5), percentile(base, 0.5))} |`;
  const p50 = (side, stage) => percentile(side.map((sample) => sample[stage]), 0.5);
  const agentP50 = percentile(steps(sides.agent), 0.5);
  print(
    '',
    `### Trigger → the step's first command running (${SAMPLES} builds each after ${WARMUP} of warm-up, one at a time, in rotation; took ${Math.round((performance.now() - started) / 1000)} s)`,
    '',
    '| where | p50 | p95 | max | p50 ÷ built-in |',
    '|---|---:|---:|---:|---:|',
    row('agent `solo` (idle, its claim waiting)', steps(sides.agent), steps(sides.builtIn)),
    row('built-in node (idle executors)', steps(sides.builtIn), steps(sides.builtIn)),
    row('raw `spawn` of the same `sh -c` from the bench', steps(sides.spawn), steps(sides.builtIn)),
    '',
    'Where the time goes (p50 of each stage, from just before the trigger was sent; the build\'s start is its `timestamp`, when the scheduler took the item, and the agent\'s receipt is its `build claimed` log line, both in whole ms):',
    '',
    '| where | → build started on the server | → the agent has it | → the step runs |',
    '|---|---:|---:|---:|',
    `| agent \`solo\` | ${ms(p50(sides.agent, 'started'))} | ${ms(p50(sides.agent, 'received'))} | ${ms(agentP50)} |`,
    `| built-in node | ${ms(p50(sides.builtIn, 'started'))} | – | ${ms(percentile(steps(sides.builtIn), 0.5))} |`,
    '',
    `Target: p50 ≤ 50 ms on the agent: ${agentP50 <= 50 ? '**met**' : '**not met**'} (${ms(agentP50)}).`,
  );
}

if (!ONLY || ONLY.test('lag')) {
  const started = performance.now();
  const cases = await logLag(server);
  const bulk = await bulkLog(server);
  print(
    '',
    `### Live log lag (a tick every 100 ms for ${LAG_SECONDS} s, followed with progressiveText every 20 ms; took ${Math.round((performance.now() - started) / 1000)} s)`,
    '',
    '| node | case | p50 | p95 | max | answers read | bytes read |',
    '|---|---|---:|---:|---:|---:|---:|',
    ...cases.map((c) => `| ${c.name} | ${c.what} | ${ms(percentile(c.lags, 0.5))} | ${ms(percentile(c.lags, 0.95))} | ${ms(Math.max(...c.lags))} | ${fmt(c.answers)} | ${fmt(c.bytes)} |`),
    '',
    `How fast a log reaches the server: a build writing ${fmt(BULK_BYTES / 1e6)} MB at once (\`head -c … /dev/zero | tr '\\0' a | fold -w 99\`); the build ends when the server holds its whole log.`,
    '',
    '| node | build took | log | MB/s |',
    '|---|---:|---:|---:|',
    ...bulk.map((b) => `| ${b.name} | ${b.seconds.toFixed(2)} s | ${(b.size / 1e6).toFixed(1)} MB | ${(b.size / 1e6 / b.seconds).toFixed(0)} |`),
    '',
    `Target: ≤ 1 s behind on the agent: ${cases.filter((c) => c.name.startsWith('agent')).every((c) => Math.max(...c.lags) <= 1000) ? '**met** (max)' : cases.filter((c) => c.name.startsWith('agent')).every((c) => percentile(c.lags, 0.95) <= 1000) ? '**met at p95**, not at the max' : '**not met**'}.`,
  );
}

if (!ONLY || ONLY.test('throughput')) {
  const started = performance.now();
  const rows = await throughput(server);
  const builtIn = (size) => rows.find((r) => r.size === size && r.name.startsWith('built-in'));
  print(
    '',
    `### Builds per second: N builds of \`true\` queued at once (${TRIGGER_CONNECTIONS} connections), until all have finished (took ${Math.round((performance.now() - started) / 1000)} s)`,
    '',
    '| N | where | builds/s | ÷ built-in | took | all queued after | server CPU per build | agents\' CPU per build | agent requests per build (POST / PUT) | refused |',
    '|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|',
    ...rows.map((r) => {
      const agentRow = !r.name.startsWith('built-in');
      return `| ${fmt(r.size)} | ${r.name} | ${r.rate.toFixed(1)} | ${ratio(r.rate, builtIn(r.size).rate)} | ${r.seconds.toFixed(1)} s | ${r.queuedSeconds.toFixed(2)} s | ${ms(r.serverCpuMs)} | ${agentRow ? ms(r.agentCpuMs) : '–'} | ${agentRow ? `${(r.posts / r.size).toFixed(2)} / ${(r.puts / r.size).toFixed(2)}` : '–'} | ${agentRow ? fmt(r.refused) : '–'} |`;
    }),
  );
}

// 2. The idle agent, watched since it started; at least 65 s.
const watched = (performance.now() - idleFrom) / 1000;
if (watched < IDLE_MIN_SECONDS) await sleep((IDLE_MIN_SECONDS - watched) * 1000 + 500);
const idleSeconds = (performance.now() - idleFrom) / 1000;
const seen = proxy.seen.filter((entry) => entry.at >= idleFrom);
const kinds = new Map();
for (const entry of proxy.seen) kinds.set(`${entry.kind} → ${entry.status ?? 'pending'}`, (kinds.get(`${entry.kind} → ${entry.status ?? 'pending'}`) ?? 0) + 1);
const intervals = seen.slice(1).map((entry, index) => (entry.at - seen[index].at) / 1000);
const meanInterval = intervals.length > 0 ? intervals.reduce((a, b) => a + b, 0) / intervals.length : Infinity;
print(
  '',
  `### Idle agent: requests it makes (watched for ${idleSeconds.toFixed(0)} s while the rest ran, through a counting proxy)`,
  '',
  '| requests | mean interval between them | shortest | requests per 30 s | kinds (→ status) |',
  '|---:|---:|---:|---:|---|',
  `| ${seen.length} | ${meanInterval.toFixed(2)} s | ${intervals.length > 0 ? Math.min(...intervals).toFixed(2) : '–'} s | ${(30 / meanInterval).toFixed(2)} | ${[...kinds].map(([kind, count]) => `${kind}: ${count}`).join(', ')} |`,
  '',
  `Target: ≤ 1 request per 30 s: ${30 / meanInterval <= 1.01 ? '**met**' : '**not met**'}.`,
);

const memory = [['server', server.child.pid], ...agents.map((agent) => [`agent ${agent.name}`, agent.child.pid])].map(([name, pid]) => `${name} ${rssMiB(pid)?.toFixed(0)} MiB`);
const clockDrift = Date.now() - wall();
for (const agent of agents) await stop(agent.child);
proxy.close();
await stop(server.child);
rmSync(home, { recursive: true, force: true });
rmSync(agentsDir, { recursive: true, force: true });
const counted = [...new Set(complaints)].map((line) => {
  const times = complaints.filter((other) => other === line).length;
  return `- ${line}${times > 1 ? ` (×${times})` : ''}`;
});
print(
  '',
  `Load average after the run: ${loadavg().map((value) => value.toFixed(2)).join(', ')}; the run took ${Math.round((performance.now() - runStarted) / 1000)} s. Resident memory at the end: ${memory.join(', ')}.`,
  ...(Math.abs(clockDrift) > 2 ? [`The bench's clock drifted ${clockDrift.toFixed(1)} ms from the wall clock during the run (the latencies compare the two).`] : []),
  `Warnings and errors logged by the server and the agents: ${counted.length === 0 ? 'none.' : `\n\n${counted.slice(0, 20).join('\n')}`}`,
);
if (WRITE) writeSection('AGENTS', report.join('\n'));
