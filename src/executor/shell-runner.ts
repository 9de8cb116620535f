import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chown, rm, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { Logger } from 'pino';
import type { CredentialSecret } from '../core/credential.js';
import { BUILT_IN_NODE } from '../core/node.js';
import { type Build, describeInterruption, type Result } from '../core/build.js';
import { describeCause } from '../core/cause.js';
import { ignoredSettingsLine, type Job, type ShellStep } from '../core/item.js';
import { plainValue } from '../core/parameters.js';
import type { ConsoleLogs, LogWriter } from '../logs/console-logs.js';
import type { BuildControl, BuildRunner, RunOutcome, StopMode } from '../queue/runner.js';
import { type BuildUser, serverUserName } from './build-user.js';
import { buildEnvironment, gitVariables } from './environment.js';
import { checkout, CheckoutFailed } from './git-checkout.js';
import { GitStopped } from './git-process.js';
import { type BuildSource, NO_PREVIOUS_REVISIONS, type PreviousRevisions } from '../core/revision.js';
import { bindCredentials, type BoundCredentials, removeLeftovers, UnboundCredentials } from './credential-bindings.js';
import { credentialIdsOf } from '../core/binding.js';
import { Masker } from '../logs/masking.js';
import { killProcessesWithCookie } from './orphans.js';
import type { Workspaces } from './workspaces.js';
import { archiveArtifacts } from '../artifacts/archive-artifacts.js';
import type { ArtifactStore } from '../artifacts/artifact-store.js';

export interface ShellRunnerOptions {
  readonly logs: ConsoleLogs;
  readonly workspaces: Workspaces;
  /** The account steps run as; null to run them as the server's own user. */
  readonly buildUser: BuildUser | null;
  /** Variables the operator set for every build. */
  readonly globalEnvironment: Readonly<Record<string, string>>;
  readonly unseal: (sealed: string) => string | null;
  /** The server's root URL, for BUILD_URL and friends. */
  readonly rootUrl: () => string;
  /** Distinguishes this server's builds from another's in process cookies. */
  readonly cookiePrefix: string;
  /** How long a stopped step may take to exit after SIGTERM before it gets SIGKILL. */
  readonly killGraceMs: number;
  readonly log: Logger;
  /** The labels of the node this runner runs builds on, space-separated (NODE_LABELS); `built-in` by default. */
  readonly nodeLabels?: string;
  readonly baseEnvironment?: NodeJS.ProcessEnv;
  /**
   * The credentials a build of this job uses (its bindings and its checkout), by id, in clear: read
   * once when the build starts. None when absent.
   */
  readonly credentials?: (job: Job, build: Build) => Promise<ReadonlyMap<string, CredentialSecret>>;
  /** The revisions of the job's earlier builds (GIT_PREVIOUS_COMMIT, the change set); none when absent. */
  readonly previousRevisions?: (job: Job, build: Build) => Promise<PreviousRevisions>;
  /**
   * Records what a build checked out, as soon as its checkout ends: the built-in node writes it to the
   * store, an agent sends it to the server. A failure to record is logged; the build goes on.
   */
  readonly recordSource?: (job: Job, build: Build, source: BuildSource) => Promise<void>;
  /**
   * Where a build's artifacts go, after its steps, while it still holds its workspace; absent (on an
   * agent, for now) a job that archives gets a warning in its log and nothing is archived.
   */
  readonly artifacts?: { readonly store: ArtifactStore; readonly maxBuildBytes: number };
}

/** How long output may keep arriving after a step's shell exited (from processes that escaped its group). */
const OUTPUT_DRAIN_MS = 2000;
/** How many more such moments the reading may be paused by a full log (a slow database) before it stops all the same. */
const MAX_PAUSED_DRAIN_WAITS = 15;

const SEVERITY: Record<Result, number> = { SUCCESS: 0, UNSTABLE: 1, FAILURE: 2, NOT_BUILT: 3, ABORTED: 4 };

function worse(a: Result, b: Result): Result {
  return SEVERITY[b] > SEVERITY[a] ? b : a;
}

