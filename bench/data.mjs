// Generates a large Steward home for the scale benchmarks (bench/data-scale.mjs): folders, jobs, a
// million completed builds with their queue items, causes and console logs, one job with a long
// history, and optionally waiting queue items. On its own, after `npm run build`:
//
//   node bench/data.mjs HOME [--jobs 10000] [--folders 100] [--builds 1000000] [--big 100000]
//                            [--logs all|N] [--waiting 0] [--checkout .]
//
// The server's write path commits and fsyncs per batch of requests and runs each build as a process,
// far too slow for a million builds, so the rows are written straight into its SQLite file, exactly as
// the server writes them:
//
// 1. Steward (dist/ of `checkout`) is started on the empty home, so that its own migrations make the
//    schema, and through its API makes a folder, a job with a SUCCESS build and a job with a build a
//    user ABORTED. Those rows are the patterns: every generated row is a copy of one with its own
//    names, ids, numbers, times and result, so columns this script does not know keep the values the
//    server gave them. The patterns are then deleted through the API and the server is stopped.
// 2. better-sqlite3 inserts the folders and jobs, then the queue items ('left', with their build
//    number), their causes and the completed builds, in time order across jobs (queue ids grow with
//    time, as on a real server), in transactions of 100,000 builds with the journal off; and writes
//    each build's console log where src/logs/log-files.ts keeps it (`jobs/<job id>/<number>/log`), for
//    every build or only the newest N of each job (`--logs N`). Audit events of the triggers are not
//    generated (the server keeps them for a limited time anyway).
// 3. `prove` starts the server again, checks what its API says about a generated job against what was
//    generated, and runs a real build of the long-history job: its number must follow the generated ones.
//
// `addWaiting` puts waiting queue items (due far in the future) on the jobs, for the queue measurements.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { pathToFileURL } from 'node:url';
import Database from 'better-sqlite3';
import { call, fmt, steward, stop } from './lib.mjs';

export const DEFAULTS = { jobs: 10_000, folders: 100, builds: 1_000_000, buildsOnBigJob: null, logs: 'all', days: 365, checkout: '.' };
/** The job with the long history, and an ordinary one beside it. */
export const BIG_JOB = 'folder-001/big-history';
export const SAMPLE_JOB = 'folder-001/job-00002';
/** Written into the home when it is complete: the options it was made with. */
export const MARKER = 'bench-data.json';
const ROWS_PER_COMMIT = 100_000;
const RESULTS = [
  ['SUCCESS', 0.85],
  ['FAILURE', 0.93],
  ['UNSTABLE', 0.97],
  ['ABORTED', 1],
];
const YEAR_MS = 365 * 86_400_000;

/** `/job/a/job/b/` for the full name `a/b`. */
export const jobPath = (fullName) => `/${fullName.split('/').map((name) => `job/${encodeURIComponent(name)}`).join('/')}/`;

/** Waits until build `number` of a job has finished; its `api/json`. */
export async function finished(server, fullName, number, timeoutMs = 120_000) {
  for (const started = Date.now(); Date.now() - started < timeoutMs; ) {
    const response = await fetch(new URL(`${jobPath(fullName)}${number}/api/json`, server.url), { headers: { authorization: server.auth } });
    if (response.ok) {
      const build = await response.json();
      if (build.building === false) return build;
    } else await response.arrayBuffer();
    await sleep(20);
  }
  throw new Error(`${fullName} #${number} did not finish within ${timeoutMs / 1000} s`);
}

export const sleep = (milliseconds) => new Promise((resolve) => setTimeout(resolve, milliseconds));

/** The options with their defaults, and the builds of the long-history job worked out. */
export function resolveOptions(options = {}) {
  const resolved = { ...DEFAULTS, ...options };
  resolved.buildsOnBigJob ??= Math.min(100_000, Math.floor(resolved.builds / 10));
  if (resolved.logs !== 'all') resolved.logs = Number(resolved.logs);
  if (resolved.jobs < 2 || resolved.folders < 1 || resolved.folders > resolved.jobs) throw new Error('need at least 2 jobs and between 1 and `jobs` folders');
  if (resolved.buildsOnBigJob > resolved.builds) throw new Error('the long-history job cannot have more builds than all jobs');
  return resolved;
}

