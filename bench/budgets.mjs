// What the hardening of issue 12 costs normal requests: the same requests against this checkout's
// dist/ and against the previous release's, in alternating rounds of the same run, as a ratio
// (this ÷ previous). Budgets (XPath off the event loop, tree/depth limits, logs in bounded pieces,
// builds as a separate user) must not make the everyday case slower.
//
//   npm install && node bench/budgets.mjs            # PREVIOUS=<git ref> (default bbf0fa8, before issue 12)
//
// The previous release is checked out with `git worktree` into a temporary directory and built with
// this checkout's node_modules. Prints a Markdown report and writes it into docs/benchmarks.md
// between the BUDGETS markers.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { call, createJob, fmt, load, median, ROUNDS, SECONDS, steward, writeSection } from './lib.mjs';

const PREVIOUS = process.env.PREVIOUS ?? 'bbf0fa8';
const escape = (text) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const shell = (command, extra = '') => `<project><builders><hudson.tasks.Shell><command>${escape(command)}</command></hudson.tasks.Shell></builders>${extra}</project>`;
const parameterized = shell('true', '<properties><hudson.model.ParametersDefinitionProperty><parameterDefinitions><hudson.model.StringParameterDefinition><name>N</name></hudson.model.StringParameterDefinition></parameterDefinitions></hudson.model.ParametersDefinitionProperty></properties><concurrentBuild>true</concurrentBuild>');

async function finished(server, job, number) {
  for (const started = Date.now(); Date.now() - started < 120_000; ) {
    const response = await fetch(new URL(`/job/${job}/${number}/api/json?tree=building`, server.url), { headers: { authorization: server.auth } });
    if (response.ok && (await response.json()).building === false) return;
    await new Promise((done) => setTimeout(done, 20));
  }
  throw new Error(`${job} #${number} did not finish`);
}

/** The same jobs and builds on both servers: `JOBS` jobs with a build each, and logs of each size. */
const JOBS = 100;
const LOGS = { small: 64 * 1024, large: 16 * 1024 * 1024 };
async function setUp(server) {
  for (let index = 1; index <= JOBS; index++) {
    await createJob(server, `job-${index}`, shell('true'));
    await call(server, `/job/job-${index}/build`, { method: 'POST' });
    await finished(server, `job-${index}`, 1);
  }
  for (const [name, bytes] of Object.entries(LOGS)) {
    // Lines of 64 characters with a colour code in each, as a test runner prints.
    await createJob(server, `log-${name}`, shell(`yes "$(printf '\\033[32mok\\033[0m %055d' 0)" | head -c ${bytes}`));
    await call(server, `/job/log-${name}/build`, { method: 'POST' });
    await finished(server, `log-${name}`, 1);
  }
  await createJob(server, 'many', parameterized);
}

/**
 * XPath other than the crumb recipes runs on 2 evaluator threads with 16 places in line; more at once
 * is 503 by design, so those rows use 8 connections (the rest 32).
 */
const EVALUATED = 8;
const REQUESTS = [
  ['crumb recipe (XPath concat on the crumb issuer)', '/crumbIssuer/api/xml?xpath=concat(//crumbRequestField,":",//crumb)'],
  ['XPath selecting an element of a job, 8 connections', '/job/job-1/api/xml?xpath=//color', EVALUATED],
  ['exclude= on a job, 8 connections', '/job/job-1/api/xml?exclude=//action', EVALUATED],
  [`tree= over ${JOBS} jobs and their last builds`, '/api/json?tree=jobs[name,color,lastBuild[number,result]]'],
  [`depth=1 over ${JOBS} jobs`, '/api/json?depth=1'],
  ['progressiveText of a 64 KiB log', '/job/log-small/1/logText/progressiveText?start=0'],
  ['progressiveHtml of a 64 KiB log', '/job/log-small/1/logText/progressiveHtml?start=0'],
  ['consoleText of a 64 KiB log', '/job/log-small/1/consoleText'],
  ['progressiveText of a 16 MiB log (first answer)', '/job/log-large/1/logText/progressiveText?start=0'],
  ['consoleText of a 16 MiB log', '/job/log-large/1/consoleText'],
];

