import { copyFile, link, mkdir, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { LogFiles } from '../logs/log-files.js';
import { SnapshotFile } from '../store/sqlite/snapshot.js';
import { PRIVATE_DIRECTORY } from './archive-format.js';

export interface StagedLogs {
  readonly jobs: number;
  readonly builds: number;
  readonly runningBuilds: number;
  readonly logBytes: number;
  readonly missingLogs: number;
}

/**
 * Places the console logs of the snapshot's builds under `stagedHome/jobs/`, and no others (a build
 * that started after the snapshot is not in it, so neither is its log). A completed build's log is
 * complete and never written again, so it is hard-linked (copied when the staging directory is on
 * another file system): the link keeps it whole even if retention deletes the build meanwhile. A
 * running build's log is copied as far as it was written; a restored server ends such a build
 * ABORTED and appends why. A log already gone is counted in `missingLogs`: the restored build shows
 * that it has no console output.
 */
export async function stageLogs(snapshot: SnapshotFile, home: string, stagedHome: string, report: (text: string) => void): Promise<StagedLogs> {
  const live = new LogFiles(join(home, 'jobs'));
  const staged = new LogFiles(join(stagedHome, 'jobs'));
  let builds = 0;
  let runningBuilds = 0;
  let logBytes = 0;
  let missingLogs = 0;
  for (const build of snapshot.builds()) {
    builds += 1;
    if (build.running) runningBuilds += 1;
    const destination = staged.path(build.jobId, build.number);
    await mkdir(dirname(destination), { recursive: true, mode: PRIVATE_DIRECTORY });
    const placed = await place(live.path(build.jobId, build.number), destination, !build.running);
    if (placed === null) missingLogs += 1;
    else logBytes += placed;
    report(`Collecting console logs: ${builds} builds`);
  }
  return { jobs: snapshot.jobCount(), builds, runningBuilds, logBytes, missingLogs };
}

/** Links (or copies) `source` to `destination`; its size, or null when there is no source. */
async function place(source: string, destination: string, mayLink: boolean): Promise<number | null> {
  try {
    if (!mayLink) await copyFile(source, destination);
    else await link(source, destination).catch((error: NodeJS.ErrnoException) => (error.code === 'EXDEV' || error.code === 'EPERM' ? copyFile(source, destination) : Promise.reject(error)));
    return (await stat(destination)).size;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
}
