import { createHash } from 'node:crypto';
import { chmodSync, mkdirSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { type BuildUser, BuildUserError, canReach, checkCanRunAs, lookUpUser, serverUserName } from './build-user.js';

/** How the built-in node runs builds, decided once at start. */
export interface BuiltInNode {
  /** The account build steps run as; null when they run as the server's own user. */
  readonly buildUser: BuildUser | null;
  /** Where the jobs' workspaces are. */
  readonly workspaceRoot: string;
  /**
   * Said loudly at start and shown on the nodes page while builds run with the server's rights
   * (no separate build user); null when they do not.
   */
  readonly warning: string | null;
  /** Lines for the person who started the server. */
  readonly notes: readonly string[];
}

export interface BuiltInNodeSettings {
  readonly home: string;
  /** The account to run builds as; null to run them as the server's user. */
  readonly buildUser: string | null;
  /** Where workspaces go; null for `HOME/workspace`. */
  readonly workspaceDir: string | null;
}

/** Where workspaces go when the build user cannot reach the home (e.g. a home under root's 0700 /root). */
const FALLBACK_WORKSPACES = '/var/lib/steward';

/**
 * Prepares the built-in node: finds the build user and checks Steward can switch to it, makes the
 * home private (0700; 0711 when the workspaces inside it must be reachable by the build user, whose
 * files there are private by their own modes), and finds a workspace root the build user can reach.
 * Throws `BuildUserError` with the fix when builds could not run as configured.
 */
export function prepareBuiltInNode(settings: BuiltInNodeSettings): BuiltInNode {
  const home = resolve(settings.home);
  const notes: string[] = [];
  const buildUser = separateUser(settings.buildUser);
  let workspaceRoot = resolve(settings.workspaceDir ?? join(home, 'workspace'));
  const insideHome = !relative(home, workspaceRoot).startsWith('..');
  mkdirSync(home, { recursive: true });
  chmodSync(home, buildUser && insideHome ? 0o711 : 0o700);
  for (const privateDir of ['jobs', 'tmp']) {
    mkdirSync(join(home, privateDir), { recursive: true, mode: 0o700 });
    chmodSync(join(home, privateDir), 0o700);
  }
  if (!buildUser) {
    mkdirSync(workspaceRoot, { recursive: true });
    const who = serverUserName();
    return {
      buildUser: null,
      workspaceRoot,
      notes,
      warning: `Builds on the built-in node run as ${who}, the user Steward itself runs as: a job's steps can read Steward's database, keys, environment and every other job's workspace, so anyone who can configure a job can act as Steward. Run Steward as root so that builds run as a separate user (--build-user, default nobody), or build on agents; see docs/security.md#threat-model.`,
    };
  }
  makeWorkspaceRoot(workspaceRoot);
  if (!canReach(buildUser, workspaceRoot)) {
    if (settings.workspaceDir !== null) {
      throw new BuildUserError(`Builds run as ${buildUser.name}, who cannot reach the workspace directory ${workspaceRoot} (a directory above it does not let ${buildUser.name} through). Choose a --workspace-dir that ${buildUser.name} can reach, e.g. /var/lib/steward/workspace.`);
    }
    const unreachable = workspaceRoot;
    workspaceRoot = join(FALLBACK_WORKSPACES, `workspace-${createHash('sha256').update(home).digest('hex').slice(0, 8)}`);
    makeWorkspaceRoot(workspaceRoot);
    chmodSync(FALLBACK_WORKSPACES, 0o711);
    chmodSync(home, 0o700);
    if (!canReach(buildUser, workspaceRoot)) {
      throw new BuildUserError(`Builds run as ${buildUser.name}, who can reach neither ${unreachable} nor ${workspaceRoot}. Choose a --workspace-dir that ${buildUser.name} can reach.`);
    }
    notes.push(`Workspaces are in ${workspaceRoot}: ${buildUser.name}, who runs the builds, cannot reach ${unreachable} (set --workspace-dir to choose).`);
  }
  notes.push(`Builds on the built-in node run as ${buildUser.name} (uid ${buildUser.uid}), without access to Steward's home.`);
  return { buildUser, workspaceRoot, notes, warning: null };
}

/** The build user when it differs from the server's own; null to run builds as the server's user. */
function separateUser(name: string | null): BuildUser | null {
  if (name === null) return null;
  const user = lookUpUser(name);
  if (user.uid === process.getuid?.()) return null;
  checkCanRunAs(user);
  return user;
}

/** The workspace root belongs to the server and lets others through without listing it; each workspace in it belongs to the build user. */
function makeWorkspaceRoot(path: string): void {
  mkdirSync(path, { recursive: true, mode: 0o711 });
  chmodSync(path, 0o711);
}
