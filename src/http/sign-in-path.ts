import { withoutSecrets } from './redact.js';

/**
 * The sign-in form, coming back afterwards to `from` (a path below this server; by default the URL
 * that was refused). Secrets in a query string never reach the link.
 */
export function signInPath(url: URL, from = url.pathname + url.search): string {
  return `/login?${new URLSearchParams({ from: withoutSecrets(from) }).toString()}`;
}
