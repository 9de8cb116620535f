// Benchmarks of several Steward nodes on one PostgreSQL (issue 16): real `steward serve --database URL`
// processes from dist/ against a throwaway PostgreSQL cluster, 1, then 2, then 3 nodes, and one node on
// SQLite as the reference, each figure against a baseline measured in the same run. Run with
// `npm run bench:cluster` after `npm install` (which builds dist/) on a machine with Debian's
// `postgresql` package (which `npm test` installs); about 4 minutes with the defaults. Prints a
// Markdown report; with BENCH_WRITE=1 also writes it into docs/benchmarks.md between the CLUSTER markers.
//
// The PostgreSQL cluster is the tests' own (test/support/postgres.ts, compiled here on the fly with
// TypeScript's transpiler): initdb into a temporary directory, then postgres on a free loopback port,
// as Debian's `postgres` user when the bench runs as root, fsync and synchronous_commit on. Every round
// gets a fresh database of its own. Node 1 starts first (it makes the schema and the master key); the
// others get `--key-file <node 1's home>/secrets/master.key`, and every node its own --home, a free
// port and STEWARD_SERVER_NAME=node-N. All nodes of a round are up before any work is sent.
//
// Per round (SQLite 1 node; PostgreSQL 1, 2, 3 nodes):
// 1. Distinct durable triggers: `POST /job/t-K/buildWithParameters?delay=3600sec&P=<unique>` with an
//    API token, spread over TRIGGER_JOBS jobs, on 32 keep-alive connections dealt round-robin over the
//    nodes (one autocannon per node), executors 0. Against bare node:http (bench/bare-server.mjs), one
//    round each in alternation, at each size of BENCH_CLUSTER_SIZES: the database also holds that many
//    waiting items (due in 10 years) and that many completed builds, written straight into its tables
//    in other jobs (as bench/data.mjs does for SQLite). The trigger jobs are deleted and made again
//    after each measurement, so each starts from the same queue. CPU: each node's and PostgreSQL's (the
//    postmaster with its reaped children, plus its live backends) from /proc/<pid>/stat before and
//    after, per 1,000 triggers, and PostgreSQL's share of the CPU the bench's processes used (nodes,
//    PostgreSQL, the load generator, the bare server); "machine busy" is the whole machine's from
//    /proc/stat, other people's work included.
// 2. Claim + start: BENCH_CLAIMS items (distinct parameters, spread over CLAIM_JOBS concurrent jobs
//    whose step is `true`) are queued with executors 0, the nodes are stopped, the items' due time is
//    set to a moment T after the nodes will be up again, and the nodes are started with
//    BENCH_CLUSTER_EXECUTORS executors each: they all wake at T by their timer. Builds started and
//    finished per second from T, from the builds' own times in the database; every item must have
//    become exactly one SUCCESS build, with dense numbers per job. Baseline: a Node process spawning
//    `sh -c true` from as many workers as the round has executors, in the same round.
// 3. Trigger → build start: node 1 with executors 0, node 2 with 1 (others 0). A trigger sent to node
//    1 (the build must start on node 2), then one sent to node 2 itself, one at a time: the time from
//    just before the POST to the build's start time in the database (polled every 2 ms). A trigger
//    whose build has not started after LATENCY_TIMEOUT_MS counts as not started (and is cancelled);
//    after 2 in a row the case stops. With 1 node, the only node has 1 executor.
//
// Environment: BENCH_CLUSTER_NODES (default 1,2,3), BENCH_CLUSTER_SIZES (default 0,10000,100000),
// BENCH_SECONDS (per measurement, default 3), BENCH_CLAIMS (default 300), BENCH_CLUSTER_EXECUTORS
// (default 4), BENCH_LATENCY_SAMPLES (default 20), BENCH_LATENCY_TIMEOUT_MS (default 3000), BENCH_SQLITE=0 (no SQLite round), BENCH_WRITE=1.
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import Database from 'better-sqlite3';
import pg from 'pg';
import { call, cannon, CONNECTIONS, createJob, fmt, launch, percentile, start, steward, stop, writeSection } from './lib.mjs';

const NODE_COUNTS = (process.env.BENCH_CLUSTER_NODES ?? '1,2,3').split(',').map(Number);
const SIZES = (process.env.BENCH_CLUSTER_SIZES ?? '0,10000,100000').split(',').map(Number);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 3);
const CLAIMS = Number(process.env.BENCH_CLAIMS ?? 300);
const EXECUTORS = Number(process.env.BENCH_CLUSTER_EXECUTORS ?? 4);
const LATENCY_SAMPLES = Number(process.env.BENCH_LATENCY_SAMPLES ?? 20);
const SQLITE = process.env.BENCH_SQLITE !== '0';
const WRITE = process.env.BENCH_WRITE === '1';
const TRIGGER_JOBS = 16;
const FILL_JOBS = 20;
const CLAIM_JOBS = 8;
const LATENCY_TIMEOUT_MS = Number(process.env.BENCH_LATENCY_TIMEOUT_MS ?? 3000);
const WARMUP_SECONDS = 2;
/** A case of the latency measurement ends after this many triggers in a row whose build did not start. */
const MISSES_IN_A_ROW = 2;
const MAX_FAILED = 0.01;
const YEAR_MS = 365 * 86_400_000;
const CLOCK_TICKS = 100;
const INT8 = 20;
const NUMERIC = 1700;
const execFileAsync = promisify(execFile);