/**
 * Runs a job's shell steps on this machine, like Jenkins' "Execute shell" build step: each step is
 * written to a script and run with `/bin/sh -xe` (or the interpreter named on its `#!` line), in the
 * job's workspace, in a process group of its own, as the build user when there is one, with a clean
 * environment (see environment.ts). Output goes to the console log as it arrives, with password
 * parameter values masked. The first failing step fails the build; a step that exits with its
 * `unstableReturn` code marks the build UNSTABLE and the next step runs. At the end, processes the
 * build left running (also outside its process groups, e.g. after `setsid`) are killed.
 *
 * A console log that cannot be written (a full disk) aborts the build at once, with the reason in
 * the build's interruption, since the log itself cannot carry it.
 */
export class ShellRunner implements BuildRunner {
  constructor(private readonly options: ShellRunnerOptions) {}

  async run(job: Job, build: Build, control: BuildControl): Promise<RunOutcome> {
    let log: LogWriter;
    const logFailed = (error: Error) => control.stop({ kind: 'log_unwritable', problem: error.message }, 'kill');
    try {
      log = this.options.logs.open(job.id, build.number, logFailed);
    } catch (error) {
      const problem = error instanceof Error ? error.message : String(error);
      this.options.log.error({ err: error, job: job.fullName, build: build.number }, 'could not open the console log of a build');
      return { result: 'ABORTED', interruption: control.interruption ?? { kind: 'log_unwritable', problem } };
    }
    let result: Result = 'SUCCESS';
    try {
      for (const { cause, count } of build.causes) log.write(`${describeCause(cause)}${count > 1 ? ` (${count} times)` : ''}\n`);
      if (job.settings.ignoredSettings.length > 0) log.write(`${ignoredSettingsLine(job.settings.ignoredSettings)}\n`);
      const workspace = await this.options.workspaces.acquire(job.fullName);
      let bound: BoundCredentials | null = null;
      try {
        log.write(`${buildingOn(build, this.options.nodeLabels)} in workspace ${workspace.path}\n`);
        const parameters = new Map<string, string>();
        const secrets: string[] = [];
        for (const value of build.parameters ?? []) {
          const plain = plainValue(value, (sealed) => this.options.unseal(sealed) ?? '');
          parameters.set(value.name, plain);
          if (value.type === 'password') secrets.push(plain);
        }
        const { buildUser } = this.options;
        const env = buildEnvironment({
          base: this.options.baseEnvironment ?? process.env,
          global: this.options.globalEnvironment,
          user: buildUser ? { name: buildUser.name, home: buildUser.home ?? workspace.tmpPath } : { name: serverUserName(), home: homedir() },
          job,
          build,
          parameters,
          workspace: workspace.path,
          rootUrl: this.options.rootUrl(),
          cookie: this.cookie(job.id, build.number),
          nodeLabels: this.options.nodeLabels ?? BUILT_IN_NODE,
        });
        // One read of the credentials the job names (its checkout's and its bindings'), in clear, for this build only.
        const credentials = credentialIdsOf(job.settings).length > 0 && this.options.credentials ? await this.options.credentials(job, build) : new Map<string, CredentialSecret>();
        const checkedOut = job.settings.scm === null ? 'none' : await this.checkout(job, build, credentials, { env, workspace: workspace.path, log, control });
        if (checkedOut === 'failed') result = 'FAILURE';
        // Bound after the checkout, as Jenkins sets build wrappers up after the SCM.
        else bound = await this.bind(job, credentials, workspace.tmpPath, log);
        if (bound) {
          Object.assign(env, bound.env);
          secrets.push(...bound.masks);
        } else {
          result = 'FAILURE';
        }
        for (const step of bound ? job.settings.steps : []) {
          if (control.interruption) break;
          const exitCode = await this.runStep(job, step, { env, cwd: workspace.path, scratch: workspace.tmpPath, log, secrets, control });
          if (control.interruption) break;
          if (exitCode === 0) continue;
          if (step.unstableReturn !== null && exitCode === step.unstableReturn) {
            log.write(`Build step 'Execute shell' marked build as unstable (exit code ${exitCode})\n`);
            result = worse(result, 'UNSTABLE');
            continue;
          }
          log.write(`Build step 'Execute shell' marked build as failure\n`);
          result = 'FAILURE';
          break;
        }
        if (job.settings.archive && !control.interruption) result = worse(result, await this.archive(job, build, result, workspace.path, log));
      } finally {
        // Secret files and keys go whatever the end: success, failure, an abort, an error.
        await bound?.remove();
        workspace.release();
      }
    } catch (error) {
      this.options.log.error({ err: error, job: job.fullName, build: build.number }, 'could not run a build');
      log.write(`Steward could not run this build: ${error instanceof Error ? error.message : String(error)}\n`);
      result = 'FAILURE';
    }
    const leftBehind = await killProcessesWithCookie(this.cookie(job.id, build.number), this.options.buildUser?.uid);
    if (leftBehind.length > 0) log.write(`Killed ${leftBehind.length} process(es) this build left running (pid ${leftBehind.join(', ')}).\n`);
    let interruption = control.interruption;
    if (interruption) {
      result = 'ABORTED';
      log.write(`Build was aborted\n${describeInterruption(interruption)}\n`);
    }
    log.write(`Finished: ${result}\n`);
    // The build is over once its whole log is stored: a log stored in a database may still hold its last lines.
    await log.close();
    if (log.failure && !interruption) {
      interruption = control.interruption ?? { kind: 'log_unwritable', problem: log.failure.message };
      result = 'ABORTED';
    }
    return { result, interruption };
  }

