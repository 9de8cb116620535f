import { DomainError } from '../core/errors.js';
import { type WindowLimit, WindowCounter } from './window-counter.js';

/**
 * Slows down guessing. Failed authentications (a wrong password, token or job token, a failed login)
 * are counted per source address; once an address reaches the limit, every further attempt to
 * authenticate from it is refused with 429 until its window ends, without checking the credential
 * (so the refusal tells a guesser nothing). Other addresses are not affected.
 *
 * A check that takes time (a password's hash) reserves its failure before it starts (`reserve`) and
 * takes it back when the credential was right, so that parallel guesses count as much as sequential
 * ones: at most the limit's worth of them is ever checked. Reserved failures keep further checks from
 * starting, but not requests that need no check of their own (a password verified a moment ago, or
 * being verified for another request): `check` holds only known failures against an address.
 */
export class FailureLimiter {
  private readonly failures: WindowCounter;
  /** Failures reserved and not yet known, per address (they are among `failures` meanwhile). */
  private readonly reserved = new Map<string, number>();

  constructor(limit: WindowLimit, now: () => number = Date.now) {
    this.failures = new WindowCounter(limit, now);
  }

  /** Throws `too_many_failures` when the address may not try to authenticate now. */
  check(address: string): void {
    this.refuseWhenOver(address, this.reserved.get(address) ?? 0);
  }

  private refuseWhenOver(address: string, discount: number): void {
    const blocked = this.failures.blockedFor(address, discount);
    if (!blocked) return;
    throw new DomainError(
      'too_many_failures',
      `Too many failed authentications from ${address}: ${blocked.events} in the last ${Math.round(this.failures.limit.windowMs / 1000)} s.`,
      `Wait ${blocked.seconds} s (Retry-After), then try again with the right credentials.`,
      undefined,
      blocked.seconds,
    );
  }

  /** Counts a failure found by a check that is already done. */
  fail(address: string): void {
    this.failures.add(address);
  }

  /**
   * Counts a failure in advance, before a check that takes time, or throws `too_many_failures` when
   * the address may not start one now (known and reserved failures reach the limit). The reservation
   * is then settled once: `keep` when the credential was wrong, `refund` when it was right or was
   * never checked.
   */
  reserve(address: string): Reservation {
    this.refuseWhenOver(address, 0);
    const window = this.failures.add(address);
    this.reserved.set(address, (this.reserved.get(address) ?? 0) + 1);
    let settled = false;
    const settle = (refund: boolean) => {
      if (settled) return;
      settled = true;
      const left = (this.reserved.get(address) ?? 1) - 1;
      if (left > 0) this.reserved.set(address, left);
      else this.reserved.delete(address);
      if (refund) this.failures.remove(address, window);
    };
    return { keep: () => settle(false), refund: () => settle(true) };
  }
}

/** A failure counted before the check that decides it; see `FailureLimiter.reserve`. */
export interface Reservation {
  keep(): void;
  refund(): void;
}

/**
 * Limits how often triggers arrive: per trigger token (a runaway webhook or script), and, when
 * configured, per source address. Over the limit a trigger is refused with 429 and `Retry-After`.
 */
export class TriggerLimiter {
  private readonly perToken: WindowCounter | null;
  private readonly perAddress: WindowCounter | null;

  constructor(limits: { perToken: WindowLimit | null; perAddress: WindowLimit | null }, now: () => number = Date.now) {
    this.perToken = limits.perToken ? new WindowCounter(limits.perToken, now) : null;
    this.perAddress = limits.perAddress ? new WindowCounter(limits.perAddress, now) : null;
  }

  /** Counts a trigger, or throws `too_many_triggers` when its token or address is over its limit. */
  admit(address: string, tokenName: { uuid: string; name: string } | null): void {
    if (tokenName && this.perToken) this.take(this.perToken, `token:${tokenName.uuid}`, `the trigger token "${tokenName.name}"`);
    if (this.perAddress) this.take(this.perAddress, address, address);
  }

  private take(counter: WindowCounter, key: string, who: string): void {
    const blocked = counter.blockedFor(key);
    if (blocked) {
      throw new DomainError(
        'too_many_triggers',
        `Too many triggers from ${who}: ${blocked.events} in the last ${Math.round(counter.limit.windowMs / 1000)} s.`,
        `Wait ${blocked.seconds} s (Retry-After); an administrator can raise security.triggerLimits.`,
        undefined,
        blocked.seconds,
      );
    }
    counter.add(key);
  }
}
