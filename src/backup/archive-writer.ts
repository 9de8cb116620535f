import { createHash } from 'node:crypto';
import { closeSync, createReadStream, createWriteStream, fchmodSync, fsyncSync, openSync } from 'node:fs';
import { open, readdir, rename, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { create } from 'tar';
import { type ArchivedFile, HEADER_ENTRY, HOME_ENTRY, MANIFEST_ENTRY, PRIVATE_FILE } from './archive-format.js';

/** Every file under `dir`, with its size and SHA-256, by `/`-separated path, sorted. */
export async function describeFiles(dir: string, report: (bytes: number) => void): Promise<ArchivedFile[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  const paths = entries.filter((entry) => entry.isFile()).map((entry) => join(entry.parentPath, entry.name).slice(dir.length + 1).split('\\').join('/'));
  const files: ArchivedFile[] = [];
  let total = 0;
  for (const path of paths.sort()) {
    const hash = createHash('sha256');
    let size = 0;
    for await (const chunk of createReadStream(join(dir, path)) as AsyncIterable<Buffer>) {
      hash.update(chunk);
      size += chunk.length;
      report((total += chunk.length));
    }
    files.push({ path, size, sha256: hash.digest('hex') });
  }
  return files;
}

/**
 * Writes the staged archive (`staging/steward-backup.json`, `staging/home/`, `staging/manifest.json`)
 * to `to` as a .tar.gz, atomically: into `to.partial` (mode 0600 from its creation: it holds the
 * sealing key), synced to disk, then renamed over `to`, so `to` is either the old file or the whole new
 * one. Returns the archive's size.
 */
export async function writeArchive(staging: string, to: string, report: (bytes: number) => void): Promise<number> {
  const partial = `${to}.partial`;
  // A file descriptor, not a FileHandle: a FileHandle's close() never ends once a stream has used it without closing it.
  const fd = openSync(partial, 'w', PRIVATE_FILE);
  let bytes = 0;
  try {
    // A .partial left by an earlier attempt keeps its mode when opened: narrow it.
    fchmodSync(fd, PRIVATE_FILE);
    const counter = new Transform({
      transform(chunk: Buffer, _encoding, done) {
        report((bytes += chunk.length));
        done(null, chunk);
      },
    });
    // node-tar's stream is read as an async iterable: stream.pipeline does not see the end of it.
    const archive = Readable.from(create({ gzip: true, cwd: staging, portable: true }, [HEADER_ENTRY, HOME_ENTRY, MANIFEST_ENTRY]));
    await pipeline(archive, counter, createWriteStream('', { fd, autoClose: false }));
    fsyncSync(fd);
  } catch (error) {
    closeSync(fd);
    await rm(partial, { force: true });
    throw error;
  }
  closeSync(fd);
  await rename(partial, to);
  await syncDirectory(dirname(to));
  return bytes;
}

/** Makes a rename in `dir` durable. */
export async function syncDirectory(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
