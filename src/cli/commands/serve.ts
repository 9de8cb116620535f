import type { Command } from 'commander';

export function registerServe(program: Command): void {
  program
    .command('serve')
    .description('run the server (on embedded SQLite under --home)')
    .option('--home <dir>', 'where Steward keeps its database, logs and workspaces (env STEWARD_HOME; default ~/.steward)')
    .option('--database <url>', 'keep the data in this PostgreSQL database (postgres://user@host/db) instead of SQLite in the home (env STEWARD_DATABASE_URL)')
    .option('--host <host>', 'address to listen on (env STEWARD_HOST; default 127.0.0.1)')
    .option('--port <n>', 'port to listen on, 0 for any free one (env STEWARD_PORT; default 8080)')
    .option('--executors <n>', 'builds that may run at once (env STEWARD_EXECUTORS; default: number of CPUs, at least 2)')
    .option('--config <file>', 'configuration file applied at every start (env STEWARD_CONFIG)')
    .option('--public-url <url>', 'the URL people and builds use to reach this server (env STEWARD_PUBLIC_URL)')
    .option('--log-level <level>', 'trace, debug, info, warn or error (env STEWARD_LOG_LEVEL; default info)')
    .option('--log-format <format>', 'json (one JSON object a line) or pretty (one line for a person, coloured on a terminal) (env STEWARD_LOG_FORMAT; default pretty when standard error is a terminal, else json)')
    .option('--build-user <user>', 'the account build steps run as; needs Steward to run as root (env STEWARD_BUILD_USER; default nobody when run as root, else Steward\'s own user)')
    .option('--workspace-dir <dir>', 'where the jobs\' workspaces are (env STEWARD_WORKSPACE_DIR; default HOME/workspace)')
    .option('--key-file <file>', "the key that seals secrets, shared by every server of one database: a copy of the first server's HOME/secrets/master.key (env STEWARD_KEY_FILE; default HOME/secrets/master.key, made at the first start)")
    .option('--server-name <name>', 'this server\'s name among the servers of one database: its builds name it, and another server aborts them naming it if it dies (env STEWARD_SERVER_NAME; default the host name)')
    .option('--metrics-token-file <file>', 'a file holding the bearer token Prometheus reads /prometheus/ with (env STEWARD_METRICS_TOKEN_FILE; default: administrators only)')
    .addHelpText(
      'after',
      `
Examples:
  steward serve                                   listen on http://127.0.0.1:8080/ with data in ~/.steward
  STEWARD_ADMIN_PASSWORD=secret steward serve --port 0 --home /tmp/steward
  sudo steward serve --home /var/lib/steward --build-user steward-build
  steward serve --config steward.yaml --host 0.0.0.0 --public-url https://ci.example.com/
  steward serve --database postgres://steward@db.example.com/steward
  steward serve --database postgres://steward@db.example.com/steward --key-file /etc/steward/master.key --server-name ci-2`,
    )
    .action(async (options: Record<string, string | undefined>) => {
      await serve(options);
    });
}

async function serve(options: Record<string, string | undefined>): Promise<void> {
  // Loaded here, not at the top: the client commands start faster without the server's modules.
  const { startFromOptions } = await import('../../main.js');
  const server = await startFromOptions({
    home: options.home,
    database: options.database,
    host: options.host,
    port: options.port,
    executors: options.executors,
    config: options.config,
    publicUrl: options.publicUrl,
    logLevel: options.logLevel,
    logFormat: options.logFormat,
    buildUser: options.buildUser,
    workspaceDir: options.workspaceDir,
    metricsTokenFile: options.metricsTokenFile,
    keyFile: options.keyFile,
    serverName: options.serverName,
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
export function listenProblem(error: unknown): string | null {
  const { code, port, address } = (error ?? {}) as { code?: string; port?: number; address?: string };
  if (code === 'EADDRINUSE') return `port ${port} on ${address} is already in use. Stop what uses it, or choose another with --port.`;
  if (code === 'EACCES') return `not allowed to listen on port ${port} of ${address}. Ports below 1024 need privileges; choose another with --port.`;
  if (code === 'EADDRNOTAVAIL') return `the address ${address} is not one of this machine's. Choose another with --host.`;
  return null;
}
