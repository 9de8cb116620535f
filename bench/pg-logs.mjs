// Console logs in PostgreSQL against console log files, in the same run (issue 16): two servers from
// dist/, one on a SQLite home (logs are files) and one on a throwaway PostgreSQL cluster (`--database`,
// logs are chunks in the database), each running the same builds that print N MB as fast as they can,
// then reading each log whole with consoleText. Reported as times and as ratios PostgreSQL ÷ files.
//
//   npm run build && node bench/pg-logs.mjs
//   BENCH_LOG_SIZES=1,10,100 BENCH_ROUNDS=3 node bench/pg-logs.mjs   (the defaults)
//   BENCH_WRITE=1 node bench/pg-logs.mjs                              also rewrites docs/benchmarks.md between the PGLOGS markers
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { call, createJob, median, steward, stop, writeSection } from './lib.mjs';
import { startPostgres } from './postgres.mjs';

const SIZES = (process.env.BENCH_LOG_SIZES ?? '1,10,100').split(',').map(Number);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const MB = 1_000_000;
const LINE = 'an ordinary line of build output, as compilers print them';

const began = performance.now();
const cluster = await startPostgres();
const admin = new pg.Client({ connectionString: cluster.url });
await admin.connect();
await admin.query('CREATE DATABASE bench');
await admin.end();
const database = new URL(cluster.url);
database.pathname = '/bench';

const homes = [mkdtempSync(join(tmpdir(), 'steward-pglogs-files-')), mkdtempSync(join(tmpdir(), 'steward-pglogs-pg-'))];
const servers = {
  files: await steward(homes[0]),
  postgres: await steward(homes[1], '.', '', { env: { STEWARD_DATABASE_URL: database.toString() } }),
};

const peakMiB = (server) => Math.round(Number(/VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${server.child.pid}/status`, 'utf8'))?.[1]) / 1024);
const seconds = (ms) => `${(ms / 1000).toFixed(2)} s`;
const rate = (bytes, ms) => `${(bytes / MB / (ms / 1000)).toFixed(0)} MB/s`;
const ratio = (a, b) => (a / b).toFixed(2);

/** Runs build `number` of `job` to its end; its duration as the server recorded it (start to whole log stored). */
async function build(server, job) {
  const queued = await call(server, `/job/${job}/build`, { method: 'POST' });
  const item = new URL(queued.headers.get('location')).pathname;
  for (;;) {
    const json = await (await call(server, `${item}api/json`)).json();
    if (json.executable) {
      for (;;) {
        const run = await (await call(server, `/job/${job}/${json.executable.number}/api/json?tree=building,duration,result`)).json();
        if (!run.building) {
          if (run.result !== 'SUCCESS') throw new Error(`${job} #${json.executable.number}: ${run.result}`);
          return { number: json.executable.number, ms: run.duration };
        }
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Reads a whole consoleText, counting its bytes; the time to the last byte. */
async function read(server, job, number) {
  const started = performance.now();
  const response = await call(server, `/job/${job}/${number}/consoleText`);
  let bytes = 0;
  for await (const chunk of response.body) bytes += chunk.length;
  return { ms: performance.now() - started, bytes };
}

const rows = [];
try {
  for (const size of SIZES) {
    const job = `log-${size}mb`;
    const xml = `<project><builders><hudson.tasks.Shell><command>#!/bin/sh\nyes '${LINE}' | head -c ${size * MB}</command></hudson.tasks.Shell></builders></project>`;
    for (const server of Object.values(servers)) await createJob(server, job, xml);
    const writes = { files: [], postgres: [] };
    const reads = { files: [], postgres: [] };
    let logBytes = 0;
    // A warm-up build each, then rounds in alternation.
    for (const server of Object.values(servers)) await build(server, job);
    for (let round = 0; round < ROUNDS; round += 1) {
      for (const [name, server] of Object.entries(servers)) {
        const { number, ms } = await build(server, job);
        writes[name].push(ms);
        const whole = await read(server, job, number);
        reads[name].push(whole.ms);
        logBytes = whole.bytes;
      }
    }
    const w = { files: median(writes.files), postgres: median(writes.postgres) };
    const r = { files: median(reads.files), postgres: median(reads.postgres) };
    rows.push(
      `| ${size} MB | ${seconds(w.files)} (${rate(logBytes, w.files)}) | ${seconds(w.postgres)} (${rate(logBytes, w.postgres)}) | **${ratio(w.postgres, w.files)}** | ${seconds(r.files)} (${rate(logBytes, r.files)}) | ${seconds(r.postgres)} (${rate(logBytes, r.postgres)}) | **${ratio(r.postgres, r.files)}** |`,
    );
    console.log(rows.at(-1));
  }
  const client = new pg.Client({ connectionString: database.toString() });
  await client.connect();
  const { rows: stats } = await client.query(
    "SELECT count(*)::int AS chunks, sum(octet_length(bytes))::bigint AS bytes, pg_total_relation_size('log_chunks') AS stored FROM log_chunks",
  );
  await client.end();
  const { chunks, bytes, stored } = stats[0];
  const report = [
    `Measured ${new Date().toISOString().slice(0, 10)} with \`node bench/pg-logs.mjs\` (sizes ${SIZES.join(', ')} MB, ${ROUNDS} rounds after a warm-up, medians; PostgreSQL ${cluster.version}, fsync and synchronous_commit on, on the same machine). Each build prints its log with \`yes '…' | head -c N\`; "build" is the build's duration as recorded (from its start until its whole log is stored), "consoleText" the time to read the log whole over HTTP. The ratios are PostgreSQL ÷ files (lower is better; 1.00 is the files' speed).`,
    '',
    '| log | build, files | build, PostgreSQL | ratio | consoleText, files | consoleText, PostgreSQL | ratio |',
    '|---:|---:|---:|---:|---:|---:|---:|',
    ...rows,
    '',
    `Table \`log_chunks\` at the end: ${chunks.toLocaleString('en-US')} chunks holding ${(Number(bytes) / MB).toFixed(0)} MB of logs in ${(Number(stored) / MB).toFixed(1)} MB on disk (pglz; these logs repeat one line). Peak resident memory: server on files ${peakMiB(servers.files)} MiB, server on PostgreSQL ${peakMiB(servers.postgres)} MiB. Load average after the run: ${loadavg()
      .map((value) => value.toFixed(2))
      .join(', ')}; the run took ${seconds(performance.now() - began)}.`,
  ].join('\n');
  console.log(`\n${report}`);
  if (process.env.BENCH_WRITE === '1') writeSection('PGLOGS', report);
} finally {
  for (const server of Object.values(servers)) await stop(server.child);
  await cluster.stop();
  for (const home of homes) rmSync(home, { recursive: true, force: true });
}
