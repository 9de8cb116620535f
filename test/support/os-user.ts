import { execFileSync, spawnSync } from 'node:child_process';

/** An OS account a test runs a process as. */
export interface OsUser {
  readonly name: string;
  readonly uid: number;
  readonly gid: number;
}

/**
 * Throws, saying what is needed, unless the tests run as root: starting a process as another account
 * needs it. CI runs the suite as root (.ci/run); such a test must fail, never be skipped, elsewhere.
 */
export function requireRoot(what: string): void {
  if (process.getuid?.() !== 0) throw new Error(`${what} starts processes as another OS account and so needs root: run npm test as root (CI does, through .ci/run).`);
}

/**
 * The unprivileged account `name`, created (a system account: no home, no login shell, its own
 * group) when the machine does not have it yet. Idempotent, also when two test files race to create it.
 */
export function ensureUser(name: string): OsUser {
  requireRoot(`Creating the account ${name}`);
  const existing = lookUp(name);
  if (existing) return existing;
  const made = spawnSync('useradd', ['--system', '--user-group', '--no-create-home', '--home-dir', '/nonexistent', '--shell', '/usr/sbin/nologin', name], { encoding: 'utf8' });
  // 9: the name is taken, by a concurrent call.
  if (made.status !== 0 && made.status !== 9) throw new Error(`useradd ${name} failed (${made.status}): ${made.stderr}`);
  const user = lookUp(name);
  if (!user) throw new Error(`useradd ${name} succeeded, but getent does not know the account`);
  return user;
}

function lookUp(name: string): OsUser | null {
  try {
    const [, , uid, gid] = execFileSync('getent', ['passwd', name], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).split(':');
    return { name, uid: Number(uid), gid: Number(gid) };
  } catch {
    return null;
  }
}
