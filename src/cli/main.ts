import { Command, CommanderError } from 'commander';
import { ConfigFileError } from '../config/config-file.js';
import { SettingsError } from '../config/settings.js';
import { isDomainError } from '../core/errors.js';
import { startFromOptions } from '../main.js';
import { STEWARD_VERSION } from '../version.js';

/** The `steward` command line. Exit codes: 0 success, 1 failure, 2 bad usage or configuration. */
export async function main(argv: readonly string[]): Promise<void> {
  const program = new Command('steward')
    .description('Steward: a build server with a Jenkins-compatible remote API whose refusals explain themselves.')
    .version(STEWARD_VERSION, '--version', 'print the version')
    .exitOverride();

  program
    .command('serve')
    .description('run the server (on embedded SQLite under --home)')
    .option('--home <dir>', 'where Steward keeps its database, logs and workspaces (env STEWARD_HOME; default ~/.steward)')
    .option('--host <host>', 'address to listen on (env STEWARD_HOST; default 127.0.0.1)')
    .option('--port <n>', 'port to listen on, 0 for any free one (env STEWARD_PORT; default 8080)')
    .option('--executors <n>', 'builds that may run at once (env STEWARD_EXECUTORS; default: number of CPUs, at least 2)')
    .option('--config <file>', 'configuration file applied at every start (env STEWARD_CONFIG)')
    .option('--public-url <url>', 'the URL people and builds use to reach this server (env STEWARD_PUBLIC_URL)')
    .option('--log-level <level>', 'trace, debug, info, warn or error (env STEWARD_LOG_LEVEL; default info)')
    .addHelpText(
      'after',
      `
Examples:
  steward serve                                   listen on http://127.0.0.1:8080/ with data in ~/.steward
  STEWARD_ADMIN_PASSWORD=secret steward serve --port 0 --home /tmp/steward
  steward serve --config steward.yaml --host 0.0.0.0 --public-url https://ci.example.com/`,
    )
    .action(async (options: Record<string, string | undefined>) => {
      await serve(options);
    });

  program
    .command('version')
    .description('print the version')
    .action(() => {
      process.stdout.write(`steward ${STEWARD_VERSION}\n`);
    });

  try {
    await program.parseAsync([...argv], { from: 'user' });
  } catch (error) {
    if (error instanceof CommanderError) {
      process.exitCode = error.exitCode === 0 ? 0 : 2;
      return;
    }
    if (error instanceof ConfigFileError || error instanceof SettingsError || isDomainError(error)) {
      process.stderr.write(`steward: ${error.message}\n`);
      process.exitCode = 2;
      return;
    }
    const listening = listenProblem(error);
    if (listening) {
      process.stderr.write(`steward: ${listening}\n`);
      process.exitCode = 2;
      return;
    }
    process.stderr.write(`steward: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exitCode = 1;
  }
}

async function serve(options: Record<string, string | undefined>): Promise<void> {
  const server = await startFromOptions({
    home: options.home,
    host: options.host,
    port: options.port,
    executors: options.executors,
    config: options.config,
    publicUrl: options.publicUrl,
    logLevel: options.logLevel,
  });
  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    process.stdout.write(`Received ${signal}: stopping (queued builds stay queued; running builds are aborted).\n`);
    server.close().then(
      () => process.exit(0),
      (error: unknown) => {
        process.stderr.write(`steward: shutting down failed: ${String(error)}\n`);
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

/** A sentence for the errors people meet when the server cannot listen. */
function listenProblem(error: unknown): string | null {
  const { code, port, address } = (error ?? {}) as { code?: string; port?: number; address?: string };
  if (code === 'EADDRINUSE') return `port ${port} on ${address} is already in use. Stop what uses it, or choose another with --port.`;
  if (code === 'EACCES') return `not allowed to listen on port ${port} of ${address}. Ports below 1024 need privileges; choose another with --port.`;
  if (code === 'EADDRNOTAVAIL') return `the address ${address} is not one of this machine's. Choose another with --host.`;
  return null;
}
