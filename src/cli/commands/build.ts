import type { Command } from 'commander';
import type { Client } from '../client.js';
import { type CliContext, connect, withConnection } from '../context.js';
import { CliError, ExitCode, RESULT_EXIT_CODE } from '../exit-codes.js';
import { Interrupts } from '../interrupts.js';
import { type JobRef, parseJobRef } from '../job-ref.js';
import { checkParameters, collectParameter } from '../parameters.js';
import { readItem, type RemoteItem } from '../remote-jobs.js';
import { type BuildJson, BUILD_TREE, followLog, waitForEnd, waitForStart, type WaitHooks } from '../watch.js';
import { RemoteError } from '../client.js';

interface BuildOptions {
  parameter: Array<[string, string]>;
  wait?: boolean;
  sync?: boolean;
  follow?: boolean;
  verbose?: boolean;
  delay?: string;
  json?: boolean;
}

export function registerBuild(program: Command, context: CliContext): void {
  const command = program
    .command('build')
    .description("trigger a job; with -s wait for it and exit with its result (jenkins-cli's build)")
    .argument('<job>', 'full name (team/app) or the job URL')
    .option('-p, --parameter <KEY=VALUE>', 'a parameter value (repeatable); others take their defaults', collectParameter, [])
    .option('-w, --wait', 'wait until the build starts, and print "Started JOB #N"')
    .option('-s, --sync', "wait until the build ends and exit with its result's code; Ctrl-C aborts the build")
    .option('-f, --follow', 'like -s, but Ctrl-C only stops waiting (exit 125) and the build goes on')
    .option('-v, --verbose', 'print the console log as the build runs (implies -s unless -f is given)')
    .option('--delay <delay>', 'quiet period before the build starts: 0, 10sec, 500ms, 2min')
    .option('--json', 'print the queue item and build as JSON');
  withConnection(command, { token: true });
  command.addHelpText(
    'after',
    `
Exit codes: with -s or -f the build's result: SUCCESS 0, UNSTABLE 1, FAILURE 2, NOT_BUILT 3,
ABORTED 4; 125 when -f was interrupted. Otherwise 0 when queued; 2 bad arguments; 3 no such job
or parameter value; 4 the job is disabled or not parameterized; 6 access denied; 7 bad credentials.

Examples:
  steward build app                                  queue a build of app
  steward build team/app -p BRANCH=main -s -v        stream the log, exit with the result
  steward build https://ci.example.com/job/app/ -f   follow; Ctrl-C leaves the build running
  STEWARD_TOKEN=@token.txt steward build app -s      trigger with the job's token, no user`,
  );
  command.action(async (job: string, options: BuildOptions, self: Command) => {
    process.exitCode = await build(context, self, parseJobRef(job), options);
  });
}

async function build(context: CliContext, command: Command, ref: JobRef, options: BuildOptions): Promise<number> {
  const client = connect(context, command, ref.server);
  const tokenOnly = client.connection.token !== null && client.credential === null;
  const item = await readJobIfVisible(client, ref, tokenOnly);
  if (item) {
    if (item.isFolder) throw new CliError(`${item.fullName} is a folder, not a job.`, ExitCode.illegalArgument, 'Name a job inside it: steward job list ' + item.fullName);
    checkParameters(item, options.parameter);
    if (!item.buildable) throw new CliError(`Cannot build ${item.fullName}: it is disabled.`, ExitCode.illegalState, `Enable it first: steward job enable ${item.fullName}`);
  }
  const parameterized = item ? item.parameters.length > 0 : options.parameter.length > 0;
  const sync = Boolean(options.sync || (options.verbose && !options.follow));
  const follow = Boolean(options.follow);
  const waits = Boolean(options.wait || sync || follow);
  // Listening before the trigger: a Ctrl-C while it is sent then cancels (or detaches from) its queue item.
  const interrupts = waits ? new Interrupts() : null;
  try {
    const queued = await trigger(client, ref, options, parameterized, tokenOnly);
    if (!interrupts || queued.queueId === null) {
      if (queued.queueId === null && waits) context.out.note('the server named no queue item, so there is nothing to wait for.');
      if (options.json) context.out.json({ job: ref.fullName, queueId: queued.queueId, queueUrl: queued.queueUrl, build: null });
      else context.out.line(queued.queueId === null ? `Triggered ${ref.fullName}` : `Queued ${ref.fullName} (queue item ${queued.queueId})`);
      return ExitCode.ok;
    }
    return await watch(context, client, ref, queued.queueId, { sync, follow, verbose: Boolean(options.verbose), json: Boolean(options.json), interrupts });
  } finally {
    context.out.clearStatus();
    interrupts?.dispose();
  }
}