  /**
   * The job's git checkout, before the steps: its variables join the build's environment (`env`), its
   * revision and change set are recorded. 'failed' when the checkout failed (said in the log) or the
   * build was stopped meanwhile.
   */
  private async checkout(job: Job, build: Build, credentials: ReadonlyMap<string, CredentialSecret>, context: { env: Record<string, string>; workspace: string; log: LogWriter; control: BuildControl }): Promise<'done' | 'failed' | 'none'> {
    const source = job.settings.scm;
    if (source === null) return 'none';
    const { log, control } = context;
    const { buildUser } = this.options;
    try {
      const previous = (await this.options.previousRevisions?.(job, build)) ?? NO_PREVIOUS_REVISIONS;
      const checkedOut = await checkout({
        source,
        workspace: context.workspace,
        credentials,
        previous,
        revision: notifiedCommit(build),
        log,
        control,
        env: context.env,
        user: buildUser ? { uid: buildUser.uid, gid: buildUser.gid } : null,
        killGraceMs: this.options.killGraceMs,
      });
      try {
        await this.options.recordSource?.(job, build, { revision: checkedOut.revision, changes: checkedOut.changes, changesTruncated: checkedOut.changesTruncated });
      } catch (error) {
        this.options.log.warn({ err: error, job: job.fullName, build: build.number }, 'could not record the revision a build checked out');
      }
      Object.assign(context.env, gitVariables(source, checkedOut, previous));
      return 'done';
    } catch (error) {
      if (error instanceof GitStopped) return 'failed';
      if (!(error instanceof CheckoutFailed)) throw error;
      log.write(`ERROR: ${error.message}\n${error.hint ? `Hint: ${error.hint}\n` : ''}`);
      return 'failed';
    }
  }

  /** Jenkins' ArtifactArchiver after the steps: FAILURE when archiving fails, else the result as it was. */
  private async archive(job: Job, build: Build, result: Result, workspace: string, log: LogWriter): Promise<Result> {
    const settings = job.settings.archive;
    if (!settings) return result;
    const { artifacts } = this.options;
    if (!artifacts) {
      log.write('WARNING: Steward does not archive artifacts of builds on agents yet; nothing was archived. Run the job on the built-in node to keep its artifacts.\n');
      return result;
    }
    const write = (text: string) => log.write(text);
    const outcome = await archiveArtifacts(settings, result, workspace, { store: artifacts.store, maxBytes: artifacts.maxBuildBytes, jobId: job.id, number: build.number, write });
    return outcome === 'failed' ? 'FAILURE' : result;
  }