/** Makes a new home with the data set; returns what it made and how long it took. */
export async function generate(home, options = {}) {
  const o = resolveOptions(options);
  if (existsSync(join(home, 'steward.db'))) throw new Error(`${home} already has a steward.db`);
  mkdirSync(home, { recursive: true });
  const began = performance.now();
  const patterns = await recordPatterns(home, o.checkout);
  const patternsMs = performance.now() - began;
  const written = writeRows(home, o, patterns);
  const made = { ...o, ...written, patternsMs, ms: performance.now() - began };
  writeFileSync(join(home, MARKER), `${JSON.stringify(made, null, 2)}\n`);
  return made;
}

/** Options of a home `generate` completed, or null. */
export function generatedWith(home) {
  return existsSync(join(home, MARKER)) ? JSON.parse(readFileSync(join(home, MARKER), 'utf8')) : null;
}

/** Step 1: the rows the server itself writes for a folder, a job, a finished and an aborted build. */
async function recordPatterns(home, checkout) {
  const server = await steward(home, checkout);
  try {
    await call(server, '/createItem?name=pattern&mode=com.cloudbees.hudson.plugins.folder.Folder', { method: 'POST' });
    await createJob(server, 'pattern/ok', shell('echo hello'));
    await createJob(server, 'pattern/aborted', shell('sleep 600'));
    await call(server, `${jobPath('pattern/ok')}build`, { method: 'POST' });
    await finished(server, 'pattern/ok', 1);
    await call(server, `${jobPath('pattern/aborted')}build`, { method: 'POST' });
    await stopBuild(server, 'pattern/aborted', 1);
    const db = new Database(join(home, 'steward.db'), { readonly: true });
    const item = (fullName) => db.prepare('SELECT * FROM items WHERE full_name = ?').get(fullName);
    const buildOf = (job) => db.prepare('SELECT * FROM builds WHERE job_id = ? AND number = 1').get(job.id);
    const job = item('pattern/ok');
    const build = buildOf(job);
    const patterns = {
      folder: item('pattern'),
      job,
      build,
      interruption: buildOf(item('pattern/aborted')).interruption,
      queueItem: db.prepare('SELECT * FROM queue_items WHERE id = ?').get(build.queue_id),
      cause: db.prepare('SELECT * FROM queue_causes WHERE queue_id = ?').get(build.queue_id),
    };
    db.close();
    await call(server, `${jobPath('pattern')}doDelete`, { method: 'POST' });
    return patterns;
  } finally {
    await stop(server.child);
  }
}

/** Creates a job from a config.xml, in a folder when `fullName` has one. */
export async function createJob(server, fullName, xml) {
  const slash = fullName.lastIndexOf('/');
  const parent = slash < 0 ? '/' : jobPath(fullName.slice(0, slash));
  await call(server, `${parent}createItem?name=${encodeURIComponent(fullName.slice(slash + 1))}`, { method: 'POST', headers: { 'content-type': 'application/xml' }, body: xml });
}

export const shell = (command) => `<project><builders><hudson.tasks.Shell><command>${command.replace(/&/g, '&amp;').replace(/</g, '&lt;')}</command></hudson.tasks.Shell></builders></project>`;

/**
 * Stops a running build and waits until it has ended ABORTED, asking again until it has: Steward
 * (as of this writing) drops a stop that arrives just after the build started, when the API already
 * shows it running but the scheduler does not know it yet, and the build then runs to its end.
 */
async function stopBuild(server, fullName, number) {
  await running(server, fullName, number);
  for (let tries = 0; tries < 100; tries++) {
    await call(server, `${jobPath(fullName)}${number}/stop`, { method: 'POST' });
    await sleep(100);
    const build = await (await call(server, `${jobPath(fullName)}${number}/api/json?tree=building,result`)).json();
    if (!build.building) {
      if (build.result !== 'ABORTED') throw new Error(`${fullName} #${number} ended ${build.result}, not ABORTED`);
      return;
    }
  }
  throw new Error(`${fullName} #${number} could not be stopped`);
}

/** Waits until build `number` of a job is running. */
export async function running(server, fullName, number) {
  for (const started = Date.now(); Date.now() - started < 30_000; await sleep(20)) {
    const response = await fetch(new URL(`${jobPath(fullName)}${number}/api/json?tree=building`, server.url), { headers: { authorization: server.auth } });
    if (response.ok && (await response.json()).building === true) return;
  }
  throw new Error(`${fullName} #${number} did not start`);
}

