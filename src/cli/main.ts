import { Command, CommanderError } from 'commander';
import { ConfigFileError } from '../config/config-file.js';
import { SettingsError } from '../config/settings.js';
import { isDomainError } from '../core/errors.js';
import { STEWARD_VERSION } from '../version.js';
import { RemoteError } from './client.js';
import { registerAgent } from './commands/agent.js';
import { registerBackup } from './commands/backup.js';
import { registerBuild } from './commands/build.js';
import { registerCompletion } from './commands/completion.js';
import { registerDoctor } from './commands/doctor.js';
import { registerExport } from './commands/export.js';
import { registerImport } from './commands/import.js';
import { registerJob } from './commands/job.js';
import { registerKey } from './commands/key.js';
import { registerLogin } from './commands/login.js';
import { registerLogs } from './commands/logs.js';
import { registerMigrate } from './commands/migrate.js';
import { registerNode } from './commands/node.js';
import { registerQueue } from './commands/queue.js';
import { registerRestore } from './commands/restore.js';
import { listenProblem, registerServe } from './commands/serve.js';
import { registerStop } from './commands/stop.js';
import { registerToken } from './commands/token.js';
import { registerUser } from './commands/user.js';
import { registerWhoami } from './commands/whoami.js';
import type { CliContext } from './context.js';
import { CliError, ExitCode } from './exit-codes.js';
import { Output } from './output.js';

/** The `steward` program, its commands registered; exported for shell completion, which walks it. */
export function program(context: CliContext): Command {
  const root = new Command('steward')
    .description('Steward: a build server with a Jenkins-compatible remote API whose refusals explain themselves.\nThe client commands speak only HTTP, so they work against Steward and against Jenkins.')
    .version(STEWARD_VERSION, '--version', 'print the version')
    .option('-s, --server <url>', 'the server (env STEWARD_URL, JENKINS_URL; default: last login, else http://127.0.0.1:8080/)')
    .option('--auth <user:token>', 'credentials, or @FILE holding them (env STEWARD_AUTH, or JENKINS_USER_ID + JENKINS_API_TOKEN)')
    // `-s` means --server before the command and --sync after `build`, as in jenkins-cli.
    .enablePositionalOptions()
    .exitOverride()
    .showHelpAfterError('(run with --help for usage and examples)')
    .addHelpText(
      'after',
      `
Examples:
  steward serve                                start a server on http://127.0.0.1:8080/
  steward login http://ci.example.com:8080/    save credentials for later commands (file mode 0600)
  steward build team/app -p BRANCH=main -s -v  trigger, stream the log, exit with the result
  steward doctor team/app                      find out why a trigger is refused
  steward -s https://jenkins.example.com/ build app -s   the same against a Jenkins

Documentation: docs/cli.md. Exit codes: 0 ok, 1 failure, 2 bad arguments, 3 no such thing,
4 not possible now (disabled job), 6 access denied, 7 bad credentials; build -s: the result's code.`,
    );
  registerServe(root);
  registerAgent(root);
  registerBackup(root, context);
  registerRestore(root, context);
  registerMigrate(root, context);
  registerExport(root, context);
  registerImport(root, context);
  registerKey(root, context);
  registerBuild(root, context);
  registerLogs(root, context);
  registerStop(root, context);
  registerQueue(root, context);
  registerJob(root, context);
  registerWhoami(root, context);
  registerToken(root, context);
  registerUser(root, context);
  registerNode(root, context);
  registerLogin(root, context);
  registerDoctor(root, context);
  registerCompletion(root, context);
  root
    .command('version')
    .description('print the version of this command line')
    .addHelpText('after', '\nExamples:\n  steward version        prints "steward 0.1.0"\n  steward whoami         also shows what the server runs')
    .action(() => {
      context.out.line(`steward ${STEWARD_VERSION}`);
    });
  for (const command of allCommands(root)) command.exitOverride().showHelpAfterError('(run with --help for usage and examples)');
  return root;
}

export function allCommands(command: Command): Command[] {
  return [command, ...command.commands.flatMap((child) => allCommands(child))];
}

/**
 * The `steward` command line. Exit codes: 0 success, 1 failure, 2 bad usage or configuration, and
 * jenkins-cli's codes for refusals (docs/cli.md).
 */
export async function main(argv: readonly string[]): Promise<void> {
  const context: CliContext = { env: process.env, out: new Output() };
  try {
    await program(context).parseAsync([...argv], { from: 'user' });
  } catch (error) {
    process.exitCode = report(context, error);
  }
}

function report(context: CliContext, error: unknown): number {
  const fail = (message: string, hint: string | null, code: number) => {
    context.out.clearStatus();
    process.stderr.write(`steward: ${message}\n${hint ? `  ${hint}\n` : ''}`);
    return code;
  };
  if (error instanceof CommanderError) return error.exitCode === 0 ? ExitCode.ok : ExitCode.usage;
  if (error instanceof CliError) return fail(error.message, error.hint, error.exitCode);
  if (error instanceof RemoteError) {
    const reason = error.reason ? `, ${error.reason}` : '';
    return fail(`${error.message} (HTTP ${error.status}${reason} from ${error.url})`, error.hint, error.exitCode);
  }
  if (error instanceof ConfigFileError || error instanceof SettingsError || isDomainError(error)) return fail(error.message, null, ExitCode.usage);
  const listening = listenProblem(error);
  if (listening) return fail(listening, null, ExitCode.usage);
  return fail(error instanceof Error ? (error.stack ?? error.message) : String(error), null, ExitCode.failure);
}