const SETTINGS = 'settings:\n  maxQueuedPerJob: 100000000\n';
/** A concurrent job with a string parameter P and a step `true`: distinct values make distinct items. */
const PARAMETERIZED =
  '<project><properties><hudson.model.ParametersDefinitionProperty><parameterDefinitions><hudson.model.StringParameterDefinition><name>P</name></hudson.model.StringParameterDefinition></parameterDefinitions></hudson.model.ParametersDefinitionProperty></properties><concurrentBuild>true</concurrentBuild><builders><hudson.tasks.Shell><command>true</command></hudson.tasks.Shell></builders></project>';
const names = (prefix, count) => Array.from({ length: count }, (_, index) => `${prefix}-${index + 1}`);
const TRIGGER_NAMES = names('t', TRIGGER_JOBS);
const FILL_NAMES = names('fill', FILL_JOBS);
const CLAIM_NAMES = names('c', CLAIM_JOBS);

// ---------------------------------------------------------------------------------------------------
// PostgreSQL: the tests' throwaway cluster, and the CPU its processes use.

/** test/support/postgres.ts, transpiled to JavaScript next to node_modules (so that it finds `pg`), and imported. */
async function postgresSupport() {
  const require = createRequire(import.meta.url);
  const ts = require('typescript');
  const source = readFileSync('test/support/postgres.ts', 'utf8');
  const { outputText } = ts.transpileModule(source, { compilerOptions: { module: ts.ModuleKind.ES2022, target: ts.ScriptTarget.ES2022, verbatimModuleSyntax: true } });
  const dir = join('node_modules', '.cache', 'steward-bench');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, 'postgres.mjs');
  writeFileSync(file, outputText);
  return import(pathToFileURL(join(process.cwd(), file)).href);
}

/** user + system CPU ms of a process from /proc/<pid>/stat; with `children`, also of its waited-for children. */
function processCpu(pid, children = false) {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /, '').split(' ');
    const ticks = Number(fields[11]) + Number(fields[12]) + (children ? Number(fields[13]) + Number(fields[14]) : 0);
    return (ticks * 1000) / CLOCK_TICKS;
  } catch {
    return 0;
  }
}

/** The parent of a process (field 4 of /proc/<pid>/stat). */
function parentOf(pid) {
  try {
    return Number(readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /, '').split(' ')[1]);
  } catch {
    return null;
  }
}

/**
 * CPU ms PostgreSQL has used so far: the postmaster's own and its exited children's (it waits for every
 * backend, so their time lands in its cutime/cstime), plus its live children's.
 */
function postgresCpu(postmaster) {
  let total = processCpu(postmaster, true);
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || parentOf(Number(entry)) !== postmaster) continue;
    total += processCpu(Number(entry), true);
  }
  return total;
}

/** The whole machine's busy and total CPU ms from /proc/stat (busy: all but idle and iowait). */
function machineCpu() {
  const fields = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
  const total = fields.slice(0, 8).reduce((a, b) => a + b, 0);
  return { busy: ((total - fields[3] - fields[4]) * 1000) / CLOCK_TICKS, total: (total * 1000) / CLOCK_TICKS };
}

// ---------------------------------------------------------------------------------------------------
// A round: its nodes, its database, and direct access to that database.

/** SQL with `?` placeholders on PostgreSQL (pg) or SQLite (better-sqlite3). */
function database(round) {
  if (round.kind === 'postgres') {
    // bigint (ids, times, counts) and numeric (sums) as JavaScript numbers, as the store reads them.
    const types = { getTypeParser: (oid, format) => ([INT8, NUMERIC].includes(oid) ? Number : pg.types.getTypeParser(oid, format)) };
    const client = new pg.Client({ connectionString: round.url, types });
    const connected = client.connect();
    client.on('error', () => {});
    return {
      async rows(sql, params = []) {
        await connected;
        let index = 0;
        return (await client.query(sql.replace(/\?/g, () => `$${++index}`), params)).rows;
      },
      close: () => client.end(),
    };
  }
  const db = new Database(join(round.homes[0], 'steward.db'));
  db.pragma('busy_timeout = 10000');
  return {
    async rows(sql, params = []) {
      const statement = db.prepare(sql);
      return statement.reader ? statement.all(...params) : (statement.run(...params), []);
    },
    close: async () => db.close(),
  };
}

/** Processes and directories a failed run must not leave behind. */
const leftovers = { children: new Set(), dirs: new Set() };
process.once('exit', () => {
  for (const child of leftovers.children) child.kill('SIGKILL');
  for (const dir of leftovers.dirs) rmSync(dir, { recursive: true, force: true });
});