/** An INSERT of every column of `table` but `id`, run with a copy of `pattern` changed by `values`. */
function copier(db, table, pattern) {
  const columns = db
    .prepare(`SELECT name FROM pragma_table_info(?)`)
    .all(table)
    .map((column) => column.name)
    .filter((name) => name !== 'id');
  const insert = db.prepare(`INSERT INTO ${table} (${columns.join(', ')}) VALUES (${columns.map((name) => `@${name}`).join(', ')})`);
  const base = Object.fromEntries(columns.map((name) => [name, pattern[name]]));
  return (values) => insert.run({ ...base, ...values });
}

/** A small deterministic random number generator (mulberry32), so that every run makes the same data. */
function random(seed) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Folders and jobs: `jobs` spread evenly over `folders`, the first job of the first folder the long-history one. */
function layout(o) {
  const folders = Array.from({ length: o.folders }, (_, index) => `folder-${String(index + 1).padStart(3, '0')}`);
  const perFolder = Math.ceil(o.jobs / o.folders);
  const rest = o.builds - o.buildsOnBigJob;
  const jobs = Array.from({ length: o.jobs }, (_, index) => {
    const folder = Math.min(o.folders - 1, Math.floor(index / perFolder));
    const name = index === 0 ? 'big-history' : `job-${String(index + 1).padStart(5, '0')}`;
    const builds = index === 0 ? o.buildsOnBigJob : Math.floor(rest / (o.jobs - 1)) + (index - 1 < rest % (o.jobs - 1) ? 1 : 0);
    return { folder, name, fullName: `${folders[folder]}/${name}`, builds, id: 0 };
  });
  return { folders, jobs };
}

/**
 * Every build as (job index, number, start time), in time order: each job's builds evenly spread over
 * the last `days`, at a phase of its own.
 */
function schedule(jobs, o, end, next) {
  const total = jobs.reduce((sum, job) => sum + job.builds, 0);
  const jobOf = new Uint32Array(total);
  const numberOf = new Uint32Array(total);
  const timeOf = new Float64Array(total);
  const span = o.days * 86_400_000;
  let at = 0;
  jobs.forEach((job, index) => {
    const phase = next();
    for (let number = 1; number <= job.builds; number++, at++) {
      jobOf[at] = index;
      numberOf[at] = number;
      timeOf[at] = Math.round(end - span + ((number - 1 + phase) / job.builds) * span);
    }
  });
  const order = new Uint32Array(total).map((_, index) => index).sort((a, b) => timeOf[a] - timeOf[b] || a - b);
  return { total, order, jobOf, numberOf, timeOf };
}

function pick(next) {
  const r = next();
  return RESULTS.find(([, below]) => r < below)[0];
}

/** A console log as the shell runner writes it, for a build of `echo hello` that ended with `result`. */
function logText(home, job, result, next) {
  const workspace = join(home, 'workspace', job.fullName);
  const hex = () => Math.floor(next() * 2 ** 32).toString(16).padStart(8, '0');
  const script = `${workspace}@tmp/steward${hex()}${hex()}.sh`;
  const head = `Started by user admin\nBuilding in workspace ${workspace}\n[${job.name}] $ /bin/sh -xe ${script}\n+ echo hello\n`;
  if (result === 'ABORTED') return `${head}Build was aborted\nAborted by admin\nFinished: ABORTED\n`;
  const step = { SUCCESS: '', FAILURE: "Build step 'Execute shell' marked build as failure\n", UNSTABLE: "Build step 'Execute shell' marked build as unstable (exit code 1)\n" }[result];
  return `${head}hello\n${step}Finished: ${result}\n`;
}

