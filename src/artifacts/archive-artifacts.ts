import { createReadStream } from 'node:fs';
import { Readable } from 'node:stream';
import { archivesAfter, type ArchiveSettings } from '../core/archive.js';
import { describeArtifacts, formatBytes } from '../core/artifact.js';
import type { Result } from '../core/build.js';
import type { ArtifactStore } from './artifact-store.js';
import { selectArtifacts } from './select-artifacts.js';

/** Where the archiving of one build writes. */
export interface ArchiveTarget {
  readonly store: ArtifactStore;
  /** The most bytes one build may archive (the server's `artifacts.maxBuildBytes`). */
  readonly maxBytes: number;
  readonly jobId: number;
  readonly number: number;
  readonly write: (text: string) => void;
}

/**
 * Archives a finished build's artifacts from its workspace, as Jenkins' ArtifactArchiver does after
 * the steps, with Jenkins' log lines. Returns 'failed' when the build must be marked FAILURE (no match
 * without allowEmpty, over the size limit, a file that could not be stored); then nothing is kept.
 * Each file is copied as long as it was when chosen, so the limit holds even for a file still growing.
 */
export async function archiveArtifacts(settings: ArchiveSettings, result: Result, workspace: string, target: ArchiveTarget): Promise<'archived' | 'skipped' | 'failed'> {
  const { write } = target;
  if (!archivesAfter(settings, result)) {
    if (result !== 'ABORTED' && result !== 'NOT_BUILT') write('Skipped archiving because build is not successful\n');
    return 'skipped';
  }
  const selection = await selectArtifacts(workspace, settings);
  for (const refusal of selection.refused) write(`WARNING: not archived: ${refusal}\n`);
  const pattern = settings.include.join(',');
  if (selection.files.length === 0) {
    if (settings.allowEmpty) {
      write(`No artifacts found that match the file pattern "${pattern}". Configuration error?\n`);
      return 'skipped';
    }
    write(`ERROR: No artifacts found that match the file pattern "${pattern}". Configuration error?\n`);
    return 'failed';
  }
  const total = selection.files.reduce((sum, file) => sum + file.size, 0);
  if (total > target.maxBytes) {
    write(`ERROR: The files to archive (${describeArtifacts(selection.files.length, total)}) exceed the limit of ${formatBytes(target.maxBytes)} per build; nothing was archived. Archive fewer files, or raise the server's artifacts.maxBuildBytes.\n`);
    return 'failed';
  }
  const staging = await target.store.stage(target.jobId, target.number);
  try {
    for (const file of selection.files) {
      const content = file.size === 0 ? Readable.from([]) : createReadStream(file.source, { start: 0, end: file.size - 1 });
      await staging.put(file.path, content);
    }
    await staging.commit();
  } catch (error) {
    await staging.abandon().catch(() => {});
    write(`ERROR: Archiving artifacts failed: ${error instanceof Error ? error.message : String(error)}; nothing was archived.\n`);
    return 'failed';
  }
  write(`Archiving artifacts: ${describeArtifacts(selection.files.length, total)}\n`);
  return 'archived';
}
