import { authorities, type Principal, principalName } from '../auth/principal.js';
import type { DomainError } from '../core/errors.js';
import { impliedByChain } from '../core/permissions.js';
import { escapeHtml } from './html.js';
import { signInPath } from './sign-in-path.js';

/**
 * Jenkins' access-denied answer, in the shape its users and tools recognise: for anonymous callers
 * "Authentication required" with a refresh to the login page, for users "Access Denied"; both with
 * the comment naming the permission and what implies it. Steward adds the sentence saying what to do.
 */
export function accessDeniedPage(error: DomainError, principal: Principal, url: URL): string {
  const comment = error.permission
    ? [
        '<!--',
        `You are authenticated as: ${principalName(principal)}`,
        'Groups that you are in:',
        ...authorities(principal).map((authority) => `  ${authority}`),
        `Permission you need to have (but didn't): ${error.permission.id}`,
        ...impliedByChain(error.permission).map((permission) => ` ... which is implied by: ${permission.id}`),
        '-->',
      ].join('\n')
    : '<!--\n-->';
  const explanation = `<p>${escapeHtml(error.message)}</p>\n${error.hint ? `<p>${escapeHtml(error.hint)}</p>\n` : ''}`;
  if (principal.kind === 'anonymous') {
    const login = escapeHtml(signInPath(url));
    return `<html><head><meta http-equiv='refresh' content='1;url=${login}'/><title>Authentication required [Steward]</title></head><body>\nAuthentication required\n${comment}\n${explanation}</body></html>\n`;
  }
  return `<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>Access Denied [Steward]</title></head><body>\n<h1>Access Denied</h1>\n${explanation}${comment}\n</body></html>\n`;
}
