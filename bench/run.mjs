// Benchmarks of the trigger path. Run with `npm run bench` after `npm install` (which builds dist/).
// Prints a Markdown report and writes it into docs/benchmarks.md between the BENCH markers.
//
// 1. Trigger rate: `POST /job/X/build` authenticated with an API token at 32 concurrent connections (autocannon),
//    against a bare node:http server answering 201 in the same run. Rounds alternate between the two
//    servers after a warm-up, and the report gives medians and their ratio.
// 2. Trigger to first log line: with idle executors and quiet period 0, the time from sending a
//    trigger to the build's console log existing with its first line (seen through inotify), and to
//    the first command of its step running (the step prints the wall clock).
import { mkdirSync, mkdtempSync, rmSync, watch } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { call, compare, CONNECTIONS, createJob, fmt, load, ms, percentile, ROUNDS, SECONDS, start, steward, writeSection } from './lib.mjs';

const LATENCY_SAMPLES = Number(process.env.BENCH_LATENCY_SAMPLES ?? 200);

async function triggerRate(scenarios) {
  const bare = await start(process.execPath, ['bench/bare-server.mjs'], {}, /listening (\d+)/);
  const bareUrl = `http://127.0.0.1:${bare.match[1]}/job/bench/build`;
  const results = [];
  for (const scenario of scenarios) {
    const home = mkdtempSync(join(tmpdir(), 'steward-bench-'));
    const server = await steward(home);
    await createJob(server, 'bench', scenario.xml);
    let target = new URL('/job/bench/build', server.url).href;
    let headers = { authorization: server.auth };
    if (scenario.triggerToken) {
      const made = await call(server, '/steward/api/v1/trigger-tokens', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'bench', items: ['bench'] }) });
      target = new URL(`/buildByToken/build?job=bench&token=${(await made.json()).value}`, server.url).href;
      headers = {};
    }
    const rates = await compare((seconds) => load(bareUrl, seconds), (seconds) => load(target, seconds, { headers }));
    server.child.kill('SIGTERM');
    rmSync(home, { recursive: true, force: true });
    results.push({ scenario, ...rates });
  }
  bare.child.kill();
  return results;
}

async function firstLogLine() {
  const home = mkdtempSync(join(tmpdir(), 'steward-bench-'));
  const server = await steward(home);
  await createJob(server, 'latency', '<project><builders><hudson.tasks.Shell><command>date +%s%6N</command></hudson.tasks.Shell></builders></project>');
  // Build logs live in jobs/<job id>/<number>/log; the directory and the log's first line are written
  // by one synchronous call in the server, so the directory's creation (inotify) dates the first line.
  const jobDir = join(home, 'jobs', '1');
  mkdirSync(jobDir, { recursive: true });
  const seen = new Map();
  const watcher = watch(jobDir, (_event, file) => {
    const number = Number(file);
    if (Number.isInteger(number) && !seen.has(number)) seen.set(number, performance.timeOrigin + performance.now());
  });
  const toLog = [];
  const toStep = [];
  for (let n = 1; n <= LATENCY_SAMPLES + 10; n++) {
    const sent = performance.timeOrigin + performance.now();
    await call(server, '/job/latency/build', { method: 'POST' });
    let build;
    for (;;) {
      build = await (await fetch(new URL(`/job/latency/${n}/api/json?tree=building`, server.url), { headers: { authorization: server.auth } })).json().catch(() => null);
      if (build && build.building === false) break;
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
    const log = await (await call(server, `/job/latency/${n}/consoleText`)).text();
    if (!log.startsWith('Started by user admin\n')) throw new Error(`unexpected log of build ${n}:\n${log}`);
    const printed = Number(/\n(\d{16})\n/.exec(log)?.[1]) / 1000;
    if (n > 10) {
      toLog.push(seen.get(n) - sent);
      toStep.push(printed - sent);
    }
  }
  watcher.close();
  server.child.kill('SIGTERM');
  rmSync(home, { recursive: true, force: true });
  return { toLog, toStep };
}

const scenarios = [
  { name: 'triggers fold into one waiting item (quiet period 1 h): the trigger path alone', xml: '<project><quietPeriod>3600</quietPeriod></project>' },
  {
    name: 'the same through `/buildByToken/build?job=bench&token=…` with a trigger token, no user',
    xml: '<project><quietPeriod>3600</quietPeriod></project>',
    triggerToken: true,
  },
  { name: 'quiet period 0, one `true` shell step: builds run back to back while triggers arrive', xml: '<project><builders><hudson.tasks.Shell><command>true</command></hudson.tasks.Shell></builders></project>' },
];

const rates = await triggerRate(scenarios);
const latency = await firstLogLine();
const report = [
  `Measured ${new Date().toISOString().slice(0, 10)} on ${cpus().length} × ${cpus()[0]?.model ?? 'CPU'}, Node ${process.version}, with \`npm run bench\``,
  `(${ROUNDS} alternating rounds of ${SECONDS} s per server after a 3 s warm-up; ${CONNECTIONS} connections; autocannon in the same machine).`,
  '',
  '### Trigger rate: `POST /job/bench/build` with an API token (and Build Token Root with a trigger token), every 201 durable (WAL fdatasync before the answer)',
  '',
  '| scenario | bare node:http (req/s) | Steward (req/s) | ratio |',
  '|---|---:|---:|---:|',
  ...rates.map((r) => `| ${r.scenario.name} | ${fmt(r.bare)} | ${fmt(r.steward)} | ${(r.steward / r.bare).toFixed(2)} |`),
  '',
  `Rounds (req/s): ${rates.map((r) => `bare ${r.bareRates.map(fmt).join(', ')} / Steward ${r.stewardRates.map(fmt).join(', ')}`).join('; ')}.`,
  '',
  `### Trigger to first log line (idle executors, quiet period 0, ${latency.toLog.length} sequential triggers)`,
  '',
  '| from sending the trigger to | p50 | p90 | p99 |',
  '|---|---:|---:|---:|',
  `| the console log existing with its first line ("Started by user admin") | ${ms(percentile(latency.toLog, 0.5))} | ${ms(percentile(latency.toLog, 0.9))} | ${ms(percentile(latency.toLog, 0.99))} |`,
  `| the step's first command running (\`date +%s%6N\` printed by the step) | ${ms(percentile(latency.toStep, 0.5))} | ${ms(percentile(latency.toStep, 0.9))} | ${ms(percentile(latency.toStep, 0.99))} |`,
].join('\n');

process.stdout.write(`${report}\n`);
writeSection('BENCH', report);
