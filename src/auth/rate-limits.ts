import { DomainError } from '../core/errors.js';
import type { EventCount, RateWindow, RateWindowStore } from '../store/types.js';

export interface WindowLimit {
  /** Events allowed per key per window. */
  readonly count: number;
  readonly windowMs: number;
}

/** Seconds until a window ends, at least 1: the Retry-After of a refusal. */
function secondsLeft(window: RateWindow, now: number): number {
  return Math.max(1, Math.ceil((window.endsAt - now) / 1000));
}

/**
 * Slows down guessing. Failed authentications (a wrong password, token or job token, a failed login)
 * are counted per source address; once an address reaches the limit, every further attempt to
 * authenticate from it is refused with 429 until its window ends, without checking the credential
 * (so the refusal tells a guesser nothing). Other addresses are not affected. The counts are the
 * store's (`RateWindowStore`), so every server of a deployment holds an address to one limit.
 *
 * A check that takes time (a password's hash) reserves its failure before it starts (`reserve`) and
 * takes it back when the credential was right, so that parallel guesses count as much as sequential
 * ones: at most the limit's worth of them is ever checked. Reserved failures keep further checks from
 * starting, but not requests that need no check of their own (a password verified a moment ago, or
 * being verified for another request): `check` holds only known failures against an address.
 */
export class FailureLimiter {
  constructor(
    private readonly store: RateWindowStore,
    private readonly limit: WindowLimit,
    private readonly now: () => number = Date.now,
  ) {}

  /** Rejects with `too_many_failures` when the address may not try to authenticate now. */
  async check(address: string): Promise<void> {
    const now = this.now();
    const window = await this.store.read(keyOf(address), now);
    if (window && window.events - window.reserved >= this.limit.count) throw this.refusal(address, window, now);
  }

  /** Counts a failure found by a check that is already done. */
  async fail(address: string): Promise<void> {
    await this.store.count([{ key: keyOf(address), windowMs: this.limit.windowMs, below: null }], this.now());
  }

  /**
   * Counts a failure in advance, before a check that takes time, or rejects with `too_many_failures`
   * when the address may not start one now (known and reserved failures reach the limit). The
   * reservation is then settled once: `keep` when the credential was wrong, `refund` when it was
   * right or was never checked.
   */
  async reserve(address: string): Promise<Reservation> {
    const key = keyOf(address);
    const now = this.now();
    const { counted, full } = await this.store.count([{ key, windowMs: this.limit.windowMs, below: this.limit.count, reserve: true }], now);
    if (full) throw this.refusal(address, full, now);
    const endsAt = (counted[0] as RateWindow).endsAt;
    let settled = false;
    const settle = async (refund: boolean) => {
      if (settled) return;
      settled = true;
      await this.store.settle(key, endsAt, refund);
    };
    return { keep: () => settle(false), refund: () => settle(true) };
  }

  private refusal(address: string, window: RateWindow, now: number): DomainError {
    const seconds = secondsLeft(window, now);
    return new DomainError(
      'too_many_failures',
      `Too many failed authentications from ${address}: ${window.events} in the last ${Math.round(this.limit.windowMs / 1000)} s.`,
      `Wait ${seconds} s (Retry-After), then try again with the right credentials.`,
      undefined,
      seconds,
    );
  }
}

function keyOf(address: string): string {
  return `failures from ${address}`;
}

/** A failure counted before the check that decides it; see `FailureLimiter.reserve`. */
export interface Reservation {
  keep(): Promise<void>;
  refund(): Promise<void>;
}

/**
 * Limits how often triggers arrive: per trigger token (a runaway webhook or script), and, when
 * configured, per source address, counted by the store so that the limits hold across servers. Over
 * the limit a trigger is refused with 429 and `Retry-After`. Both limits are counted in one call
 * (one statement on PostgreSQL), the address's only when the token's counted.
 */
export class TriggerLimiter {
  constructor(
    private readonly store: RateWindowStore,
    private readonly limits: { perToken: WindowLimit | null; perAddress: WindowLimit | null },
    private readonly now: () => number = Date.now,
  ) {}

  /** Counts a trigger, or rejects with `too_many_triggers` when its token or address is over its limit. */
  async admit(address: string, tokenName: { uuid: string; name: string } | null): Promise<void> {
    const { perToken, perAddress } = this.limits;
    const counts: Array<EventCount & { who: string; limit: WindowLimit }> = [];
    if (tokenName && perToken) counts.push({ key: `triggers of token ${tokenName.uuid}`, windowMs: perToken.windowMs, below: perToken.count, who: `the trigger token "${tokenName.name}"`, limit: perToken });
    if (perAddress) counts.push({ key: `triggers from ${address}`, windowMs: perAddress.windowMs, below: perAddress.count, who: address, limit: perAddress });
    if (counts.length === 0) return;
    const now = this.now();
    const { counted, full } = await this.store.count(counts, now);
    const refused = counts[counted.length];
    if (!full || !refused) return;
    const seconds = secondsLeft(full, now);
    throw new DomainError(
      'too_many_triggers',
      `Too many triggers from ${refused.who}: ${full.events} in the last ${Math.round(refused.limit.windowMs / 1000)} s.`,
      `Wait ${seconds} s (Retry-After); an administrator can raise security.triggerLimits.`,
      undefined,
      seconds,
    );
  }
}
