import { chmodSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { CliError, ExitCode } from './exit-codes.js';

/** What `steward login` keeps for one server. */
export interface Profile {
  readonly user: string;
  readonly token: string;
  /** The uuid of an API token `login` created from a password, which `logout` revokes. */
  readonly createdTokenUuid: string | null;
}

interface ProfileFile {
  /** The server of the last login, used when no other names one. */
  current: string | null;
  servers: Record<string, Profile>;
}

/** The credentials file: `$STEWARD_CONFIG_DIR`, else `$XDG_CONFIG_HOME/steward`, else `~/.config/steward`; mode 0600. */
export function profilesFile(env: NodeJS.ProcessEnv): string {
  if (env.STEWARD_CONFIG_DIR) return join(env.STEWARD_CONFIG_DIR, 'credentials.json');
  const base = env.XDG_CONFIG_HOME ? env.XDG_CONFIG_HOME : join(env.HOME ? env.HOME : homedir(), '.config');
  return join(base, 'steward', 'credentials.json');
}

export class Profiles {
  constructor(readonly file: string) {}

  current(): string | null {
    return this.read().current;
  }

  get(server: string): Profile | null {
    return this.read().servers[server] ?? null;
  }

  save(server: string, profile: Profile): void {
    const data = this.read();
    data.servers[server] = profile;
    data.current = server;
    this.write(data);
  }

  /** Forgets a server's credentials; returns what was kept, or null. */
  remove(server: string): Profile | null {
    const data = this.read();
    const removed = data.servers[server] ?? null;
    if (!removed) return null;
    delete data.servers[server];
    if (data.current === server) data.current = Object.keys(data.servers)[0] ?? null;
    if (Object.keys(data.servers).length === 0) rmSync(this.file, { force: true });
    else this.write(data);
    return removed;
  }

  private read(): ProfileFile {
    let text: string;
    try {
      text = readFileSync(this.file, 'utf8');
    } catch {
      return { current: null, servers: {} };
    }
    try {
      const parsed = JSON.parse(text) as Partial<ProfileFile>;
      return { current: parsed.current ?? null, servers: parsed.servers ?? {} };
    } catch {
      throw new CliError(`${this.file} is not valid JSON.`, ExitCode.usage, 'Delete it and run `steward login` again.');
    }
  }

  /** Written to a 0600 file beside it and renamed over, so that the secret is never readable by others, even briefly. */
  private write(data: ProfileFile): void {
    mkdirSync(dirname(this.file), { recursive: true, mode: 0o700 });
    const temporary = `${this.file}.${process.pid}.tmp`;
    writeFileSync(temporary, `${JSON.stringify(data, null, 2)}\n`, { mode: 0o600 });
    chmodSync(temporary, 0o600);
    renameSync(temporary, this.file);
  }
}