/** Everything the nodes log at warn or above, for the report; each node counts the builds it started. */
const complaints = [];
function watchLog(round, node, stream) {
  let partial = '';
  stream.on('data', (chunk) => {
    const lines = (partial + chunk).split('\n');
    partial = lines.pop();
    for (const line of lines) {
      if (!line.startsWith('{')) continue;
      const entry = JSON.parse(line);
      if (entry.msg === 'build started') node.started += 1;
      if (entry.level >= 40) complaints.push(`${round.name}, ${node.name}: ${entry.level >= 50 ? 'error' : 'warn'}: ${entry.msg}${entry.err ? ` (${typeof entry.err === 'string' ? entry.err : entry.err.message})` : ''}`);
    }
  });
}

function nodeOptions(round, index, executors) {
  const args = ['--executors', String(executors)];
  if (round.kind === 'postgres') args.push('--database', round.url);
  if (index > 0) args.push('--key-file', join(round.homes[0], 'secrets', 'master.key'));
  return { args, env: { STEWARD_SERVER_NAME: `node-${index + 1}` } };
}

/** Starts the round's nodes with `executors(index)` each; the first time, node 1 before the others. Resolves once all listen. */
async function startNodes(round, executors) {
  const started = performance.now();
  const first = round.nodes.length === 0;
  const launchOne = async (index) => {
    const { child, url } = await launch(round.homes[index], '.', nodeOptions(round, index, executors(index)));
    leftovers.children.add(child);
    const node = { name: `node-${index + 1}`, child, url, started: 0, listeningAt: Date.now() };
    watchLog(round, node, child.stderr);
    return node;
  };
  if (first) {
    const server = await steward(round.homes[0], '.', SETTINGS, nodeOptions(round, 0, executors(0)));
    leftovers.children.add(server.child);
    round.auth = server.auth;
    const node = { name: 'node-1', child: server.child, url: server.url, started: 0, listeningAt: Date.now() };
    watchLog(round, node, server.child.stderr);
    for (const home of round.homes.slice(1)) writeFileSync(join(home, 'steward.yaml'), readFileSync(join(round.homes[0], 'steward.yaml')));
    round.nodes = [node, ...(await Promise.all(round.homes.slice(1).map((_, index) => launchOne(index + 1))))];
  } else {
    round.nodes = await Promise.all(round.homes.map((_, index) => launchOne(index)));
  }
  return (performance.now() - started) / 1000;
}

const stopNodes = (round) => Promise.all(round.nodes.map((node) => stop(node.child)));

/** A round's `server` for lib.mjs's `call` and `createJob`: node `index`. */
const on = (round, index = 0) => ({ url: round.nodes[index].url, auth: round.auth });

async function remakeJobs(round, jobNames) {
  for (const name of jobNames) await call(on(round), `/job/${name}/doDelete`, { method: 'POST' });
  for (const name of jobNames) await createJob(on(round), name, PARAMETERIZED);
}

/** CPU ms so far of each node, PostgreSQL, the bench itself, the bare server, and the machine. */
function cpuSnapshot(round, bare) {
  const usage = process.cpuUsage();
  return {
    nodes: round.nodes.map((node) => processCpu(node.child.pid)),
    postgres: round.postmaster ? postgresCpu(round.postmaster) : 0,
    bench: (usage.user + usage.system) / 1000,
    bare: bare ? processCpu(bare.child.pid) : 0,
    machine: machineCpu(),
  };
}
function cpuSpent(before, after) {
  const nodes = after.nodes.map((value, index) => value - before.nodes[index]);
  const postgres = after.postgres - before.postgres;
  const ours = nodes.reduce((a, b) => a + b, 0) + postgres + (after.bench - before.bench) + (after.bare - before.bare);
  return { nodes, postgres, ours, machineBusy: (after.machine.busy - before.machine.busy) / (after.machine.total - before.machine.total) };
}

/** PostgreSQL's counters of the round's database: deadlocks detected, transactions rolled back and committed (null on SQLite). */
async function databaseCounters(round) {
  if (round.kind !== 'postgres') return null;
  await sleep(300); // the nodes' backends publish their counters as they exit
  const [row] = await round.db.rows('SELECT deadlocks, xact_rollback AS rollbacks, xact_commit AS commits FROM pg_stat_database WHERE datname = current_database()');
  return row;
}
const countersSpent = (before, after) => (before ? { deadlocks: after.deadlocks - before.deadlocks, rollbacks: after.rollbacks - before.rollbacks, commits: after.commits - before.commits } : null);

// ---------------------------------------------------------------------------------------------------
// Seeding: waiting items and completed builds written straight into the tables, in the fill jobs.

/**
 * Adds waiting items (due in 10 years) and completed builds (each with the queue item it left) until the
 * database holds `size` of each, dealt over the fill jobs, in one transaction of a few set-based
 * statements that both databases run. On PostgreSQL the per-row trigger that counts a job's builds is
 * skipped (`session_replication_role = replica`) and the counts are set once at the end: the trigger
 * updates the same 20 job rows for every build, and 90,000 updates of one row in one transaction walk
 * ever longer version chains (ten minutes here). SQLite's counting triggers are cheap and stay on.
 */
