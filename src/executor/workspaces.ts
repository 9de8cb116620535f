import { execFile } from 'node:child_process';
import { chmod, lstat, mkdir, readdir, rename, rm } from 'node:fs/promises';
import { promisify } from 'node:util';
import { dirname, join } from 'node:path';
import { splitFullName } from '../core/item-name.js';

export interface Workspace {
  readonly path: string;
  /** The workspace's own scratch directory beside it (`PATH@tmp`, as Jenkins names it), for step scripts. */
  readonly tmpPath: string;
  release(): void;
}

/** The account that owns workspaces when builds run as a user other than the server's. */
export interface WorkspaceOwner {
  readonly uid: number;
  readonly gid: number;
}

/**
 * Per-job working directories under `ROOT/<full name>`, kept between builds as Jenkins keeps them.
 * Concurrent builds of one job each get their own directory: `deploy`, `deploy@2`, `deploy@3`
 * (`@` cannot occur in an item name, so these never collide with another job).
 *
 * With an `owner` (builds run as a separate user), each workspace and its `@tmp` belong to that user
 * with mode 0700; a workspace left by an earlier owner (builds that ran as the server) is handed over.
 */
const execFileAsync = promisify(execFile);

export class Workspaces {
  private readonly inUse = new Set<string>();

  constructor(
    private readonly root: string,
    private readonly owner: WorkspaceOwner | null = null,
  ) {}

  pathOf(fullName: string): string {
    return join(this.root, ...splitFullName(fullName));
  }

  async acquire(fullName: string): Promise<Workspace> {
    const base = this.pathOf(fullName);
    let path = base;
    for (let copy = 2; this.inUse.has(path); copy++) path = `${base}@${copy}`;
    this.inUse.add(path);
    try {
      await this.prepare(path);
      await this.prepare(`${path}@tmp`);
    } catch (error) {
      this.inUse.delete(path);
      throw error;
    }
    return { path, tmpPath: `${path}@tmp`, release: () => this.inUse.delete(path) };
  }

  private async prepare(path: string): Promise<void> {
    await mkdir(path, { recursive: true });
    if (!this.owner) return;
    const { uid, gid } = this.owner;
    const stats = await lstat(path);
    if (stats.uid !== uid || stats.gid !== gid) await execFileAsync('chown', ['-R', '--no-dereference', `${uid}:${gid}`, '--', path]);
    await chmod(path, 0o700);
  }

  /** Deletes a job's workspace and its concurrent copies. */
  async remove(fullName: string): Promise<void> {
    const base = this.pathOf(fullName);
    const copies = await this.copiesOf(base);
    await Promise.all(copies.map((entry) => rm(join(dirname(base), entry), { recursive: true, force: true })));
  }

  /**
   * Moves the workspaces of a renamed item (a job's, with its `@tmp` and concurrent copies, or a
   * folder's whole tree) to its new name. Nothing of the item may be building.
   */
  async move(fromFullName: string, toFullName: string): Promise<void> {
    const from = this.pathOf(fromFullName);
    const to = this.pathOf(toFullName);
    const name = from.slice(dirname(from).length + 1);
    await mkdir(dirname(to), { recursive: true });
    for (const entry of await this.copiesOf(from)) {
      const target = `${to}${entry.slice(name.length)}`;
      // A directory left at the new name belongs to no item (the name was free): it gives way.
      if (target.toLowerCase() !== join(dirname(from), entry).toLowerCase()) await rm(target, { recursive: true, force: true });
      await rename(join(dirname(from), entry), target);
    }
  }

  /** The directory names beside `base` that belong to it: itself and `base@…`. */
  private async copiesOf(base: string): Promise<string[]> {
    const name = base.slice(dirname(base).length + 1);
    const siblings = await readdir(dirname(base)).catch(() => [] as string[]);
    return siblings.filter((entry) => entry === name || entry.startsWith(`${name}@`));
  }
}
