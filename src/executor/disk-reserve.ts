import { rm, stat, writeFile } from 'node:fs/promises';

/** Enough for the database to record the results of the builds a full disk stopped, with room to spare. */
const RESERVE_BYTES = 2 * 1024 * 1024;
/** The reserve is put back only once the disk has this much free beyond it, so that it never takes the last space. */
const RESTORE_ABOVE_BYTES = 8 * 1024 * 1024;

/**
 * A little of the home's disk kept in reserve (`HOME/disk-reserve`, a file of zeros): when the disk
 * fills up, giving it up lets Steward still record what it must (the result of a build whose log
 * filled the disk, and why it was aborted) instead of waiting for an operator. It is made again once
 * the disk has room.
 */
export class DiskReserve {
  constructor(private readonly path: string) {}

  /** Makes the reserve when it is missing and the disk has room for it beyond `RESTORE_ABOVE_BYTES`. */
  async restore(freeBytes: number): Promise<void> {
    if (freeBytes < RESTORE_ABOVE_BYTES + RESERVE_BYTES || (await this.present())) return;
    await writeFile(this.path, Buffer.alloc(RESERVE_BYTES), { mode: 0o600 }).catch(() => rm(this.path, { force: true }));
  }

  /** Gives the reserve up; true when there was one to give. */
  async release(): Promise<boolean> {
    if (!(await this.present())) return false;
    await rm(this.path, { force: true });
    return true;
  }

  private async present(): Promise<boolean> {
    return stat(this.path).then(
      (stats) => stats.size === RESERVE_BYTES,
      () => false,
    );
  }
}