/** Step 2: the rows and the logs. */
function writeRows(home, o, patterns) {
  const began = performance.now();
  const db = new Database(join(home, 'steward.db'));
  db.pragma('journal_mode = OFF');
  db.pragma('synchronous = OFF');
  db.pragma('cache_size = -1000000');
  const now = Date.now();
  const end = now - 3_600_000;
  const created = end - o.days * 86_400_000 - 86_400_000;
  const next = random(12345);
  const { folders, jobs } = layout(o);
  const addItem = copier(db, 'items', patterns.folder);
  const addJob = copier(db, 'items', patterns.job);
  db.transaction(() => {
    const folderIds = folders.map(
      (name) => Number(addItem({ parent_id: null, name, full_name: name, full_name_key: name.toLowerCase(), ancestor_ids: '[]', created_at: created, updated_at: created }).lastInsertRowid),
    );
    for (const job of jobs) {
      const parent = folderIds[job.folder];
      const row = { parent_id: parent, name: job.name, full_name: job.fullName, full_name_key: job.fullName.toLowerCase(), ancestor_ids: `[${parent}]` };
      job.id = Number(addJob({ ...row, next_build_number: job.builds + 1, created_at: created, updated_at: created }).lastInsertRowid);
    }
  })();

  const { total, order, jobOf, numberOf, timeOf } = schedule(jobs, o, end, next);
  const addQueueItem = copier(db, 'queue_items', patterns.queueItem);
  const addCause = copier(db, 'queue_causes', patterns.cause);
  const addBuild = copier(db, 'builds', patterns.build);
  const logsRoot = join(home, 'jobs');
  const logsFrom = (job) => (o.logs === 'all' ? 1 : job.builds - o.logs + 1);
  for (const job of jobs) if (logsFrom(job) <= job.builds) mkdirSync(join(logsRoot, String(job.id)), { recursive: true });
  let logFiles = 0;
  const chunk = db.transaction((from, to) => {
    for (let k = from; k < to; k++) {
      const event = order[k];
      const job = jobs[jobOf[event]];
      const number = numberOf[event];
      const startedAt = timeOf[event];
      const queuedAt = startedAt - 1 - Math.floor(next() * 50);
      const queueId = addQueueItem({ job_id: job.id, state: 'left', queued_at: queuedAt, due_at: queuedAt, build_number: number, left_at: startedAt }).lastInsertRowid;
      addCause({ queue_id: queueId, position: 1 });
      const result = pick(next);
      addBuild({
        job_id: job.id,
        number,
        queue_id: queueId,
        state: 'completed',
        result,
        started_at: startedAt,
        duration_ms: 2_000 + Math.floor(next() * 118_000),
        executor: next() < 0.5 ? 0 : 1,
        interruption: result === 'ABORTED' ? patterns.interruption : null,
        process_group: null,
      });
      if (number >= logsFrom(job)) {
        const directory = join(logsRoot, String(job.id), String(number));
        mkdirSync(directory);
        writeFileSync(join(directory, 'log'), logText(home, job, result, next));
        logFiles++;
      }
    }
  });
  for (let from = 0; from < total; from += ROWS_PER_COMMIT) chunk(from, Math.min(total, from + ROWS_PER_COMMIT));
  // Columns a later schema derives from the builds (a job's build count) are set from what was made.
  const itemColumns = db.prepare(`SELECT name FROM pragma_table_info('items')`).all().map((column) => column.name);
  if (itemColumns.includes('build_count')) db.prepare(`UPDATE items SET build_count = next_build_number - 1 WHERE kind = 'job'`).run();
  db.pragma('journal_mode = WAL');
  db.close();
  return { builds: total, logFiles, rowsMs: performance.now() - began };
}

/**
 * Adds waiting queue items (with the cause of the generated builds, due `dueInMs` from now) until
 * `count` wait: one per job, more per job only when there are more items than jobs. The server must
 * be stopped.
 */
export function addWaiting(home, count, { dueInMs = 10 * YEAR_MS } = {}) {
  const db = new Database(join(home, 'steward.db'));
  try {
    const waiting = db.prepare(`SELECT COUNT(*) AS n FROM queue_items WHERE state = 'waiting'`).get().n;
    const pattern = db.prepare(`SELECT * FROM queue_items WHERE state = 'left' ORDER BY id LIMIT 1`).get();
    const cause = db.prepare('SELECT * FROM queue_causes WHERE queue_id = ?').get(pattern.id);
    const jobs = db.prepare(`SELECT id FROM items WHERE kind = 'job' ORDER BY id`).all();
    const addQueueItem = copier(db, 'queue_items', pattern);
    const addCause = copier(db, 'queue_causes', cause);
    const now = Date.now();
    db.transaction(() => {
      for (let index = waiting; index < count; index++) {
        const job = jobs[index % jobs.length];
        const queueId = addQueueItem({ job_id: job.id, state: 'waiting', queued_at: now, due_at: now + dueInMs, parameters: null, build_number: null, left_at: null }).lastInsertRowid;
        addCause({ queue_id: queueId, position: 1 });
      }
    })();
    return Math.max(0, count - waiting);
  } finally {
    db.close();
  }
}

