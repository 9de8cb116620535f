import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * CSRF crumbs, Jenkins-compatible in form (64 hex characters, sent as `Jenkins-Crumb`). A crumb is
 * an HMAC of who the request acts as and, for browser sessions, the session id: bound to the session
 * when there is one, otherwise to the user (DESIGN §5.1), so the cookie-less curl recipe works.
 */
export class Crumbs {
  constructor(private readonly key: Buffer) {}

  issue(principalName: string, sessionId: string | null): string {
    return createHmac('sha256', this.key).update(`${principalName};${sessionId ?? ''}`).digest('hex');
  }

  isValid(crumb: string, principalName: string, sessionId: string | null): boolean {
    const expected = Buffer.from(this.issue(principalName, sessionId));
    const actual = Buffer.from(crumb);
    return actual.length === expected.length && timingSafeEqual(actual, expected);
  }
}
