import { closeSync, existsSync, fsyncSync, linkSync, openSync, readFileSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { syncDirectory } from '../backup/archive-writer.js';

/**
 * Puts a new master key in place of the current key file so that, whenever a crash comes, one file
 * holds the key the database is sealed with. Before the database's commit, the new key is written
 * beside the current file (`FILE.new`, mode 0600, synced) and the current file is kept under a named
 * backup (`FILE.old-YYYYMMDDTHHMMSSZ`, a hard link: FILE itself stays in place); after the commit,
 * `FILE.new` is renamed over FILE, which is atomic. A crash between the two leaves `FILE.new`, which the
 * next `steward key rotate` puts in place (rotate-key.ts). Nothing is ever overwritten: a backup or a
 * pending file of that name already there is an error.
 */
export class KeySwap {
  readonly pending: string;

  constructor(readonly path: string) {
    this.pending = `${path}.new`;
  }

  /** The key a crashed rotation left waiting, as the text of its file, or null when there is none. */
  leftover(): string | null {
    return existsSync(this.pending) ? readFileSync(this.pending, 'utf8') : null;
  }

  /** Forgets a pending key the database was never sealed with (a rotation that crashed before its commit). */
  discardLeftover(): void {
    unlinkSync(this.pending);
  }

  /** Writes the new key beside the current file and keeps the current one as a backup; answers the backup's path. */
  async prepare(keyText: string, now: Date): Promise<string> {
    const backup = `${this.path}.old-${now.toISOString().replace(/[-:]|\.\d{3}/g, '')}`;
    const fd = openSync(this.pending, 'wx', 0o600);
    try {
      writeSync(fd, `${keyText}\n`);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    try {
      linkSync(this.path, backup);
    } catch (error) {
      unlinkSync(this.pending);
      throw error;
    }
    await syncDirectory(dirname(this.path));
    return backup;
  }

  /** Puts the pending key in place of the current file. */
  async complete(): Promise<void> {
    renameSync(this.pending, this.path);
    await syncDirectory(dirname(this.path));
  }
}
