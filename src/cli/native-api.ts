import type { Client, RequestOptions } from './client.js';
import { CliError, ExitCode } from './exit-codes.js';

/** Steward's own JSON API, relative to the server's root (src/http/api/, described at its openapi.json). */
const NATIVE_BASE = 'steward/api/v1/';

/**
 * Fails unless the server is Steward: `what` needs Steward's native API, and `onJenkins` tells how
 * to do the same on a Jenkins (exit 2: the command cannot be used with this server).
 */
export async function requireSteward(client: Client, what: string, onJenkins: string): Promise<void> {
  const server = await client.serverInfo();
  if (server?.kind === 'steward') return;
  const which = server ? `${client.root.href} is Jenkins ${server.version}` : `${client.root.href} does not say it is Steward (no X-Steward header)`;
  throw new CliError(`${what} needs Steward's API, and ${which}.`, ExitCode.usage, `On Jenkins, ${onJenkins}`);
}

/**
 * A call to the native API with an optional JSON body; the parsed answer, or undefined for 204.
 * Refusals come back as RemoteError with Steward's message and hint.
 */
export async function native<T = void>(client: Client, method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE', path: string, body?: unknown): Promise<T> {
  const target = `${NATIVE_BASE}${path}`;
  const options: RequestOptions = {
    headers: { accept: 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body), contentType: 'application/json' }),
  };
  const response = await client.expect(await client.send(method, target, options), target);
  if (response.status === 204) return undefined as T;
  return (await response.json()) as T;
}

/** The id of the user the credentials are, from Jenkins' whoAmI (which Steward answers too). */
export async function currentUserId(client: Client): Promise<string> {
  const who = await client.json<{ name: string; anonymous: boolean }>('whoAmI/api/json');
  if (who.anonymous) {
    throw new CliError(`${client.root.href} took the request as anonymous: this command acts for a user.`, ExitCode.accessDenied, 'Pass --auth USER:TOKEN, set STEWARD_AUTH, or run steward login.');
  }
  return who.name;
}

/** A path segment for a user id in the native API's URLs. */
export function userPath(id: string): string {
  return `users/${encodeURIComponent(id)}`;
}
