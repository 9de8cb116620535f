import { DomainError } from '../core/errors.js';
import { type WindowLimit, WindowCounter } from './window-counter.js';

/**
 * Slows down guessing. Failed authentications (a wrong password, token or job token, a failed login)
 * are counted per source address; once an address reaches the limit, every further attempt to
 * authenticate from it is refused with 429 until its window ends, without checking the credential
 * (so the refusal tells a guesser nothing). Other addresses are not affected.
 */
export class FailureLimiter {
  private readonly failures: WindowCounter;

  constructor(limit: WindowLimit, now: () => number = Date.now) {
    this.failures = new WindowCounter(limit, now);
  }

  /** Throws `too_many_failures` when the address may not try to authenticate now. */
  check(address: string): void {
    const blocked = this.failures.blockedFor(address);
    if (!blocked) return;
    throw new DomainError(
      'too_many_failures',
      `Too many failed authentications from ${address}: ${blocked.events} in the last ${Math.round(this.failures.limit.windowMs / 1000)} s.`,
      `Wait ${blocked.seconds} s (Retry-After), then try again with the right credentials.`,
      undefined,
      blocked.seconds,
    );
  }

  fail(address: string): void {
    this.failures.add(address);
  }
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
