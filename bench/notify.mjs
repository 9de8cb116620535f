// The cost of a push notification as the number of jobs grows. Run with `npm run bench:notify` after
// `npm install` (which builds dist/). Prints a Markdown report; with BENCH_WRITE=1 also writes it into
// docs/benchmarks.md between the NOTIFY markers.
//
// For each size in BENCH_NOTIFY_SIZES (10, 1000, 10000): a fresh server whose configuration file
// declares that many jobs, each with a git source of its own repository and a "Poll SCM" trigger that
// polls on notifications only, and a trigger token covering one of them. Then BENCH_NOTIFY_REQUESTS
// (300) sequential `GET /git/notifyCommit` for
//   - a repository no job uses (the "No git jobs using repository" answer, a hook that does nothing), and
//   - a repository one job uses, which the token does not cover (found through the index, then left out),
// and the same number of GETs of a bare node:http server (the baseline, in the same run): p50 and p99
// of the time to the last byte. Cost follows the answer when the p50s stay flat as the jobs grow.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { call, ms, percentile, start, steward, stop, writeSection } from './lib.mjs';

const SIZES = (process.env.BENCH_NOTIFY_SIZES ?? '10,1000,10000').split(',').map(Number);
const REQUESTS = Number(process.env.BENCH_NOTIFY_REQUESTS ?? 300);

function config(jobs) {
  const lines = ['jobs:'];
  for (let index = 0; index < jobs; index++) {
    lines.push(`  - name: job-${index}`, `    git: { url: "https://git.example.com/team/repo-${index}.git", branch: "*/main" }`, '    poll: ""', '    steps: ["true"]');
  }
  return `${lines.join('\n')}\n`;
}

async function timed(url) {
  const times = [];
  for (let index = 0; index < REQUESTS + 10; index++) {
    const began = performance.now();
    const response = await fetch(url);
    await response.arrayBuffer();
    if (index >= 10) times.push(performance.now() - began);
  }
  return { p50: percentile(times, 0.5), p99: percentile(times, 0.99) };
}

const bare = await start(process.execPath, ['bench/bare-server.mjs'], {}, /listening (\d+)/);
const bareUrl = `http://127.0.0.1:${bare.match[1]}/git/notifyCommit?url=x`;
const rows = [];
try {
  for (const jobs of SIZES) {
    const home = mkdtempSync(join(tmpdir(), 'steward-bench-notify-'));
    const began = performance.now();
    const server = await steward(home, '.', config(jobs));
    const startedMs = performance.now() - began;
    try {
      const made = await call(server, '/steward/api/v1/trigger-tokens', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'git-host', items: ['job-0'] }) });
      const token = (await made.json()).value;
      const ask = (repository) => `${server.url}/git/notifyCommit?url=${encodeURIComponent(repository)}&branches=main&token=${token}`;
      const unused = await (await fetch(ask('https://git.example.com/team/nobody.git'))).text();
      if (!unused.startsWith('No git jobs using repository')) throw new Error(`unexpected answer: ${unused}`);
      const baseline = await timed(bareUrl);
      const none = await timed(ask('https://git.example.com/team/nobody.git'));
      const uncovered = await timed(ask(`git@git.example.com:team/repo-${Math.floor(jobs / 2)}.git`));
      rows.push({ jobs, startedMs, baseline, none, uncovered });
      console.error(`${jobs} jobs: started in ${(startedMs / 1000).toFixed(1)} s; no job ${ms(none.p50)}, one job ${ms(uncovered.p50)}, bare ${ms(baseline.p50)}`);
    } finally {
      await stop(server.child);
      rmSync(home, { recursive: true, force: true });
    }
  }
} finally {
  await stop(bare.child);
}

const report = [
  `Measured ${new Date().toISOString().slice(0, 10)} with \`npm run bench:notify\` (${REQUESTS} sequential requests per row, after 10 of warm-up; time to the last byte).`,
  '',
  '| jobs with a git source | `notifyCommit`, repository no job uses: p50 / p99 | `notifyCommit`, repository of one job (not covered by the token): p50 / p99 | bare `node:http`: p50 | ratio of the p50s (no job / bare) |',
  '|---:|---:|---:|---:|---:|',
  ...rows.map(({ jobs, baseline, none, uncovered }) => `| ${jobs.toLocaleString('en')} | ${ms(none.p50)} / ${ms(none.p99)} | ${ms(uncovered.p50)} / ${ms(uncovered.p99)} | ${ms(baseline.p50)} | ${(none.p50 / baseline.p50).toFixed(1)} |`),
].join('\n');
console.log(report);
if (process.env.BENCH_WRITE === '1') writeSection('NOTIFY', report);
