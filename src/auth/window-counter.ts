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

  /** Seconds until the key may have events again, or null when it is under its limit. */
  blockedFor(key: string): { seconds: number; events: number } | null {
    const window = this.current(key);
    if (!window || window.events < this.limit.count) return null;
    return { seconds: Math.max(1, Math.ceil((window.start + this.limit.windowMs - this.now()) / 1000)), events: window.events };
  }

  add(key: string): void {
    const window = this.current(key);
    if (window) {
      window.events += 1;
      return;
    }
    if (this.windows.size >= MAX_KEYS) this.forgetExpired();
    this.windows.set(key, { start: this.now(), events: 1 });
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
