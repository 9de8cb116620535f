import { statfs } from 'node:fs/promises';
import type { DiskSpace } from '../core/node.js';

/** How often free space is measured: often enough for the nodes page, never per request. */
const EVERY_MS = 10_000;

/**
 * Keeps the free space of the file system holding `path` (the Steward home: database, logs,
 * workspaces) current, measured in the background so that reading it costs nothing.
 */
export class DiskSpaceMonitor {
  private reading: DiskSpace | null = null;
  private timer: NodeJS.Timeout | null = null;

  /** `onMeasured` hears every reading (the disk reserve is restored from it). */
  constructor(
    private readonly path: string,
    private readonly onMeasured: (reading: DiskSpace) => Promise<void> = async () => {},
  ) {}

  get current(): DiskSpace | null {
    return this.reading;
  }

  async start(): Promise<void> {
    await this.measure();
    this.timer = setInterval(() => void this.measure(), EVERY_MS);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  async measure(): Promise<DiskSpace | null> {
    try {
      const stats = await statfs(this.path);
      this.reading = { path: this.path, freeBytes: stats.bavail * stats.bsize, totalBytes: stats.blocks * stats.bsize, checkedAt: Date.now() };
      await this.onMeasured(this.reading);
    } catch {
      // The last reading stays; a platform without statfs shows none.
    }
    return this.reading;
  }
}
