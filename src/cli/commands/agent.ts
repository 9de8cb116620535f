import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { CliError, ExitCode } from '../exit-codes.js';

export function registerAgent(program: Command): void {
  program
    .command('agent')
    .description('run builds for a Steward server on this machine (an agent registered with `steward node create`)')
    .requiredOption('--url <url>', 'the server, e.g. https://ci.example.com/ (env STEWARD_URL)', process.env.STEWARD_URL)
    .requiredOption('--name <name>', 'the node this agent is (env STEWARD_AGENT_NAME)', process.env.STEWARD_AGENT_NAME)
    .option('--secret-file <file>', "a file holding the node's secret (env STEWARD_AGENT_SECRET holds the secret itself)")
    .option('--work-dir <dir>', 'where workspaces and logs in flight are kept (default ~/.steward-agent)')
    .option('--executors <n>', "builds run at once, at most the node's executors (default 1)")
    .addHelpText(
      'after',
      `
The secret is printed by \`steward node create\` and, again, by \`steward node secret NAME\`.

Examples:
  steward agent --url https://ci.example.com/ --name linux-1 --secret-file /etc/steward/agent-secret --work-dir /var/lib/steward-agent`,
    )
    .action(async (options: { url: string; name: string; secretFile?: string; workDir?: string; executors?: string }) => {
      await agent(options);
    });
}

async function agent(options: { url: string; name: string; secretFile?: string; workDir?: string; executors?: string }): Promise<void> {
  const secret = (options.secretFile ? readSecret(options.secretFile) : process.env.STEWARD_AGENT_SECRET ?? '').trim();
  if (secret === '') throw new CliError("steward agent needs the node's secret: --secret-file FILE, or STEWARD_AGENT_SECRET.", ExitCode.usage);
  const executors = options.executors === undefined ? 1 : Number(options.executors);
  if (!Number.isInteger(executors) || executors < 1 || executors > 64) throw new CliError(`--executors ${options.executors} is not a number of builds from 1 to 64.`, ExitCode.usage);
  // Loaded here, not at the top: the other commands start faster without the runner's modules.
  const [{ runAgent }, { serverLog }] = await Promise.all([import('../../agent/agent.js'), import('../../server-log.js')]);
  const log = serverLog(process.env.STEWARD_LOG_LEVEL ?? 'info', process.stderr.isTTY ? 'pretty' : 'json', process.stderr.isTTY);
  const url = options.url.endsWith('/') ? options.url : `${options.url}/`;
  const controller = new AbortController();
  const stop = (signal: NodeJS.Signals) => {
    log.info(`received ${signal}: claiming no more builds; running ones are stopped`);
    controller.abort();
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  log.info({ url, name: options.name, executors }, 'agent started');
  await runAgent({ url, name: options.name, secret, workDir: resolve(options.workDir ?? join(homedir(), '.steward-agent')), executors, log, signal: controller.signal });
}

function readSecret(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    throw new CliError(`cannot read the secret file ${file}: ${(error as NodeJS.ErrnoException).code ?? String(error)}.`, ExitCode.usage);
  }
}
