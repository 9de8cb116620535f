import type { Build } from '../core/build.js';
import type { Job, Retention } from '../core/item.js';
import type { LogFiles } from '../logs/log-files.js';
import type { Store } from '../store/types.js';

const DAY_MS = 86_400_000;

/**
 * Build retention, as Jenkins' log rotator: after a build finishes, completed builds beyond the
 * newest `maxBuilds`, or older than `maxDays`, are deleted with their logs. Never deleted: running
 * builds, the last successful and the last stable build (so the permalinks people rely on stay).
 */
export async function applyRetention(
  store: Store,
  logs: LogFiles,
  job: Job,
  serverDefault: Retention | null,
  now: number = Date.now(),
): Promise<number[]> {
  const retention = job.settings.retention ?? serverDefault;
  if (!retention || (retention.maxBuilds === null && retention.maxDays === null)) return [];
  const keep = new Set<number>();
  for (const filter of [
    { completedOnly: true, results: ['SUCCESS', 'UNSTABLE'] as const },
    { completedOnly: true, results: ['SUCCESS'] as const },
  ]) {
    const build = await store.builds.latest(job.id, filter);
    if (build) keep.add(build.number);
  }
  const total = await store.builds.count(job.id);
  const builds = await store.builds.list(job.id, { offset: 0, limit: total });
  const doomed = builds.filter(
    (build, index) =>
      build.state === 'completed' &&
      !keep.has(build.number) &&
      ((retention.maxBuilds !== null && index >= retention.maxBuilds) || (retention.maxDays !== null && expired(build, retention.maxDays, now))),
  );
  for (const build of doomed) {
    await store.builds.delete(job.id, build.number);
    await logs.remove(job.id, build.number);
  }
  return doomed.map((build) => build.number);
}

function expired(build: Build, maxDays: number, now: number): boolean {
  return now - build.startedAt > maxDays * DAY_MS;
}
