// What the benchmarks share: starting Steward from dist/ with an admin API token, calling it, and
// driving load with autocannon. Results are always reported against a baseline measured in the same run.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import autocannon from 'autocannon';

export const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
export const SECONDS = Number(process.env.BENCH_SECONDS ?? 8);
export const CONNECTIONS = 32;
const PASSWORD = 'bench-password';
export const basic = (user, secret) => `Basic ${Buffer.from(`${user}:${secret}`).toString('base64')}`;

/** Starts a process and resolves once its output matches `ready`. */
export function start(command, args, env, ready) {
  const child = spawn(command, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  return new Promise((resolve, reject) => {
    const onData = (chunk) => {
      output += chunk;
      const match = ready.exec(output);
      if (match) resolve({ child, match });
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', (chunk) => (output += chunk));
    child.on('exit', () => reject(new Error(`${command} exited:\n${output}`)));
  });
}

/**
 * Steward on a fresh home, with an API token for admin in `auth` (requests authenticate with it, as
 * scripts should: it needs no crumb). Trigger limits are off: the benchmarks measure without them.
 * `checkout` runs another checkout's build (a previous release) for a same-run comparison; `moreConfig`
 * is YAML appended to the configuration file (e.g. a `settings:` section); `args` are more options of
 * `steward serve` (e.g. `--database URL`) and `env` more environment variables.
 */
export async function steward(home, checkout = '.', moreConfig = '', { args = [], env = {} } = {}) {
  const config = join(home, 'steward.yaml');
  writeFileSync(config, `security:\n  triggerLimits:\n    perToken: { triggers: 0, window: 1min }\n${moreConfig}`);
  const { child, match } = await start(process.execPath, [join(checkout, 'bin/steward.js'), 'serve', '--port', '0', '--home', home, '--config', config, ...args], { STEWARD_ADMIN_PASSWORD: PASSWORD, ...env }, /Steward listening on (\S+)/);
  const url = match[1];
  const password = { authorization: basic('admin', PASSWORD) };
  const { crumb } = await (await fetch(new URL('/crumbIssuer/api/json', url), { headers: password })).json();
  const made = await fetch(new URL('/me/descriptorByName/jenkins.security.ApiTokenProperty/generateNewToken', url), {
    method: 'POST',
    headers: { ...password, 'Jenkins-Crumb': crumb, 'content-type': 'application/x-www-form-urlencoded' },
    body: 'newTokenName=bench',
  });
  return { child, url, auth: basic('admin', (await made.json()).data.tokenValue) };
}

/**
 * Starts Steward again on a home `steward` prepared (its configuration file and admin are there), and
 * times it: `listeningMs` from spawning the process to its `Steward listening` line. `output()` is
 * everything it printed so far (its log is JSON lines on stderr). `args` and `env` as for `steward`.
 */
export function launch(home, checkout = '.', { args = [], env = {} } = {}) {
  const config = join(home, 'steward.yaml');
  if (!existsSync(config)) throw new Error(`${home} was never started by steward(): no steward.yaml`);
  const spawned = performance.now();
  const child = spawn(process.execPath, [join(checkout, 'bin/steward.js'), 'serve', '--port', '0', '--home', home, '--config', config, ...args], {
    env: { ...process.env, STEWARD_ADMIN_PASSWORD: PASSWORD, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  let listening = false;
  return new Promise((resolve, reject) => {
    child.stdout.on('data', (chunk) => {
      output += chunk;
      const match = listening ? null : /Steward listening on (\S+)\r?\n/.exec(output);
      if (match) {
        listening = true;
        resolve({ child, url: match[1], spawned, listeningMs: performance.now() - spawned, output: () => output });
      }
    });
    child.stderr.on('data', (chunk) => (output += chunk));
    child.on('exit', () => reject(new Error(`steward exited:\n${output}`)));
  });
}

/** Stops a server (SIGTERM) and waits until its process has exited. */
export function stop(child) {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', resolve);
    child.kill('SIGTERM');
  });
}

/** The resident memory of a process in MiB (VmRSS from /proc), or null when it has gone. */
export function rssMiB(pid) {
  try {
    const kib = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
    return kib === undefined ? null : Number(kib) / 1024;
  } catch {
    return null;
  }
}

/** One request to `server` as admin; a refusal is an error. */
export async function call(server, path, init = {}) {
  const response = await fetch(new URL(path, server.url), { ...init, headers: { authorization: server.auth, ...init.headers }, redirect: 'manual' });
  if (response.status >= 400) throw new Error(`${path}: ${response.status} ${await response.text()}`);
  return response;
}

export async function createJob(server, name, xml) {
  await call(server, `/createItem?name=${encodeURIComponent(name)}`, { method: 'POST', headers: { 'content-type': 'application/xml' }, body: xml });
}

/** autocannon's whole result for `options` (url, method, connections, duration or amount, idReplacement…). */
export function cannon(options) {
  return new Promise((resolve, reject) => autocannon(options, (error, result) => (error ? reject(error) : resolve(result))));
}

/** Requests per second autocannon reaches on `url`; any 4xx/5xx or error fails the run. */
export async function load(url, seconds, { method = 'POST', headers = {}, connections = CONNECTIONS } = {}) {
  const result = await cannon({ url, method, connections, duration: seconds, headers });
  // Build Token Root answers a folded trigger with 303, which is as much a success as 201.
  const failed = result['4xx'] + result['5xx'];
  if (failed > 0 || result.errors > 0) throw new Error(`${url}: ${failed} 4xx/5xx responses, ${result.errors} errors`);
  return result.requests.average;
}

export const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
export const percentile = (values, p) => [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.floor(values.length * p))];
export const fmt = (n) => Math.round(n).toLocaleString('en-US');
export const ms = (n) => `${n.toFixed(2)} ms`;

/** Alternating rounds on the baseline and on Steward after a warm-up of each: medians and every round. */
export async function compare(baseline, target) {
  await baseline(3);
  await target(3);
  const bare = [];
  const measured = [];
  for (let round = 0; round < ROUNDS; round++) {
    bare.push(await baseline(SECONDS));
    measured.push(await target(SECONDS));
  }
  return { bare: median(bare), steward: median(measured), bareRates: bare, stewardRates: measured };
}

/** Replaces the part of docs/benchmarks.md between `<!-- NAME:START -->` and `<!-- NAME:END -->`. */
export function writeSection(name, report) {
  const docs = 'docs/benchmarks.md';
  const current = readFileSync(docs, 'utf8');
  const marker = new RegExp(`<!-- ${name}:START -->[\\s\\S]*<!-- ${name}:END -->`);
  if (!marker.test(current)) throw new Error(`docs/benchmarks.md has no ${name} markers`);
  writeFileSync(docs, current.replace(marker, `<!-- ${name}:START -->\n${report}\n<!-- ${name}:END -->`));
}
