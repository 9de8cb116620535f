import { mkdir, readdir, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { splitFullName } from '../core/item-name.js';

export interface Workspace {
  readonly path: string;
  release(): void;
}

/**
 * Per-job working directories under `ROOT/<full name>`, kept between builds as Jenkins keeps them.
 * Concurrent builds of one job each get their own directory: `deploy`, `deploy@2`, `deploy@3`
 * (`@` cannot occur in an item name, so these never collide with another job).
 */
export class Workspaces {
  private readonly inUse = new Set<string>();

  constructor(private readonly root: string) {}

  pathOf(fullName: string): string {
    return join(this.root, ...splitFullName(fullName));
  }

  async acquire(fullName: string): Promise<Workspace> {
    const base = this.pathOf(fullName);
    let path = base;
    for (let copy = 2; this.inUse.has(path); copy++) path = `${base}@${copy}`;
    this.inUse.add(path);
    await mkdir(path, { recursive: true });
    return { path, release: () => this.inUse.delete(path) };
  }

  /** Deletes a job's workspace and its concurrent copies. */
  async remove(fullName: string): Promise<void> {
    const base = this.pathOf(fullName);
    const name = base.slice(dirname(base).length + 1);
    const siblings = await readdir(dirname(base)).catch(() => [] as string[]);
    await Promise.all(
      siblings.filter((entry) => entry === name || entry.startsWith(`${name}@`)).map((entry) => rm(join(dirname(base), entry), { recursive: true, force: true })),
    );
  }
}
