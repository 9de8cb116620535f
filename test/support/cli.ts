import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const BIN = fileURLToPath(new URL('../../bin/steward.js', import.meta.url));

/** Variables the CLI reads, cleared so that the developer's own settings never leak into a test. */
const CLI_VARIABLES = ['STEWARD_URL', 'STEWARD_AUTH', 'STEWARD_TOKEN', 'JENKINS_URL', 'JENKINS_USER_ID', 'JENKINS_API_TOKEN', 'STEWARD_CONFIG_DIR', 'XDG_CONFIG_HOME', 'NETRC'];

export interface CliResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

export interface RunningCli {
  readonly child: ChildProcess;
  stdout(): string;
  stderr(): string;
  readonly done: Promise<CliResult>;
}

/**
 * The `steward` command line as a child process, with a HOME of its own (no ~/.netrc, no saved
 * profile) unless `home` is given, and only the variables the test sets.
 */
export class CliRunner {
  readonly home: string;

  constructor(home?: string) {
    this.home = home ?? mkdtempSync(join(tmpdir(), 'steward-cli-home-'));
  }

  start(args: readonly string[], options: { env?: NodeJS.ProcessEnv; stdin?: string } = {}): RunningCli {
    const env: NodeJS.ProcessEnv = { ...process.env, HOME: this.home };
    for (const name of CLI_VARIABLES) delete env[name];
    Object.assign(env, options.env);
    const child = spawn(process.execPath, [BIN, ...args], { env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    child.stdin?.end(options.stdin ?? '');
    const done = new Promise<CliResult>((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
    return { child, stdout: () => stdout, stderr: () => stderr, done };
  }

  run(args: readonly string[], options: { env?: NodeJS.ProcessEnv; stdin?: string } = {}): Promise<CliResult> {
    return this.start(args, options).done;
  }

  dispose(): void {
    rmSync(this.home, { recursive: true, force: true });
  }
}