/**
 * Step 3: the server reads the generated rows as the API shows them, and a real build of the
 * long-history job gets the next number. Returns that build and how long its trigger took to finish.
 */
export async function prove(home, options = {}) {
  const o = resolveOptions(options);
  const { jobs } = layout(o);
  const server = await steward(home, o.checkout);
  try {
    for (const job of [jobs[0], jobs[1]]) {
      const seen = await (await call(server, `${jobPath(job.fullName)}api/json?tree=nextBuildNumber,firstBuild[number],lastBuild[number,result],builds[number]`)).json();
      const expected = { nextBuildNumber: job.builds + 1, firstBuild: 1, lastBuild: job.builds, builds: Math.min(100, job.builds) };
      const got = { nextBuildNumber: seen.nextBuildNumber, firstBuild: seen.firstBuild?.number, lastBuild: seen.lastBuild?.number, builds: seen.builds.length };
      if (JSON.stringify(got) !== JSON.stringify(expected)) throw new Error(`${job.fullName}: the API shows ${JSON.stringify(got)}, generated ${JSON.stringify(expected)}`);
      const log = await (await call(server, `${jobPath(job.fullName)}${job.builds}/consoleText`)).text();
      if (!log.endsWith(`Finished: ${seen.lastBuild.result}\n`)) throw new Error(`${job.fullName} #${job.builds}: its log does not end with its result:\n${log}`);
    }
    const big = jobs[0];
    const sent = performance.now();
    await call(server, `${jobPath(big.fullName)}build`, { method: 'POST' });
    const build = await finished(server, big.fullName, big.builds + 1);
    const ms = performance.now() - sent;
    const log = await (await call(server, `${jobPath(big.fullName)}${build.number}/consoleText`)).text();
    if (build.result !== 'SUCCESS' || !log.includes('\nhello\n')) throw new Error(`the real build ${big.fullName} #${build.number} ended ${build.result}:\n${log}`);
    return { job: big.fullName, number: build.number, result: build.result, ms };
  } finally {
    await stop(server.child);
  }
}

async function main() {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      jobs: { type: 'string' },
      folders: { type: 'string' },
      builds: { type: 'string' },
      big: { type: 'string' },
      logs: { type: 'string' },
      waiting: { type: 'string' },
      checkout: { type: 'string' },
    },
  });
  const home = positionals[0];
  if (!home) throw new Error('usage: node bench/data.mjs HOME [--jobs N] [--folders N] [--builds N] [--big N] [--logs all|N] [--waiting N] [--checkout DIR]');
  const number = (text) => (text === undefined ? undefined : Number(text.replace(/_/g, '')));
  const options = Object.fromEntries(
    Object.entries({ jobs: number(values.jobs), folders: number(values.folders), builds: number(values.builds), buildsOnBigJob: number(values.big), logs: values.logs, checkout: values.checkout }).filter(
      ([, value]) => value !== undefined,
    ),
  );
  const made = await generate(home, options);
  console.log(
    `${home}: ${fmt(made.folders)} folders, ${fmt(made.jobs)} jobs, ${fmt(made.builds)} builds (${fmt(made.buildsOnBigJob)} on ${BIG_JOB}), ${fmt(made.logFiles)} logs in ${(made.ms / 1000).toFixed(1)} s` +
      ` (patterns through the server ${(made.patternsMs / 1000).toFixed(1)} s, rows and logs ${(made.rowsMs / 1000).toFixed(1)} s)`,
  );
  const proof = await prove(home, options);
  console.log(`a real build of ${proof.job} is #${proof.number} (${proof.result}), ${fmt(proof.ms)} ms from trigger to finished`);
  if (values.waiting) console.log(`added ${fmt(addWaiting(home, number(values.waiting)))} waiting queue items`);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await main();
