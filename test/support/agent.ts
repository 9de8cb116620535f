import { type ChildProcess, spawn } from 'node:child_process';
import { chownSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { OsUser } from './os-user.js';

const BIN = fileURLToPath(new URL('../../bin/steward.js', import.meta.url));

export interface AgentProcess {
  readonly child: ChildProcess;
  readonly workDir: string;
  output(): string;
  readonly exited: Promise<number | string>;
  stop(signal?: NodeJS.Signals): Promise<number | string>;
}

export interface AgentProcessOptions {
  readonly executors?: number;
  readonly workDir?: string;
  /**
   * The OS account the agent runs as (the test must run as root); its work directory is made its
   * own. Without it, the agent runs as the test's account.
   */
  readonly user?: OsUser;
  /** The agent's environment besides its secret and log level; the test's own by default. */
  readonly env?: NodeJS.ProcessEnv;
}

/** Runs `steward agent` as a real child process against a server, with the node's secret in its environment. */
export function startAgent(url: string, name: string, secret: string, options: AgentProcessOptions = {}): AgentProcess {
  const workDir = options.workDir ?? mkdtempSync(join(tmpdir(), 'steward-agent-'));
  if (options.user) chownSync(workDir, options.user.uid, options.user.gid);
  const child = spawn(process.execPath, [BIN, 'agent', '--url', url, '--name', name, '--work-dir', workDir, '--executors', String(options.executors ?? 1)], {
    env: { ...(options.env ?? process.env), STEWARD_AGENT_SECRET: secret, STEWARD_LOG_LEVEL: 'debug' },
    ...(options.user ? { uid: options.user.uid, gid: options.user.gid } : {}),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  const exited = new Promise<number | string>((resolve) => child.on('exit', (code, signal) => resolve(code ?? signal ?? 'unknown')));
  return {
    child,
    workDir,
    output: () => output,
    exited,
    async stop(signal = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
}
