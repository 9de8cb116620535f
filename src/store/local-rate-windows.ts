import type { EventCount, RateWindow, RateWindowStore } from './types.js';

/** At most this many keys are tracked; windows that ended are forgotten first, then the oldest. */
const MAX_KEYS = 100_000;

interface Window {
  events: number;
  reserved: number;
  endsAt: number;
}

/**
 * Rate windows in this process's memory: the counts of one server on SQLite, where no other server
 * shares them. Nothing is written to the database, so a failed sign-in or a trigger costs no I/O
 * here. Memory is bounded (`MAX_KEYS`).
 */
export class LocalRateWindows implements RateWindowStore {
  private readonly windows = new Map<string, Window>();

  async count(counts: readonly EventCount[], now: number): Promise<{ counted: RateWindow[]; full: RateWindow | null }> {
    const counted: RateWindow[] = [];
    for (const { key, windowMs, below, reserve } of counts) {
      let window = this.current(key, now);
      if (window && below !== null && window.events >= below) return { counted, full: { ...window } };
      if (!window) {
        if (this.windows.size >= MAX_KEYS) this.forget(now);
        window = { events: 0, reserved: 0, endsAt: now + windowMs };
        this.windows.set(key, window);
      }
      window.events += 1;
      if (reserve) window.reserved += 1;
      counted.push({ ...window });
    }
    return { counted, full: null };
  }

  async read(key: string, now: number): Promise<RateWindow | null> {
    const window = this.current(key, now);
    return window ? { ...window } : null;
  }

  async settle(key: string, endsAt: number, refund: boolean): Promise<void> {
    const window = this.windows.get(key);
    if (!window || window.endsAt !== endsAt || window.reserved === 0) return;
    window.reserved -= 1;
    if (refund) window.events -= 1;
    if (window.events === 0) this.windows.delete(key);
  }

  async prune(before: number): Promise<number> {
    let pruned = 0;
    for (const [key, window] of this.windows) {
      if (window.endsAt <= before) {
        this.windows.delete(key);
        pruned += 1;
      }
    }
    return pruned;
  }

  private current(key: string, now: number): Window | null {
    const window = this.windows.get(key);
    if (!window) return null;
    if (window.endsAt <= now) {
      this.windows.delete(key);
      return null;
    }
    return window;
  }

  private forget(now: number): void {
    for (const [key, window] of this.windows) if (window.endsAt <= now) this.windows.delete(key);
    if (this.windows.size >= MAX_KEYS) {
      const oldest = this.windows.keys().next();
      if (!oldest.done) this.windows.delete(oldest.value);
    }
  }
}
