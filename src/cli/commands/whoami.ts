import type { Command } from 'commander';
import type { Client } from '../client.js';
import { type CliContext, connect, withConnection } from '../context.js';

interface WhoAmIJson {
  name: string;
  anonymous: boolean;
  authorities: string[];
}

/** Steward's `/steward/api/v1/whoami`: how the request authenticated, and the server-wide permissions. */
export interface StewardWhoAmI {
  id: string | null;
  credential: 'none' | 'password' | 'api_token' | 'session' | 'trigger_token';
  apiToken: string | null;
  triggerToken: string | null;
  permissions: string[];
}

const CREDENTIAL_WORDS: Record<StewardWhoAmI['credential'], string> = {
  none: 'no credentials',
  password: 'a password',
  api_token: 'an API token',
  session: 'a session',
  trigger_token: 'a trigger token',
};

/** Steward's account of the caller, or null on Jenkins (which has no such URL). */
export async function stewardWhoAmI(client: Client): Promise<StewardWhoAmI | null> {
  const server = await client.serverInfo();
  if (server?.kind !== 'steward') return null;
  return client.json<StewardWhoAmI>('steward/api/v1/whoami');
}

export function registerWhoami(program: Command, context: CliContext): void {
  const command = program
    .command('whoami')
    .description('who the server takes you for, how you authenticated, and where the credentials came from')
    .option('--json', 'print it as JSON');
  withConnection(command, { token: true });
  command.addHelpText('after', '\nExamples:\n  steward whoami\n  STEWARD_AUTH=@~/.ci-token steward whoami --json');
  command.action(async (options: { json?: boolean }, self: Command) => {
    const client = connect(context, self);
    const server = await client.serverInfo();
    const jenkins = await client.json<WhoAmIJson>('whoAmI/api/json');
    const steward = await stewardWhoAmI(client);
    const credential = client.credential;
    const data = {
      server: { url: client.root.href, source: client.connection.serverSource, kind: server?.kind ?? null, version: server?.version ?? null },
      name: jenkins.name,
      anonymous: jenkins.anonymous,
      authorities: jenkins.authorities ?? [],
      credential: steward?.credential ?? (credential ? 'unknown' : 'none'),
      apiToken: steward?.apiToken ?? null,
      triggerToken: steward?.triggerToken ?? null,
      credentialSource: credential?.source ?? client.connection.token?.source ?? null,
      permissions: steward?.permissions ?? null,
    };
    if (options.json) {
      context.out.json(data);
      return;
    }
    const out = context.out;
    out.line(data.anonymous ? 'anonymous' : data.name);
    out.line(`  server:      ${data.server.url} (${server ? `${server.kind === 'steward' ? 'Steward' : 'Jenkins'} ${server.version}` : 'unknown'}; from ${data.server.source})`);
    if (steward) {
      const which = steward.apiToken ? ` "${steward.apiToken}"` : steward.triggerToken ? ` "${steward.triggerToken}"` : '';
      out.line(`  credential:  ${CREDENTIAL_WORDS[steward.credential]}${which}${data.credentialSource ? ` from ${data.credentialSource}` : ''}`);
    } else {
      out.line(`  credential:  ${data.credentialSource ? `from ${data.credentialSource}` : 'none'}`);
    }
    if (data.authorities.length > 0) out.line(`  authorities: ${data.authorities.join(', ')}`);
    if (steward) out.line(`  may:         ${describePermissions(steward.permissions)}`);
  });
}

function describePermissions(titles: readonly string[]): string {
  if (titles.includes('Overall/Administer')) return 'Overall/Administer (everything)';
  return titles.length > 0 ? titles.join(', ') : 'nothing server-wide';
}
