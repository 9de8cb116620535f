import { constants, createWriteStream } from 'node:fs';
import { lstat, mkdir, open, readdir, rename, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { type Artifact, isArtifactPath } from '../core/artifact.js';
import type { ArtifactStaging, ArtifactStore } from './artifact-store.js';

/**
 * Artifacts as files under `ROOT/<job id>/<build number>/<path>` (one machine's home). A build's files
 * are put under `ROOT/<job id>/.staging/<build number>` and committed by renaming that directory into
 * place: one rename, so a reader sees all of them or none. A staging left by a crash stays until the
 * job is deleted or the same build stages again.
 */
export class ArtifactFiles implements ArtifactStore {
  constructor(readonly root: string) {}

  async stage(jobId: number, number: number): Promise<ArtifactStaging> {
    const staging = join(this.root, String(jobId), '.staging', String(number));
    await rm(staging, { recursive: true, force: true });
    await mkdir(staging, { recursive: true });
    return new FileStaging(staging, this.buildDirectory(jobId, number));
  }

  async list(jobId: number, number: number): Promise<Artifact[]> {
    const found: Artifact[] = [];
    const walk = async (directory: string, prefix: string) => {
      let entries;
      try {
        entries = await readdir(directory, { withFileTypes: true });
      } catch {
        return;
      }
      for (const entry of entries) {
        const path = prefix === '' ? entry.name : `${prefix}/${entry.name}`;
        if (entry.isDirectory()) await walk(join(directory, entry.name), path);
        else if (entry.isFile()) found.push({ path, size: (await lstat(join(directory, entry.name))).size });
      }
    };
    await walk(this.buildDirectory(jobId, number), '');
    return found.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  }

  async stat(jobId: number, number: number, path: string): Promise<Artifact | null> {
    if (!isArtifactPath(path)) return null;
    try {
      const found = await lstat(join(this.buildDirectory(jobId, number), path));
      return found.isFile() ? { path, size: found.size } : null;
    } catch {
      return null;
    }
  }

  async read(jobId: number, number: number, path: string, start: number, end: number): Promise<Readable | null> {
    const artifact = await this.stat(jobId, number, path);
    if (!artifact) return null;
    if (end <= start) return Readable.from([]);
    // O_NOFOLLOW: only the regular files put here are ever read, whatever replaced them meanwhile.
    const handle = await open(join(this.buildDirectory(jobId, number), path), constants.O_RDONLY | constants.O_NOFOLLOW);
    return handle.createReadStream({ start, end: end - 1, highWaterMark: 64 * 1024 });
  }

  async remove(jobId: number, number: number): Promise<void> {
    await rm(this.buildDirectory(jobId, number), { recursive: true, force: true });
  }

  async removeJob(jobId: number): Promise<void> {
    await rm(join(this.root, String(jobId)), { recursive: true, force: true });
  }

  private buildDirectory(jobId: number, number: number): string {
    return join(this.root, String(jobId), String(number));
  }
}

class FileStaging implements ArtifactStaging {
  constructor(
    private readonly directory: string,
    private readonly target: string,
  ) {}

  async put(path: string, content: Readable): Promise<number> {
    if (!isArtifactPath(path)) throw new Error(`"${path}" cannot name an artifact.`);
    const file = join(this.directory, path);
    await mkdir(dirname(file), { recursive: true });
    const out = createWriteStream(file, { flags: 'wx' });
    await pipeline(content, out);
    return out.bytesWritten;
  }

  async commit(): Promise<void> {
    // A build's artifacts are committed once; anything at the target is a leftover of an earlier attempt.
    await rm(this.target, { recursive: true, force: true });
    await rename(this.directory, this.target);
  }

  async abandon(): Promise<void> {
    await rm(this.directory, { recursive: true, force: true });
  }
}
