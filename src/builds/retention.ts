import { setImmediate as nextTurn } from 'node:timers/promises';
import type { Build } from '../core/build.js';
import type { Job, Retention } from '../core/item.js';
import type { ArtifactStore } from '../artifacts/artifact-store.js';
import type { ConsoleLogs } from '../logs/console-logs.js';
import type { Store } from '../store/types.js';

const DAY_MS = 86_400_000;
/** Builds read and deleted at once; between batches other work runs. */
const BATCH = 500;

/**
 * Build retention, as Jenkins' log rotator: after a build finishes, completed builds beyond the
 * newest `maxBuilds`, or older than `maxDays`, are deleted with their logs and artifacts. Never deleted: running
 * builds, the last successful and the last stable build (so the permalinks people rely on stay).
 * It reads only the builds past the limits, in batches, so its cost follows what it deletes (plus
 * the few kept builds it steps over), not the length of the history.
 */
export async function applyRetention(
  store: Store,
  files: { readonly logs: ConsoleLogs; readonly artifacts: ArtifactStore },
  job: Job,
  serverDefault: Retention | null,
  now: number = Date.now(),
): Promise<number[]> {
  const retention = job.settings.retention ?? serverDefault;
  if (!retention || (retention.maxBuilds === null && retention.maxDays === null)) return [];
  const keep = new Set<number>();
  for (const name of ['lastSuccessfulBuild', 'lastStableBuild'] as const) {
    const build = await store.builds.latest(job.id, name);
    if (build) keep.add(build.number);
  }
  const deletable = (build: Build) => build.state === 'completed' && !keep.has(build.number);
  const deleted: number[] = [];
  const remove = async (builds: readonly Build[]) => {
    // Together, so that the store commits a batch at once rather than a build at a time.
    await Promise.all(builds.map((build) => store.builds.delete(job.id, build.number)));
    for (const build of builds) {
      await files.logs.remove(job.id, build.number);
      await files.artifacts.remove(job.id, build.number);
      deleted.push(build.number);
    }
    await nextTurn();
  };
  if (retention.maxBuilds !== null) {
    // Newest first, past the newest maxBuilds; what is kept is stepped over.
    let offset = retention.maxBuilds;
    for (;;) {
      const page = await store.builds.list(job.id, { offset, limit: BATCH });
      const doomed = page.filter(deletable);
      await remove(doomed);
      offset += page.length - doomed.length;
      if (page.length < BATCH) break;
    }
  }
  if (retention.maxDays !== null) {
    // Oldest first, up to the first build that has not expired (numbers follow start times).
    const maxDays = retention.maxDays;
    let from = 0;
    for (;;) {
      const page = await store.builds.listFrom(job.id, from, BATCH);
      const fresh = page.findIndex((build) => !expired(build, maxDays, now));
      const old = fresh === -1 ? page : page.slice(0, fresh);
      await remove(old.filter(deletable));
      if (fresh !== -1 || page.length < BATCH) break;
      from = (page.at(-1) as Build).number + 1;
    }
  }
  return deleted.sort((a, b) => b - a);
}

function expired(build: Build, maxDays: number, now: number): boolean {
  return now - build.startedAt > maxDays * DAY_MS;
}
