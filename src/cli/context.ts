import type { Command } from 'commander';
import { Client } from './client.js';
import { type ConnectionOptions, resolveConnection } from './connection.js';
import type { Output } from './output.js';

/** What every command gets: the environment it reads settings from, and where it prints. */
export interface CliContext {
  readonly env: NodeJS.ProcessEnv;
  readonly out: Output;
}

/** Adds the connection options, so that they may also follow the command (`steward build app --server URL`). */
export function withConnection(command: Command, options: { token?: boolean } = {}): Command {
  command.option('--server <url>', 'the server (env STEWARD_URL, JENKINS_URL; default: last login, else http://127.0.0.1:8080/)');
  command.option('--auth <user:token>', 'credentials, or @FILE holding them (env STEWARD_AUTH, or JENKINS_USER_ID + JENKINS_API_TOKEN; else the login profile, else ~/.netrc)');
  if (options.token) command.option('--token <token>', "the job's trigger token, or @FILE holding it (env STEWARD_TOKEN)");
  return command;
}

/** A client for the server and credentials the command's options, the environment and the profile name. */
export function connect(context: CliContext, command: Command, serverOverride: URL | null = null): Client {
  const options = command.optsWithGlobals() as ConnectionOptions;
  return new Client(resolveConnection(options, context.env, options.server === undefined ? serverOverride : null), context.out);
}