async function seed(round, db, size) {
  if (size <= round.seeded) return null;
  const started = performance.now();
  const count = size - round.seeded;
  const now = Date.now();
  const [{ cause }] = await db.rows('SELECT cause FROM queue_causes ORDER BY queue_id LIMIT 1');
  const [{ top }] = await db.rows('SELECT COALESCE(MAX(id), 0) AS top FROM queue_items');
  const series = `WITH RECURSIVE g(n) AS (SELECT CAST(? AS bigint) UNION ALL SELECT n + 1 FROM g WHERE n < ?),
    j AS (SELECT id, next_build_number AS next, ROW_NUMBER() OVER (ORDER BY id) - 1 AS k FROM items WHERE full_name LIKE 'fill-%')`;
  const postgres = round.kind === 'postgres';
  await db.rows('BEGIN');
  if (postgres) await db.rows('SET LOCAL session_replication_role = replica');
  await db.rows(
    `${series} INSERT INTO queue_items (job_id, state, queued_at, due_at, parameters, parameters_key)
     SELECT j.id, 'waiting', ?, ?, NULL, 'seed-' || g.n FROM g JOIN j ON j.k = g.n % ?`,
    [round.seeded, size - 1, now, now + 10 * YEAR_MS, FILL_JOBS],
  );
  await db.rows(
    `${series} INSERT INTO queue_items (job_id, state, queued_at, due_at, parameters, parameters_key, build_number, left_at)
     SELECT j.id, 'left', ? - g.n, ? - g.n, NULL, 'seed-build-' || g.n, j.next + (g.n - ?) / ?, ? - g.n FROM g JOIN j ON j.k = g.n % ?`,
    [round.seeded, size - 1, now, now, round.seeded, FILL_JOBS, now, FILL_JOBS],
  );
  await db.rows('INSERT INTO queue_causes (queue_id, position, cause, count) SELECT id, 1, ?, 1 FROM queue_items WHERE id > ?', [cause, top]);
  await db.rows(
    `INSERT INTO builds (job_id, number, queue_id, state, result, started_at, duration_ms, parameters, executor)
     SELECT job_id, build_number, id, 'completed', 'SUCCESS', queued_at, 10, NULL, 0 FROM queue_items WHERE id > ? AND state = 'left'`,
    [top],
  );
  const counted = postgres ? ', build_count = (SELECT COUNT(*) FROM builds WHERE job_id = items.id)' : '';
  await db.rows(`UPDATE items SET next_build_number = COALESCE((SELECT MAX(number) + 1 FROM builds WHERE job_id = items.id), 1)${counted} WHERE full_name LIKE 'fill-%'`);
  await db.rows('COMMIT');
  if (postgres) await db.rows('ANALYZE');
  round.seeded = size;
  return { count, seconds: (performance.now() - started) / 1000 };
}

// ---------------------------------------------------------------------------------------------------
// 1. Distinct durable triggers.

/** Distinct triggers for `seconds`, CONNECTIONS split over the nodes; answers per second and the tally. */
async function triggers(round, seconds, tally) {
  const requests = TRIGGER_NAMES.map((name) => ({ path: `/job/${name}/buildWithParameters?delay=3600sec&P=[<id>]` }));
  const shares = round.nodes.map((_, index) => Math.floor(CONNECTIONS / round.nodes.length) + (index < CONNECTIONS % round.nodes.length ? 1 : 0));
  const results = await Promise.all(
    round.nodes.map((node, index) => cannon({ url: node.url, method: 'POST', connections: shares[index], duration: seconds, headers: { authorization: round.auth }, idReplacement: true, requests })),
  );
  let answers = 0;
  for (const result of results) {
    answers += result.requests.total;
    tally.p99 = Math.max(tally.p99, result.latency.p99);
    tally.max = Math.max(tally.max, result.latency.max);
    tally.answers += result.requests.total;
    tally.failed += result.non2xx + result.errors;
    tally.status5xx += result['5xx'];
  }
  return answers / seconds;
}

async function bareRate(url, seconds) {
  const result = await cannon({ url: `${url}/job/t-1/buildWithParameters?delay=3600sec&P=[<id>]`, method: 'POST', connections: CONNECTIONS, duration: seconds, idReplacement: true });
  return result.requests.total / seconds;
}

async function triggerRounds(round, db, bare) {
  const rows = [];
  await triggers(round, WARMUP_SECONDS, newTally());
  await bareRate(bare.url, WARMUP_SECONDS);
  await remakeJobs(round, TRIGGER_NAMES);
  for (const size of SIZES) {
    const seeded = await seed(round, db, size);
    const bareMeasured = await bareRate(bare.url, SECONDS);
    const tally = newTally();
    const before = cpuSnapshot(round, bare);
    const rate = await triggers(round, SECONDS, tally);
    const cpu = cpuSpent(before, cpuSnapshot(round, bare));
    await remakeJobs(round, TRIGGER_NAMES);
    if (tally.failed > tally.answers * MAX_FAILED) throw new Error(`${round.name}: triggers at ${size}: ${tally.failed} of ${tally.answers} answers not 2xx (${tally.status5xx} 5xx) or failed`);
    rows.push({ size, seeded, bare: bareMeasured, rate, tally, cpu });
    console.error(`${round.name}, triggers at ${fmt(size)}: bare ${fmt(bareMeasured)}/s, Steward ${fmt(rate)}/s (${tally.failed} failed)`);
  }
  return rows;
}
const newTally = () => ({ answers: 0, failed: 0, status5xx: 0, p99: 0, max: 0 });

