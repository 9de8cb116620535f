import { spawn } from 'node:child_process';
import { displayUrl } from '../core/git-source.js';
import type { LogWriter } from '../logs/console-logs.js';
import { Masker } from '../logs/masking.js';
import type { BuildControl } from '../queue/runner.js';

/** Where and how a checkout's git commands run: the same for each of them. */
export interface GitRunContext {
  readonly log: LogWriter;
  readonly control: BuildControl;
  /** The build's environment (its cookie, so orphan reaping finds git's children too; HOME, PATH). */
  readonly env: Readonly<Record<string, string>>;
  /** The account git runs as (the build user), or null for the server's own. */
  readonly user: { readonly uid: number; readonly gid: number } | null;
  readonly killGraceMs: number;
  /** How long one command may take before it is killed (the git plugin's `timeout`, 10 minutes by default). */
  readonly timeoutMs: number;
}

export interface GitOutput {
  readonly code: number;
  readonly stdout: string;
  /** The end of what git printed on stderr, for the error and its hint. */
  readonly stderr: string;
}

/** A build stopped (aborted, timed out) while git ran: the checkout ends without a result of its own. */
export class GitStopped extends Error {
  override readonly name = 'GitStopped';
}

const KEPT_STDERR = 16 * 1024;

/**
 * Runs one git command with an argument list (never a shell), in its own process group, printing
 * `> git ARGS # timeout=N` first as Jenkins does (URLs without a password in them). `show` sends git's
 * output to the console log as it comes (masked); otherwise stdout is returned and only a failure's
 * stderr is printed. A stop of the build ends the group (SIGTERM, then SIGKILL after the grace).
 */
export function runGit(context: GitRunContext, cwd: string, args: readonly string[], options: { show?: boolean; env?: Readonly<Record<string, string>>; secrets?: readonly string[] } = {}): Promise<GitOutput> {
  const { log, control } = context;
  if (control.interruption) return Promise.reject(new GitStopped('stopped'));
  log.write(` > git ${args.map(displayUrl).join(' ')} # timeout=${Math.round(context.timeoutMs / 60_000)}\n`);
  return new Promise((resolve, reject) => {
    const child = spawn('git', args, {
      cwd,
      env: { ...context.env, ...options.env },
      ...(context.user ? { uid: context.user.uid, gid: context.user.gid } : {}),
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const masker = new Masker([...(options.secrets ?? [])], (text) => log.write(text));
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => {
      if (options.show) masker.push(chunk);
      else stdout += chunk.toString('utf8');
    });
    child.stderr.on('data', (chunk: Buffer) => {
      if (options.show) masker.push(chunk);
      stderr = (stderr + chunk.toString('utf8')).slice(-KEPT_STDERR);
    });
    const signal = (name: NodeJS.Signals) => {
      if (child.pid === undefined) return;
      try {
        process.kill(-child.pid, name);
      } catch {
        // Already gone.
      }
    };
    let grace: NodeJS.Timeout | null = null;
    const unsubscribe = control.onStop((mode) => {
      signal(mode === 'kill' ? 'SIGKILL' : 'SIGTERM');
      grace ??= setTimeout(() => signal('SIGKILL'), context.killGraceMs);
    });
    let timedOut = false;
    const timeout = setTimeout(() => {
      timedOut = true;
      signal('SIGKILL');
    }, context.timeoutMs);
    control.reportProcess(child.pid ?? null);
    let failure: Error | null = null;
    child.on('error', (error) => {
      failure = error;
    });
    child.on('close', (code, signalName) => {
      unsubscribe();
      clearTimeout(timeout);
      if (grace) clearTimeout(grace);
      control.reportProcess(null);
      if (failure) {
        masker.end();
        reject(new Error(`could not run git (${(failure as Error).message}): git must be installed on every node that runs builds with a git source`));
        return;
      }
      if (control.interruption) {
        masker.end();
        reject(new GitStopped('stopped'));
        return;
      }
      if (!options.show && code !== 0 && stderr.trim() !== '') masker.push(Buffer.from(stderr.endsWith('\n') ? stderr : `${stderr}\n`));
      masker.end();
      if (timedOut) stderr += `\ntimed out after ${Math.round(context.timeoutMs / 60_000)} minutes`;
      resolve({ code: code ?? 128 + (signalName === 'SIGKILL' ? 9 : 15), stdout, stderr });
    });
  });
}
