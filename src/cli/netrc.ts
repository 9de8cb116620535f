import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

/**
 * The login and password `~/.netrc` (or `$NETRC`) gives for a host, as curl reads it: the first
 * `machine HOST` entry, else `default`. `macdef` bodies run to the next blank line and are skipped.
 * The format is a dozen whitespace-separated keywords; no maintained library reads it better.
 */
export function netrcLogin(host: string, env: NodeJS.ProcessEnv): { login: string; password: string; file: string } | null {
  const file = env.NETRC && env.NETRC !== '' ? env.NETRC : join(env.HOME && env.HOME !== '' ? env.HOME : homedir(), '.netrc');
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return null;
  }
  const entries = parseNetrc(text);
  const entry = entries.find((one) => one.machine === host) ?? entries.find((one) => one.machine === null);
  return entry?.login !== undefined && entry.password !== undefined ? { login: entry.login, password: entry.password, file } : null;
}

interface NetrcEntry {
  /** null for `default`. */
  machine: string | null;
  login?: string;
  password?: string;
}

export function parseNetrc(text: string): NetrcEntry[] {
  const withoutComments = text
    .split('\n')
    .filter((line) => !line.trimStart().startsWith('#'))
    .join('\n');
  const withoutMacros = withoutComments.replace(/(^|\s)macdef\s[\s\S]*?(\n\s*\n|$)/g, '$1');
  const tokens = withoutMacros.split(/\s+/).filter((token) => token !== '');
  const entries: NetrcEntry[] = [];
  let current: NetrcEntry | null = null;
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i];
    if (token === 'machine') {
      current = { machine: tokens[++i] ?? '' };
      entries.push(current);
    } else if (token === 'default') {
      current = { machine: null };
      entries.push(current);
    } else if (current && (token === 'login' || token === 'password' || token === 'account')) {
      const value = tokens[++i];
      if (token !== 'account' && value !== undefined) current[token] = value;
    }
  }
  return entries;
}
