/** At most this many keys are tracked; the oldest windows are forgotten first. */
const MAX_KEYS = 100_000;

export interface WindowLimit {
  /** Events allowed per key per window. */
  readonly count: number;
  readonly windowMs: number;
}

/**
 * Counts events per key in fixed windows: a key's window starts with its first event and lasts
 * `windowMs`. Memory is bounded: expired windows are dropped when the map fills.
 */
export class WindowCounter {
  private readonly windows = new Map<string, { start: number; events: number }>();

  constructor(
    readonly limit: WindowLimit,
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * Seconds until the key may have events again, or null when it is under its limit. `discount`
   * events of the window are not held against it (failures reserved but not yet known).
   */
  blockedFor(key: string, discount = 0): { seconds: number; events: number } | null {
    const window = this.current(key);
    if (!window || window.events - discount < this.limit.count) return null;
    return { seconds: Math.max(1, Math.ceil((window.start + this.limit.windowMs - this.now()) / 1000)), events: window.events };
  }

  /** Counts an event; returns the start of the window it was counted in (for `remove`). */
  add(key: string): number {
    const window = this.current(key);
    if (window) {
      window.events += 1;
      return window.start;
    }
    if (this.windows.size >= MAX_KEYS) this.forgetExpired();
    const start = this.now();
    this.windows.set(key, { start, events: 1 });
    return start;
  }

  /**
   * Takes back an event counted by `add` in the window that started at `start`. An event of a window
   * that has since ended is gone already, so nothing of the next window is taken.
   */
  remove(key: string, start: number): void {
    const window = this.current(key);
    if (!window || window.start !== start || window.events === 0) return;
    window.events -= 1;
    if (window.events === 0) this.windows.delete(key);
  }

  private current(key: string): { start: number; events: number } | null {
    const window = this.windows.get(key);
    if (!window) return null;
    if (this.now() - window.start >= this.limit.windowMs) {
      this.windows.delete(key);
      return null;
    }
    return window;
  }

  private forgetExpired(): void {
    const now = this.now();
    for (const [key, window] of this.windows) if (now - window.start >= this.limit.windowMs) this.windows.delete(key);
    if (this.windows.size >= MAX_KEYS) {
      const oldest = this.windows.keys().next();
      if (!oldest.done) this.windows.delete(oldest.value);
    }
  }
}
