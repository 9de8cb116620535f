// Benchmarks of the web interface. Run with `npm run bench:pages` after `npm install` (which builds
// dist/). Prints a Markdown report and writes it into docs/benchmarks.md between the PAGES markers.
//
// Each page is fetched by autocannon (GET, 32 connections, an API token) from Steward and, in
// alternating rounds of the same run, from a bare node:http server answering the very bytes Steward
// rendered for it: the ratio is what rendering the page costs. The build page of a long log is also
// measured by its size against the whole log, since it shows only the head and the tail.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { call, compare, CONNECTIONS, createJob, fmt, load, ROUNDS, SECONDS, start, steward, writeSection } from './lib.mjs';

const JOBS = 100;
const BUILDS = 3;
const LOG_LINES = 300_000;
const shell = (command) => `<project><builders><hudson.tasks.Shell><command>${command}</command></hudson.tasks.Shell></builders></project>`;

async function finished(server, job, number) {
  for (const started = Date.now(); Date.now() - started < 60_000; ) {
    const response = await fetch(new URL(`/job/${job}/${number}/api/json?tree=building`, server.url), { headers: { authorization: server.auth } });
    if (response.ok && (await response.json()).building === false) return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`${job} #${number} did not finish within a minute`);
}

async function setUp(server) {
  for (let index = 1; index <= JOBS; index++) {
    await createJob(server, `job-${index}`, shell(index % 7 === 0 ? 'exit 1' : 'true'));
    // One at a time: identical triggers of a job would fold into one waiting build.
    for (let number = 1; number <= BUILDS; number++) {
      await call(server, `/job/job-${index}/build`, { method: 'POST' });
      await finished(server, `job-${index}`, number);
    }
  }
  await createJob(server, 'long-log', shell(`seq 1 ${LOG_LINES}`));
  await call(server, '/job/long-log/build', { method: 'POST' });
  await finished(server, 'long-log', 1);
}

async function measure(server, home, path) {
  const rendered = Buffer.from(await (await call(server, path)).arrayBuffer());
  const file = join(home, `page-${rendered.length}.html`);
  writeFileSync(file, rendered);
  const bare = await start(process.execPath, ['bench/bare-server.mjs'], { BARE_BODY_FILE: file }, /listening (\d+)/);
  const options = { method: 'GET', headers: { authorization: server.auth } };
  const rates = await compare(
    (seconds) => load(`http://127.0.0.1:${bare.match[1]}${path}`, seconds, { method: 'GET' }),
    (seconds) => load(new URL(path, server.url).href, seconds, options),
  );
  bare.child.kill();
  return { path, bytes: rendered.length, ...rates };
}

const home = mkdtempSync(join(tmpdir(), 'steward-bench-pages-'));
const server = await steward(home);
await setUp(server);
const logBytes = (await (await call(server, '/job/long-log/1/consoleText')).arrayBuffer()).byteLength;
const pages = [
  { name: `dashboard: ${JOBS} jobs with ${BUILDS} builds each`, path: '/' },
  { name: `job page: history of ${BUILDS} builds, trigger panel`, path: '/job/job-1/' },
  { name: `build page: a finished build whose log has ${fmt(LOG_LINES)} lines`, path: '/job/long-log/1/' },
];
const results = [];
for (const page of pages) results.push({ ...page, ...(await measure(server, home, page.path)) });
server.child.kill('SIGTERM');
rmSync(home, { recursive: true, force: true });

const kib = (bytes) => `${fmt(bytes / 1024)} KiB`;
const report = [
  `Measured ${new Date().toISOString().slice(0, 10)} on ${cpus().length} × ${cpus()[0]?.model ?? 'CPU'}, Node ${process.version}, with \`npm run bench:pages\``,
  `(${ROUNDS} alternating rounds of ${SECONDS} s per server after a 3 s warm-up; ${CONNECTIONS} connections; GET with an API token).`,
  '',
  '| page | size | bare node:http, same bytes (req/s) | Steward (req/s) | ratio |',
  '|---|---:|---:|---:|---:|',
  ...results.map((r) => `| ${r.name} (\`${r.path}\`) | ${kib(r.bytes)} | ${fmt(r.bare)} | ${fmt(r.steward)} | ${(r.steward / r.bare).toFixed(2)} |`),
  '',
  `The long build's whole log is ${kib(logBytes)}; its page is ${kib(results[2].bytes)} (the head and the tail, with a link to the full text).`,
  '',
  `Rounds (req/s): ${results.map((r) => `bare ${r.bareRates.map(fmt).join(', ')} / Steward ${r.stewardRates.map(fmt).join(', ')}`).join('; ')}.`,
].join('\n');

process.stdout.write(`${report}\n`);
writeSection('PAGES', report);
