import type { Build, PermalinkName } from '../../../core/build.js';
import type { BuildStore } from '../../../store/types.js';

/**
 * The permalinks of the jobs one answer lists. The first job that asks for a permalink loads it for
 * every listed job in one store call, so a page of many jobs costs a few queries, not a few per job;
 * a permalink nobody renders is never read.
 */
export class PermalinkLoader {
  private readonly loaded = new Map<PermalinkName, Promise<Map<number, Build>>>();

  constructor(
    private readonly builds: BuildStore,
    private readonly jobIds: readonly number[],
  ) {}

  async get(jobId: number, name: PermalinkName): Promise<Build | null> {
    let batch = this.loaded.get(name);
    if (!batch) {
      batch = this.builds.permalinks(this.jobIds, name);
      this.loaded.set(name, batch);
    }
    return (await batch).get(jobId) ?? null;
  }
}