  async reap(job: Job | null, build: Build, _processGroup: number | null): Promise<void> {
    // Rare (after a crash), and the build may have run as another account then: every process is looked at.
    await killProcessesWithCookie(this.cookie(build.jobId, build.number), null);
    if (!job) return;
    try {
      if ((await this.options.logs.size(job.id, build.number)) === null) return;
      await this.options.logs.append(job.id, build.number, `\nBuild was aborted\n${describeInterruption(build.interruption ?? { kind: 'restart' })}\nFinished: ABORTED\n`);
    } catch (error) {
      // The build is recorded ABORTED with the reason all the same; only its log misses the last lines.
      this.options.log.warn({ err: error, job: job.fullName, build: build.number }, 'could not close the log of an aborted build that was running when its server stopped');
    }
  }

  /**
   * The job's bindings as environment variables and files, from the build's credentials; null, with
   * the reason in the log, when one is gone, so the build fails before any step runs.
   */
  private async bind(job: Job, found: ReadonlyMap<string, CredentialSecret>, scratch: string, log: LogWriter): Promise<BoundCredentials | null> {
    await removeLeftovers(scratch);
    const { buildUser } = this.options;
    try {
      return await bindCredentials(job.settings, found, scratch, buildUser ? { uid: buildUser.uid, gid: buildUser.gid } : null);
    } catch (error) {
      if (!(error instanceof UnboundCredentials)) throw error;
      log.write(`${error.message}\n`);
      return null;
    }
  }

  private cookie(jobId: number, number: number): string {
    return `${this.options.cookiePrefix}-${jobId}-${number}`;
  }

