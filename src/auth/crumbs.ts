import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * What a crumb is bound to. A browser session's crumbs are bound to the session. A request with
 * HTTP Basic credentials has no session, so its crumb is bound to the user (DESIGN §5.1: the
 * cookie-less curl recipe works). An anonymous caller's crumb is bound to a random cookie issued with
 * it, so a forged cross-site request cannot carry one.
 */
export type CrumbBinding =
  | { readonly kind: 'session'; readonly hash: string }
  | { readonly kind: 'user'; readonly id: string }
  | { readonly kind: 'anonymous'; readonly nonce: string };

const DAY_MS = 86_400_000;

/**
 * CSRF crumbs, Jenkins-compatible in form (64 hex characters, sent as `Jenkins-Crumb`): an HMAC of
 * the binding. A user-bound crumb also carries the day it was issued and is accepted that day and
 * the next, so one that leaks into a build log is soon worthless; session-bound crumbs last as long
 * as their session.
 */
export class Crumbs {
  constructor(
    private readonly key: Buffer,
    private readonly now: () => number = Date.now,
  ) {}

  issue(binding: CrumbBinding): string {
    return this.compute(binding, Math.floor(this.now() / DAY_MS));
  }

  isValid(crumb: string, binding: CrumbBinding): boolean {
    const today = Math.floor(this.now() / DAY_MS);
    const days = binding.kind === 'user' ? [today, today - 1] : [today];
    return days.some((day) => equal(crumb, this.compute(binding, day)));
  }

  private compute(binding: CrumbBinding, day: number): string {
    const subject =
      binding.kind === 'session' ? `session;${binding.hash}` : binding.kind === 'user' ? `user;${binding.id.toLowerCase()};${day}` : `anonymous;${binding.nonce}`;
    return createHmac('sha256', this.key).update(subject).digest('hex');
  }
}

function equal(presented: string, expected: string): boolean {
  const a = Buffer.from(presented);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}
