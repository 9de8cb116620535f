import { execFileSync, spawnSync } from 'node:child_process';
import { userInfo } from 'node:os';

/** The OS account the built-in node's build steps run as, when it is not the server's own. */
export interface BuildUser {
  readonly name: string;
  readonly uid: number;
  readonly gid: number;
  /** The account's home directory from the user database, when it has one that exists. */
  readonly home: string | null;
}

export class BuildUserError extends Error {
  override readonly name = 'BuildUserError';
}

/** Looks an account up in the system's user database (`getent passwd`, so NSS sources count). */
export function lookUpUser(name: string): BuildUser {
  let line: string;
  try {
    line = execFileSync('getent', ['passwd', name], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).split('\n')[0] ?? '';
  } catch {
    throw new BuildUserError(`There is no user "${name}" on this machine to run builds as. Create it (e.g. useradd --system --create-home ${name}), or name another with --build-user.`);
  }
  const [, , uid, gid, , home] = line.split(':');
  if (uid === undefined || gid === undefined) throw new BuildUserError(`The user database entry of "${name}" cannot be read: ${line}`);
  return { name, uid: Number(uid), gid: Number(gid), home: home && home !== '/nonexistent' ? home : null };
}

/** The name of the account the server runs as. */
export function serverUserName(): string {
  try {
    return userInfo().username;
  } catch {
    return `uid ${process.getuid?.() ?? '?'}`;
  }
}

/**
 * Whether processes can be started as `user`: the server must be root (or hold CAP_SETUID and
 * CAP_SETGID). Checked once at start, so that a build never fails for it.
 */
export function checkCanRunAs(user: BuildUser): void {
  const result = spawnSync('/bin/sh', ['-c', 'exit 0'], { uid: user.uid, gid: user.gid, stdio: 'ignore', env: {} });
  if (result.error || result.status !== 0) {
    throw new BuildUserError(
      `Steward cannot start processes as ${user.name} (${result.error?.message ?? `exit ${result.status}`}): switching users needs Steward to run as root. Start it as root with --build-user ${user.name}, or leave --build-user out to run builds as ${serverUserName()}.`,
    );
  }
}

/** Whether `user` can enter `directory` (every directory above it must let the user through). */
export function canReach(user: BuildUser, directory: string): boolean {
  const result = spawnSync('/bin/sh', ['-c', 'cd -- "$1"', 'sh', directory], { uid: user.uid, gid: user.gid, stdio: 'ignore', env: {} });
  return !result.error && result.status === 0;
}
