import type { TokenUse } from '../store/types.js';

/** Usage statistics are written in batches, not on every request that uses a token. */
const FLUSH_EVERY_MS = 5_000;

/**
 * Counts the uses of tokens in memory (how many, when last, from where) and hands them to `write`
 * every few seconds and at close, so that a request authenticated by a token costs no write of its
 * own. A crash loses the last seconds of counts, never a token.
 */
export class UsageCounter {
  private readonly pending = new Map<string, { count: number; at: number; address: string | null }>();
  private readonly timer: NodeJS.Timeout;

  constructor(private readonly write: (uses: readonly TokenUse[]) => Promise<void>) {
    this.timer = setInterval(() => void this.flush(), FLUSH_EVERY_MS);
    this.timer.unref();
  }

  count(uuid: string, at: number, address: string | null): void {
    const use = this.pending.get(uuid);
    if (use) {
      use.count += 1;
      use.at = at;
      use.address = address;
    } else this.pending.set(uuid, { count: 1, at, address });
  }

  async flush(): Promise<void> {
    if (this.pending.size === 0) return;
    const uses = [...this.pending].map(([uuid, use]) => ({ uuid, ...use }));
    this.pending.clear();
    // Statistics are best effort; the next use records again.
    await this.write(uses).catch(() => {});
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    await this.flush();
  }
}