// ---------------------------------------------------------------------------------------------------
// 2. Claim + start.

/** The baseline: a Node process spawning `sh -c true` from `workers` workers back to back for `seconds`; spawns per second. */
const SPAWNER = `
const { spawn } = require('node:child_process');
const until = Date.now() + Number(process.argv[1]) * 1000;
let done = 0;
const worker = () => new Promise((resolve) => { const next = () => { if (Date.now() >= until) return resolve(); spawn('sh', ['-c', 'true'], { stdio: 'ignore' }).on('exit', () => { done++; next(); }); }; next(); });
Promise.all(Array.from({ length: Number(process.argv[2]) }, worker)).then(() => console.log(done));`;
const spawnRate = async (seconds, workers) => Number((await execFileAsync(process.execPath, ['-e', SPAWNER, String(seconds), String(workers)])).stdout) / seconds;

async function claims(round, db) {
  // Queue the items with executors 0, spread over the nodes, not due for an hour.
  const requests = CLAIM_NAMES.map((name) => ({ path: `/job/${name}/buildWithParameters?delay=3600sec&P=[<id>]` }));
  const queueStarted = performance.now();
  const each = round.nodes.map((_, index) => Math.floor(CLAIMS / round.nodes.length) + (index < CLAIMS % round.nodes.length ? 1 : 0));
  const queued = await Promise.all(
    round.nodes.map((node, index) => cannon({ url: node.url, method: 'POST', connections: 8, amount: each[index], headers: { authorization: round.auth }, idReplacement: true, requests })),
  );
  const accepted = queued.reduce((total, result) => total + result['2xx'], 0);
  if (accepted !== CLAIMS) throw new Error(`${round.name}: ${accepted} of ${CLAIMS} claim items queued`);
  const queueSeconds = (performance.now() - queueStarted) / 1000;
  const jobIds = (await db.rows(`SELECT id FROM items WHERE full_name LIKE 'c-%'`)).map((row) => row.id);
  const inJobs = `job_id IN (${jobIds.join(',')})`;
  const spawn = await spawnRate(SECONDS / 2, EXECUTORS * round.homes.length);

  // Stop, make the items due at T, start again with executors: every node wakes at T by its own timer.
  await stopNodes(round);
  round.counters.triggers = countersSpent(round.counters.start, (round.counters.afterTriggers = await databaseCounters(round)));
  const dueAt = Date.now() + Math.round(Math.max(2000, 1500 * round.startSeconds + 500));
  await db.rows(`UPDATE queue_items SET due_at = ? WHERE state = 'waiting' AND ${inJobs}`, [dueAt]);
  await startNodes(round, () => EXECUTORS);
  const lateNodes = round.nodes.filter((node) => node.listeningAt > dueAt).length;
  await sleep(Math.max(0, dueAt - Date.now()));
  const before = cpuSnapshot(round, null);
  const deadline = Date.now() + 120_000;
  let progress;
  for (;;) {
    [progress] = await db.rows(`SELECT COUNT(*) AS started, SUM(CASE WHEN state = 'completed' THEN 1 ELSE 0 END) AS finished FROM builds WHERE ${inJobs}`);
    if (Number(progress.finished) >= CLAIMS) break;
    if (Date.now() > deadline) throw new Error(`${round.name}: ${progress.started} of ${CLAIMS} builds started, ${progress.finished} finished within 120 s`);
    await sleep(100);
  }
  const cpu = cpuSpent(before, cpuSnapshot(round, null));
  const [times] = await db.rows(
    `SELECT MIN(started_at) AS first, MAX(started_at) AS last, MAX(started_at + duration_ms) AS done, COUNT(DISTINCT queue_id) AS items, SUM(CASE WHEN result = 'SUCCESS' THEN 1 ELSE 0 END) AS succeeded FROM builds WHERE ${inJobs}`,
  );
  const gaps = await db.rows(`SELECT job_id, COUNT(*) AS n, MIN(number) AS low, MAX(number) AS high FROM builds WHERE ${inJobs} GROUP BY job_id`);
  const [left] = await db.rows(`SELECT COUNT(*) AS n FROM queue_items WHERE state = 'waiting' AND ${inJobs}`);
  const problems = [];
  if (Number(times.items) !== CLAIMS || Number(times.succeeded) !== CLAIMS) problems.push(`${times.items} distinct items became builds, ${times.succeeded} SUCCESS, of ${CLAIMS}`);
  for (const job of gaps) if (Number(job.high) - Number(job.low) + 1 !== Number(job.n) || Number(job.low) !== 1) problems.push(`job ${job.job_id}: numbers ${job.low}..${job.high} for ${job.n} builds`);
  if (Number(left.n) !== 0) problems.push(`${left.n} items still waiting`);
  const result = {
    queueSeconds,
    spawn,
    started: CLAIMS / ((Number(times.last) - dueAt) / 1000),
    finished: CLAIMS / ((Number(times.done) - dueAt) / 1000),
    firstAfterDue: Number(times.first) - dueAt,
    seconds: (Number(times.done) - dueAt) / 1000,
    perNode: round.nodes.map((node) => node.started),
    cpu,
    lateNodes,
    problems,
  };
  console.error(`${round.name}, claims: started ${result.started.toFixed(0)}/s, finished ${result.finished.toFixed(0)}/s, spawn ${fmt(spawn)}/s, per node ${result.perNode.join('/')}`);
  return result;
}