/** Builds per second when `count` builds of `true` are queued at once on the default executors. */
async function buildRate(server, count, offset) {
  const started = performance.now();
  for (let index = 0; index < count; index++) await call(server, `/job/many/buildWithParameters?N=${offset + index}`, { method: 'POST' });
  await finished(server, 'many', offset + count);
  for (let number = offset + 1; number <= offset + count; number++) await finished(server, 'many', number);
  return (count * 1000) / (performance.now() - started);
}

const previousDir = mkdtempSync(join(tmpdir(), 'steward-previous-'));
execFileSync('git', ['worktree', 'add', '--detach', previousDir, PREVIOUS], { stdio: 'ignore' });
const homes = [mkdtempSync(join(tmpdir(), 'steward-bench-now-')), mkdtempSync(join(tmpdir(), 'steward-bench-prev-'))];
try {
  symlinkSync(resolve('node_modules'), join(previousDir, 'node_modules'));
  execFileSync(process.execPath, ['scripts/build.mjs'], { cwd: previousDir, stdio: 'inherit' });
  const now = await steward(homes[0]);
  const previous = await steward(homes[1], previousDir);
  await Promise.all([setUp(now), setUp(previous)]);
  const rows = [];
  // BENCH_ONLY=regex measures only the rows whose name matches (the report then lists only those).
  const only = process.env.BENCH_ONLY ? new RegExp(process.env.BENCH_ONLY) : null;
  for (const [name, path, connections] of REQUESTS.filter(([name]) => !only || only.test(name))) {
    const rates = { now: [], previous: [] };
    const run = (server, seconds) => load(new URL(path, server.url).href, seconds, { method: 'GET', headers: { authorization: server.auth }, connections });
    await run(previous, 2);
    await run(now, 2);
    for (let round = 0; round < ROUNDS; round++) {
      rates.previous.push(await run(previous, SECONDS));
      rates.now.push(await run(now, SECONDS));
    }
    rows.push({ name, path, previous: median(rates.previous), now: median(rates.now) });
    console.error(`${name}: ${fmt(median(rates.previous))}/s → ${fmt(median(rates.now))}/s`);
  }
  const builds = { now: [], previous: [] };
  for (let round = 0; round < (only ? 0 : ROUNDS); round++) {
    builds.previous.push(await buildRate(previous, 100, round * 100));
    builds.now.push(await buildRate(now, 100, round * 100));
  }
  now.child.kill();
  previous.child.kill();

  const ratio = (row) => (row.now / row.previous).toFixed(2);
  const report = [
    `Measured ${new Date().toISOString().slice(0, 10)} on ${cpus().length} × ${cpus()[0]?.model.trim()}, Node ${process.version}; this checkout against ${PREVIOUS} (before issue 12), ${ROUNDS} alternating rounds of ${SECONDS} s, 32 connections unless the row says otherwise, GET with an API token; medians.`,
    '',
    '| request | previous /s | now /s | now ÷ previous |',
    '|---|---:|---:|---:|',
    ...rows.map((row) => `| ${row.name} (\`${row.path}\`) | ${fmt(row.previous)} | ${fmt(row.now)} | ${ratio(row)} |`),
    ...(only ? [] : [`| 100 builds of \`true\` queued at once, builds per second${process.getuid?.() === 0 ? ' (now: as the build user nobody, workspace handed over, leftover processes looked for)' : ''} | ${median(builds.previous).toFixed(1)} | ${median(builds.now).toFixed(1)} | ${(median(builds.now) / median(builds.previous)).toFixed(2)} |`]),
  ].join('\n');
  console.log(report);
  if (!only) writeSection('BUDGETS', report);
} finally {
  execFileSync('git', ['worktree', 'remove', '--force', previousDir], { stdio: 'ignore' });
  for (const home of homes) rmSync(home, { recursive: true, force: true });
}
