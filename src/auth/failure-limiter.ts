import { DomainError } from '../core/errors.js';

export interface FailureLimit {
  /** Failed authentications from one address that are allowed per window. */
  readonly attempts: number;
  readonly windowMs: number;
}

/** At most this many addresses are tracked; the oldest windows are forgotten first. */
const MAX_ADDRESSES = 100_000;

/**
 * Slows down guessing. Failed authentications (a wrong password, token or job token, a failed login)
 * are counted per source address in fixed windows; once an address reaches the limit, every further
 * attempt to authenticate from it is refused with 429 until its window ends, without checking the
 * credential (so the refusal tells a guesser nothing). Other addresses are not affected.
 */
export class FailureLimiter {
  private readonly windows = new Map<string, { start: number; failures: number }>();

  constructor(
    readonly limit: FailureLimit,
    private readonly now: () => number = Date.now,
  ) {}

  /** Throws `too_many_failures` when the address may not try to authenticate now. */
  check(address: string): void {
    const window = this.current(address);
    if (!window || window.failures < this.limit.attempts) return;
    const retryAfterSeconds = Math.max(1, Math.ceil((window.start + this.limit.windowMs - this.now()) / 1000));
    throw new DomainError(
      'too_many_failures',
      `Too many failed authentications from ${address}: ${window.failures} in the last ${Math.round(this.limit.windowMs / 1000)} s.`,
      `Wait ${retryAfterSeconds} s (Retry-After), then try again with the right credentials.`,
      undefined,
      retryAfterSeconds,
    );
  }

  fail(address: string): void {
    const now = this.now();
    const window = this.current(address);
    if (window) {
      window.failures += 1;
      return;
    }
    if (this.windows.size >= MAX_ADDRESSES) this.forgetExpired(now);
    this.windows.set(address, { start: now, failures: 1 });
  }

  private current(address: string): { start: number; failures: number } | null {
    const window = this.windows.get(address);
    if (!window) return null;
    if (this.now() - window.start >= this.limit.windowMs) {
      this.windows.delete(address);
      return null;
    }
    return window;
  }

  private forgetExpired(now: number): void {
    for (const [address, window] of this.windows) {
      if (now - window.start >= this.limit.windowMs) this.windows.delete(address);
    }
    if (this.windows.size >= MAX_ADDRESSES) {
      const oldest = this.windows.keys().next();
      if (!oldest.done) this.windows.delete(oldest.value);
    }
  }
}