// ---------------------------------------------------------------------------------------------------
// 3. Trigger → build start.

/** One trigger of `lat` sent to node `to`; the ms until its build's start time, or null when it has not started within LATENCY_TIMEOUT_MS. */
async function oneStart(round, db, to, sample) {
  const sent = Date.now();
  const response = await call(on(round, to), `/job/lat/buildWithParameters?P=${sample}`, { method: 'POST' });
  await response.arrayBuffer();
  const queueId = Number(/\/queue\/item\/(\d+)\//.exec(response.headers.get('location'))[1]);
  for (const deadline = sent + LATENCY_TIMEOUT_MS; Date.now() < deadline; await sleep(2)) {
    const [build] = await db.rows('SELECT started_at, state FROM builds WHERE queue_id = ?', [queueId]);
    if (!build) continue;
    // The next trigger finds the executor free again.
    while ((await db.rows('SELECT state FROM builds WHERE queue_id = ?', [queueId]))[0].state !== 'completed') await sleep(5);
    return Number(build.started_at) - sent;
  }
  await call(on(round, to), `/queue/cancelItem?id=${queueId}`, { method: 'POST' });
  return null;
}

async function latency(round, db) {
  await stopNodes(round);
  round.counters.claims = countersSpent(round.counters.afterTriggers, await databaseCounters(round));
  const worker = round.homes.length > 1 ? 1 : 0;
  await startNodes(round, (index) => (index === worker ? 1 : 0));
  await createJob(on(round), 'lat', PARAMETERIZED);
  const cases = worker === 1 ? [['node-1 (executors 0)', 0], ['node-2 itself', 1]] : [['node-1 itself', 0]];
  const rows = [];
  let sample = 0;
  for (const [to, index] of cases) {
    const samples = [];
    let missed = 0;
    let inARow = 0;
    for (let attempt = 0; attempt < LATENCY_SAMPLES && inARow < MISSES_IN_A_ROW; attempt++) {
      const ms = await oneStart(round, db, index, sample++);
      if (ms === null) {
        missed += 1;
        inARow += 1;
      } else {
        samples.push(ms);
        inARow = 0;
      }
      await sleep(20);
    }
    rows.push({ to, samples, missed, sent: samples.length + missed });
    console.error(`${round.name}, trigger → start via ${to}: ${samples.length} started${samples.length ? `, p50 ${percentile(samples, 0.5)} ms` : ''}, ${missed} not within ${LATENCY_TIMEOUT_MS} ms`);
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
const ratio = (a, b) => (a / b >= 0.1 ? (a / b).toFixed(2) : (a / b).toPrecision(2));
const seconds1k = (ms, count) => (ms / count).toFixed(2); // CPU ms per trigger = CPU s per 1,000
const counterWords = (c) => `${fmt(c.deadlocks)} deadlock${c.deadlocks === 1 ? '' : 's'}, ${fmt(c.rollbacks)} rollbacks, ${fmt(c.commits)} transactions committed (reads included)`;
const percent = (part, whole) => `${((100 * part) / whole).toFixed(0)}%`;

if (WRITE && !readFileSync('docs/benchmarks.md', 'utf8').includes('<!-- CLUSTER:START -->')) throw new Error('BENCH_WRITE=1: docs/benchmarks.md has no CLUSTER markers');
const runStarted = performance.now();
const loadBefore = loadavg();
const { startPostgresCluster } = await postgresSupport();
const cluster = await startPostgresCluster();
const admin = new pg.Client({ connectionString: cluster.url });
await admin.connect();
const postmaster = parentOf((await admin.query('SELECT pg_backend_pid() AS pid')).rows[0].pid);
const postgresVersion = (await admin.query('SHOW server_version')).rows[0].server_version;
const bareProcess = await start(process.execPath, ['bench/bare-server.mjs'], {}, /listening (\d+)/);
leftovers.children.add(bareProcess.child);
const bare = { child: bareProcess.child, url: `http://127.0.0.1:${bareProcess.match[1]}` };

const rounds = [...(SQLITE ? [{ kind: 'sqlite', count: 1 }] : []), ...NODE_COUNTS.map((count) => ({ kind: 'postgres', count }))];
const results = [];
let current = null;
try {
  for (const shape of rounds) {
    const roundStarted = performance.now();
    const round = { ...shape, name: shape.kind === 'sqlite' ? 'SQLite, 1 node' : `PostgreSQL, ${shape.count} node${shape.count > 1 ? 's' : ''}`, nodes: [], seeded: 0 };
    current = round;
    round.homes = Array.from({ length: shape.count }, () => mkdtempSync(join(tmpdir(), 'steward-cluster-')));
    for (const home of round.homes) leftovers.dirs.add(home);
    if (round.kind === 'postgres') {
      const name = `steward_bench_${shape.count}`;
      await admin.query(`CREATE DATABASE ${name}`);
      const url = new URL(cluster.url);
      url.pathname = `/${name}`;
      round.url = url.toString();
      round.postmaster = postmaster;
    }
    console.error(`${round.name}…`);
    round.startSeconds = await startNodes(round, () => 0);
    for (const name of [...TRIGGER_NAMES, ...FILL_NAMES, ...CLAIM_NAMES]) await createJob(on(round), name, PARAMETERIZED);
    // One real trigger of a fill job: the cause the seeded items copy.
    await (await call(on(round), '/job/fill-1/buildWithParameters?delay=3600sec&P=pattern', { method: 'POST' })).arrayBuffer();
    round.db = database(round);
    round.counters = { start: await databaseCounters(round) };
    const triggerRows = await triggerRounds(round, round.db, bare);
    const claim = await claims(round, round.db);
    const latencies = await latency(round, round.db);
    await stopNodes(round);
    await round.db.close();
    for (const home of round.homes) rmSync(home, { recursive: true, force: true });
    if (round.counters.triggers) console.error(`${round.name}: while triggering ${counterWords(round.counters.triggers)}; while claiming ${counterWords(round.counters.claims)}`);
    results.push({ round, triggerRows, claim, latencies, seconds: (performance.now() - roundStarted) / 1000 });
    current = null;
  }
} finally {
  // A failed run stops its nodes and the cluster (which removes its data directory) before it ends.
  if (current) {
    await stopNodes(current);
    await current.db?.close().catch(() => {});
  }
  await admin.end();
  bare.child.kill();
  await cluster.stop();
}

const cpu = cpus();
print(
  `Measured ${new Date().toISOString().slice(0, 10)} on ${cpu.length} × ${cpu[0]?.model.trim() ?? 'CPU'}, Node ${process.version}, PostgreSQL ${postgresVersion} (fsync and synchronous_commit on), with \`npm run bench:cluster\`${process.env.BENCH_CLAIMS || process.env.BENCH_CLUSTER_SIZES || process.env.BENCH_SECONDS ? ` (${['BENCH_SECONDS', 'BENCH_CLUSTER_SIZES', 'BENCH_CLAIMS', 'BENCH_CLUSTER_EXECUTORS', 'BENCH_LATENCY_SAMPLES'].filter((name) => process.env[name]).map((name) => `${name}=${process.env[name]}`).join(' ')})` : ''}.`,
  `Nodes, PostgreSQL, the load generator and the baselines all on this machine. Load average before the run: ${loadBefore.map((value) => value.toFixed(2)).join(', ')}; after: ${loadavg().map((value) => value.toFixed(2)).join(', ')}; the run took ${Math.round((performance.now() - runStarted) / 1000)} s.`,
  '',
  `### Distinct durable triggers (${CONNECTIONS} keep-alive connections dealt over the nodes, ${TRIGGER_JOBS} jobs, executors 0; ${SECONDS} s per measurement, bare and Steward in alternation)`,
  '',
  `\`POST /job/t-K/buildWithParameters?delay=3600sec&P=<unique>\` with an API token: every 201 a new waiting item, committed (PostgreSQL: COMMIT returned with synchronous_commit on; SQLite: WAL fdatasynced). "Already there": waiting items and completed builds in ${FILL_JOBS} other jobs, written into the tables before the measurement. Latency: autocannon's p99 and max over the nodes' connections.`,
  '',
  '| store, nodes | already there (items + builds) | bare node:http (req/s) | Steward (req/s) | ratio | non-2xx / answers | latency p99 / max | node CPU s per 1,000 triggers (each node) | PostgreSQL CPU s per 1,000 | PostgreSQL share of our CPU | machine busy |',
  '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
  ...results.flatMap(({ round, triggerRows }) =>
    triggerRows.map((r) => {
      const count = r.tally.answers;
      return `| ${round.name} | ${fmt(r.size)} + ${fmt(r.size)} | ${fmt(r.bare)} | ${fmt(r.rate)} | ${ratio(r.rate, r.bare)} | ${fmt(r.tally.failed)} / ${fmt(count)} | ${fmt(r.tally.p99)} / ${fmt(r.tally.max)} ms | ${r.cpu.nodes.map((ms) => seconds1k(ms, count)).join(' + ')} | ${round.kind === 'postgres' ? seconds1k(r.cpu.postgres, count) : '–'} | ${round.kind === 'postgres' ? percent(r.cpu.postgres, r.cpu.ours) : '–'} | ${percent(r.cpu.machineBusy, 1)} |`;
    }),
  ),
  '',
  `Seeding (straight into the tables): ${results.map(({ round, triggerRows }) => `${round.name} ${triggerRows.filter((r) => r.seeded).map((r) => `${fmt(r.seeded.count)} + ${fmt(r.seeded.count)} in ${r.seeded.seconds.toFixed(1)} s`).join(', ')}`).join('; ')}.`,
  '',
  `### Claim + start: ${fmt(CLAIMS)} queued builds of \`true\` (${CLAIM_JOBS} concurrent jobs) becoming due at once, ${EXECUTORS} executors per node`,
  '',
  'Builds started (and finished) per second from the moment they became due, from their start and end times in the database. Baseline: `sh -c true` spawned back to back from as many workers as the round has executors, by a Node process, in the same round. Anchors (scale-out.md §2.5, this machine kind): a durable claim + finish, SKIP LOCKED, PG 18.4 with fsync, 683/s on 1 connection, 1,008/s on 8, 1,521/s on 32; spawning `sh -c true` from Node 660–1,016/s.',
  '',
  '| store, nodes × executors | spawn baseline (/s) | builds started (/s) | started ÷ spawn | started ÷ 1,008/s anchor | builds finished (/s) | first start after due | builds per node | node CPU s per 1,000 builds (each node) | PostgreSQL CPU s per 1,000 | PostgreSQL share | machine busy |',
  '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
  ...results.map(({ round, claim: c }) =>
    `| ${round.name} × ${EXECUTORS} | ${fmt(c.spawn)} | ${c.started.toFixed(0)} | ${ratio(c.started, c.spawn)} | ${ratio(c.started, 1008)} | ${c.finished.toFixed(0)} | ${c.firstAfterDue} ms | ${c.perNode.join(' / ')} | ${c.cpu.nodes.map((ms) => seconds1k(ms, CLAIMS)).join(' + ')} | ${round.kind === 'postgres' ? seconds1k(c.cpu.postgres, CLAIMS) : '–'} | ${round.kind === 'postgres' ? percent(c.cpu.postgres, c.cpu.ours) : '–'} | ${percent(c.cpu.machineBusy, 1)} |`,
  ),
  '',
  `Queued with executors 0 beforehand in ${results.map(({ round, claim: c }) => `${c.queueSeconds.toFixed(1)} s (${round.name})`).join(', ')}. Checks: ${results.every(({ claim: c }) => c.problems.length === 0 && c.lateNodes === 0) ? 'every item became exactly one SUCCESS build, numbers dense per job, all nodes up before the items were due.' : results.flatMap(({ round, claim: c }) => [...c.problems, ...(c.lateNodes ? [`${c.lateNodes} node(s) started after the items were due`] : [])].map((problem) => `${round.name}: ${problem}`)).join('; ')}`,
  '',
  `### Trigger → build start (one at a time; node 1 executors 0, node 2 executors 1; ${LATENCY_SAMPLES} triggers per case, ${LATENCY_TIMEOUT_MS / 1000} s timeout)`,
  '',
  'From just before the POST to the build\'s start time in the database (ms resolution). With one node, its one executor.',
  '',
  '| store, nodes | trigger sent to | p50 | p95 | max | started / sent |',
  '|---|---|---:|---:|---:|---:|',
  ...results.flatMap(({ round, latencies }) =>
    latencies.map((l) => `| ${round.name} | ${l.to} | ${l.samples.length ? `${percentile(l.samples, 0.5)} ms` : '–'} | ${l.samples.length ? `${percentile(l.samples, 0.95)} ms` : '–'} | ${l.samples.length ? `${Math.max(...l.samples)} ms` : '–'} | ${l.samples.length} / ${l.sent}${l.missed ? ` (${l.missed} not started within ${LATENCY_TIMEOUT_MS / 1000} s${l.sent < LATENCY_SAMPLES ? `; stopped after ${l.sent}` : ''})` : ''} |`),
  ),
  '',
  `PostgreSQL's own counters of each round's database (pg_stat_database): ${results
    .filter(({ round }) => round.kind === 'postgres')
    .map(({ round }) => `${round.name}: while triggering ${counterWords(round.counters.triggers)}; while claiming ${counterWords(round.counters.claims)}`)
    .join('; ')}.`,
  '',
  `Rounds took ${results.map(({ round, seconds }) => `${Math.round(seconds)} s (${round.name})`).join(', ')}.`,
);
const counted = [...new Set(complaints)].map((line) => {
  const times = complaints.filter((other) => other === line).length;
  return `- ${line}${times > 1 ? ` (×${times})` : ''}`;
});
print('', `Warnings and errors the nodes logged: ${counted.length === 0 ? 'none.' : `\n\n${counted.slice(0, 20).join('\n')}`}`);
if (WRITE) writeSection('CLUSTER', report.join('\n'));
