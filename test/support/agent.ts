import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const BIN = fileURLToPath(new URL('../../bin/steward.js', import.meta.url));

export interface AgentProcess {
  readonly child: ChildProcess;
  readonly workDir: string;
  output(): string;
  readonly exited: Promise<number | string>;
  stop(signal?: NodeJS.Signals): Promise<number | string>;
}

/** Runs `steward agent` as a real child process against a server, with the node's secret in its environment. */
export function startAgent(url: string, name: string, secret: string, options: { executors?: number; workDir?: string } = {}): AgentProcess {
  const workDir = options.workDir ?? mkdtempSync(join(tmpdir(), 'steward-agent-'));
  const child = spawn(process.execPath, [BIN, 'agent', '--url', url, '--name', name, '--work-dir', workDir, '--executors', String(options.executors ?? 1)], {
    env: { ...process.env, STEWARD_AGENT_SECRET: secret, STEWARD_LOG_LEVEL: 'debug' },
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
