import { describe, expect, it } from 'vitest';
import { isDomainError } from '../core/errors.js';
import { HashQueue } from './hash-queue.js';
import { DUMMY_HASH, hashPassword, type PasswordAttempt, PasswordVerifier } from './passwords.js';
import { LocalRateWindows } from '../store/local-rate-windows.js';
import { FailureLimiter, type WindowLimit } from './rate-limits.js';

function limiterOf(limit: WindowLimit): FailureLimiter {
  return new FailureLimiter(new LocalRateWindows(), limit);
}

/** An attempt from one address, counted by a real limiter (3 failures a minute). */
function counted(limiter: FailureLimiter, address: string): PasswordAttempt & { reserved: number } {
  const attempt = {
    key: address,
    reserved: 0,
    reserve: async () => {
      const reservation = await limiter.reserve(address);
      attempt.reserved += 1;
      return reservation;
    },
  };
  return attempt;
}

describe('the password verifier', () => {
  it('shares one check among parallel requests with the same password, reserving one failure and refunding it', async () => {
    const stored = await hashPassword('right-password');
    const limiter = limiterOf({ count: 3, windowMs: 60_000 });
    const verifier = new PasswordVerifier(new HashQueue());
    const attempt = counted(limiter, '10.0.0.1');
    const results = await Promise.all(Array.from({ length: 20 }, () => verifier.verify('alice', 'right-password', stored, attempt)));
    expect(results.every(Boolean)).toBe(true);
    expect(attempt.reserved).toBe(1);
    // Refunded: the address may still fail three times; and the pair now passes without a reservation.
    expect(await verifier.verify('alice', 'right-password', stored, attempt)).toBe(true);
    expect(attempt.reserved).toBe(1);
    await limiter.check('10.0.0.1');
  });

  it('reserves before checking, so parallel guesses beyond the limit are refused unchecked', async () => {
    const stored = await hashPassword('right-password');
    const limiter = limiterOf({ count: 3, windowMs: 60_000 });
    const verifier = new PasswordVerifier(new HashQueue());
    const attempt = counted(limiter, '10.0.0.2');
    const outcomes = await Promise.allSettled(Array.from({ length: 10 }, (_, i) => verifier.verify('alice', `guess-${i}`, stored, attempt)));
    expect(outcomes.filter((outcome) => outcome.status === 'fulfilled' && outcome.value === false)).toHaveLength(3);
    const refused = outcomes.filter((outcome) => outcome.status === 'rejected');
    expect(refused).toHaveLength(7);
    for (const outcome of refused) expect(isDomainError((outcome as PromiseRejectedResult).reason, 'too_many_failures')).toBe(true);
  });

  it('counts a shared failure for every request that shared it', async () => {
    const stored = await hashPassword('right-password');
    const limiter = limiterOf({ count: 3, windowMs: 60_000 });
    const verifier = new PasswordVerifier(new HashQueue());
    const attempt = counted(limiter, '10.0.0.3');
    const outcomes = await Promise.allSettled(Array.from({ length: 10 }, () => verifier.verify('alice', 'same-guess', stored, attempt)));
    expect(outcomes.filter((outcome) => outcome.status === 'fulfilled' && outcome.value === false)).toHaveLength(3);
    expect(outcomes.filter((outcome) => outcome.status === 'rejected')).toHaveLength(7);
  });

  it('refunds the reservation of a check the queue was too busy to run', async () => {
    const stored = await hashPassword('right-password');
    const limiter = limiterOf({ count: 1, windowMs: 60_000 });
    const queue = new HashQueue({ concurrency: 1, maxWaitMs: 1, maxWaiting: 0 });
    const verifier = new PasswordVerifier(queue);
    const running = verifier.verify('bob', 'guess', stored, counted(limiterOf({ count: 10, windowMs: 60_000 }), '10.0.0.9'));
    const busy = await verifier.verify('alice', 'guess', stored, counted(limiter, '10.0.0.4')).catch((error: unknown) => error);
    expect(isDomainError(busy, 'authentication_busy')).toBe(true);
    await limiter.check('10.0.0.4');
    expect(await running).toBe(false);
  });

  it('never accepts a password against the dummy hash of a missing user', async () => {
    const verifier = new PasswordVerifier(new HashQueue());
    const attempt = counted(limiterOf({ count: 10, windowMs: 60_000 }), '10.0.0.5');
    expect(await verifier.verify('nobody', '', DUMMY_HASH, attempt)).toBe(false);
    expect(attempt.reserved).toBe(1);
  });
});