  private async runStep(
    job: Job,
    step: ShellStep,
    context: { env: Record<string, string>; cwd: string; scratch: string; log: LogWriter; secrets: string[]; control: BuildControl },
  ): Promise<number> {
    const { log, control } = context;
    const { buildUser } = this.options;
    const script = join(context.scratch, `steward${randomBytes(8).toString('hex')}.sh`);
    await writeFile(script, step.command, { mode: 0o700 });
    if (buildUser) await chown(script, buildUser.uid, buildUser.gid);
    const interpreter = interpreterOf(step.command);
    log.write(`[${job.name}] $ ${[...interpreter, script].join(' ')}\n`);
    try {
      return await new Promise<number>((resolve) => {
        // The inner `exec "$@" 2>&1` joins stderr to stdout in one pipe, so the `+ command` trace
        // lines and the commands' output stay in order.
        const child = spawn('/bin/sh', ['-c', 'exec "$@" 2>&1', 'sh', ...interpreter, script], {
          cwd: context.cwd,
          env: context.env,
          ...(buildUser ? { uid: buildUser.uid, gid: buildUser.gid } : {}),
          detached: true,
          stdio: ['ignore', 'pipe', 'pipe'],
        });
        const masker = new Masker(context.secrets, (text) => log.write(text));
        // A log that holds as much unstored output as it should (a database slower than the step
        // prints) pauses the reading: the pipe fills and the step waits in its write, so memory stays bounded.
        let paused = false;
        const take = (chunk: Buffer) => {
          masker.push(chunk);
          if (!paused && !log.full) return;
          // Also when already paused: Node resumes a child's output streams once it exits.
          child.stdout.pause();
          child.stderr.pause();
          if (paused) return;
          paused = true;
          void log.drained().then(() => {
            paused = false;
            child.stdout.resume();
            child.stderr.resume();
          });
        };
        child.stdout.on('data', take);
        child.stderr.on('data', take);
        const pid = child.pid;
        let graceTimer: NodeJS.Timeout | null = null;
        const signalGroup = (signal: NodeJS.Signals) => {
          if (pid === undefined) return;
          try {
            process.kill(-pid, signal);
          } catch {
            // The group is already gone.
          }
        };
        // A stop asked before the child runs (even before this step began) is applied once it does,
        // like any other stop: SIGTERM, then SIGKILL after the grace period. Signalling earlier could
        // be lost, and the build would run on (seen as a flaky "stop right after start").
        let spawned = false;
        let pending: StopMode | null = control.interruption ? 'term' : null;
        const stop = (mode: StopMode) => {
          if (!spawned) {
            pending = pending === 'kill' ? 'kill' : mode;
            return;
          }
          if (mode === 'kill') {
            signalGroup('SIGKILL');
            return;
          }
          signalGroup('SIGTERM');
          graceTimer ??= setTimeout(() => signalGroup('SIGKILL'), this.options.killGraceMs);
        };
        child.once('spawn', () => {
          spawned = true;
          if (pending) stop(pending);
        });
        const unsubscribe = control.onStop(stop);
        control.reportProcess(pid ?? null);
        let exitCode = 0;
        child.on('error', (error) => {
          log.write(`Could not start ${interpreter[0]}: ${error.message}\n`);
          exitCode = 127;
        });
        let leakTimer: NodeJS.Timeout | null = null;
        child.on('exit', (code, signal) => {
          exitCode = code ?? 128 + signalNumber(signal);
          // Processes the step left running in its group end with it, as in Jenkins.
          signalGroup('SIGKILL');
          // A process that left the group (setsid, a daemon) may still hold the output pipe open;
          // the step is over all the same, so stop reading after a moment instead of waiting forever.
          // Time spent paused for a slow log does not count: what the step printed before it ended is read.
          let pausedWaits = 0;
          const stopReading = () => {
            if (paused && (pausedWaits += 1) <= MAX_PAUSED_DRAIN_WAITS) {
              leakTimer = setTimeout(stopReading, OUTPUT_DRAIN_MS);
              return;
            }
            log.write('Processes started by this step outside its process group still hold its output; Steward stopped reading it.\n');
            child.stdout.destroy();
            child.stderr.destroy();
          };
          leakTimer = setTimeout(stopReading, OUTPUT_DRAIN_MS);
        });
        child.on('close', () => {
          masker.end();
          unsubscribe();
          if (graceTimer) clearTimeout(graceTimer);
          if (leakTimer) clearTimeout(leakTimer);
          control.reportProcess(null);
          resolve(exitCode);
        });
      });
    } finally {
      await rm(script, { force: true });
    }
  }
}

/**
 * Jenkins' words for where a build runs, which scripts grep consoles for: `Building` on the built-in
 * node, `Building remotely on linux-1 (linux docker)` on an agent (its labels besides its name).
 */
function buildingOn(build: Build, nodeLabels: string | undefined): string {
  if (build.node === BUILT_IN_NODE) return 'Building';
  const labels = (nodeLabels ?? '').split(' ').filter((label) => label !== '' && label !== build.node);
  return `Building remotely on ${build.node}${labels.length > 0 ? ` (${labels.join(' ')})` : ''}`;
}

/** `#!/usr/bin/env python3 -u` → [/usr/bin/env, python3, -u]; no `#!` line → Jenkins' `/bin/sh -xe`. */
export function interpreterOf(command: string): string[] {
  if (!command.startsWith('#!')) return ['/bin/sh', '-xe'];
  const line = command.slice(2, command.indexOf('\n') < 0 ? undefined : command.indexOf('\n')).trim();
  const words = line.split(/\s+/).filter((word) => word !== '');
  return words.length > 0 ? words : ['/bin/sh', '-xe'];
}

function signalNumber(signal: NodeJS.Signals | null): number {
  const numbers: Partial<Record<NodeJS.Signals, number>> = { SIGHUP: 1, SIGINT: 2, SIGKILL: 9, SIGTERM: 15 };
  return (signal && numbers[signal]) ?? 0;
}

/** The commit a commit notification asked this build to build (`/git/notifyCommit?sha1=`), if one did. */
function notifiedCommit(build: Build): string | null {
  for (const { cause } of build.causes) if (cause.kind === 'commit_hook') return cause.sha1;
  return null;
}