/** The job's definitions; with only a token and no read access there are none to check against. */
async function readJobIfVisible(client: Client, ref: JobRef, tokenOnly: boolean): Promise<RemoteItem | null> {
  try {
    return await readItem(client, ref);
  } catch (error) {
    if (tokenOnly && error instanceof RemoteError && (error.status === 401 || error.status === 403)) return null;
    if (tokenOnly && error instanceof CliError && error.exitCode === ExitCode.illegalArgument) return null;
    throw error;
  }
}

/**
 * POSTs the trigger: `JOB/build` or `JOB/buildWithParameters` with the user's credentials (and
 * `token=` when given), or with only a token, the Build Token Root URL `buildByToken/…?job=`, which
 * needs no user at all.
 */
async function trigger(client: Client, ref: JobRef, options: BuildOptions, parameterized: boolean, tokenOnly: boolean): Promise<{ queueId: number | null; queueUrl: string | null }> {
  const form = new URLSearchParams();
  for (const [name, value] of options.parameter) form.append(name, value);
  if (options.delay !== undefined) form.set('delay', options.delay);
  const token = client.connection.token;
  if (token) form.set('token', token.value);
  const action = parameterized ? 'buildWithParameters' : 'build';
  if (tokenOnly) form.set('job', ref.fullName);
  const response = await client.post(tokenOnly ? `buildByToken/${action}` : `${ref.path}${action}`, { form });
  await response.body?.cancel();
  const location = response.headers.get('location');
  const match = location ? /\/queue\/item\/(\d+)\/?$/.exec(new URL(location, client.root).pathname) : null;
  if (!match) return { queueId: null, queueUrl: null };
  const queueId = Number(match[1]);
  return { queueId, queueUrl: client.shown(`queue/item/${queueId}/`) };
}

interface WatchOptions {
  readonly sync: boolean;
  readonly follow: boolean;
  readonly verbose: boolean;
  readonly json: boolean;
  readonly interrupts: Interrupts;
}

/**
 * jenkins-cli's waits: `-w` until the build starts, `-s`/`-f` until it ends. On Ctrl-C, `-s` cancels
 * the queue item or stops the build and still waits for the result; `-w` and `-f` detach (125).
 */
async function watch(context: CliContext, client: Client, ref: JobRef, queueId: number, options: WatchOptions): Promise<number> {
  const { out } = context;
  let stopRequested = false;
  const hooks: WaitHooks = {
    interrupts: options.interrupts,
    status: (text) => out.status(text),
    onInterrupt: async ({ queueId: id, build }) => {
      if (!options.sync) throw new Detached(build === null ? `Stopped waiting; queue item ${id} stays queued.` : `Stopped following; ${ref.fullName} #${build} goes on.`);
      if (build === null) {
        const cancelled = await client.send('POST', 'queue/cancelItem', { query: { id: String(id) } });
        await cancelled.body?.cancel();
        if (cancelled.status >= 400) return false;
        out.note(`Cancelling queue item ${id}…`);
        return true;
      }
      if (!stopRequested) out.note(`Aborting ${ref.fullName} #${build}…`);
      stopRequested = true;
      await client.post(`${ref.path}${build}/stop`);
      return true;
    },
  };
  try {
    const started = await waitForStart(client, queueId, hooks);
    if (!started) {
      if (options.json) out.json({ job: ref.fullName, queueId, cancelled: true, build: null });
      else out.line(`Cancelled ${ref.fullName} (queue item ${queueId}) before it started`);
      return RESULT_EXIT_CODE.ABORTED ?? ExitCode.illegalState;
    }
    const buildPath = `${ref.path}${started.number}/`;
    const first = await client.json<BuildJson>(`${buildPath}api/json`, { query: { tree: BUILD_TREE } });
    if (!options.json) out.line(`Started ${first.fullDisplayName}`);
    if (!options.sync && !options.follow) {
      if (options.json) out.json({ job: ref.fullName, queueId, build: buildSummary(client, first) });
      return ExitCode.ok;
    }
    const endHooks = { ...hooks, queueId };
    if (options.verbose && !options.json) {
      out.clearStatus();
      await followLog(client, buildPath, (text) => out.raw(text), { ...endHooks, number: started.number });
    }
    const finished = await waitForEnd(client, buildPath, endHooks);
    const code = RESULT_EXIT_CODE[finished.result ?? ''] ?? ExitCode.failure;
    if (options.json) out.json({ job: ref.fullName, queueId, build: buildSummary(client, finished) });
    else out.line(`Completed ${finished.fullDisplayName} : ${finished.result}`);
    return code;
  } catch (error) {
    if (error instanceof Detached) {
      out.note(error.message);
      return ExitCode.detached;
    }
    throw error;
  }
}

function buildSummary(client: Client, build: BuildJson) {
  return { number: build.number, url: client.shown(build.url), building: build.building, result: build.result, durationMs: build.duration ?? null };
}

class Detached extends Error {}
