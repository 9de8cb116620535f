/** Query parameters whose values are secrets and must never reach a URL we render. */
const SECRET_NAMES = /^(token|password|j_password|jenkins-crumb|tokenvalue)$/i;

/**
 * Query parameters whose values are known to be harmless and help reading a log. Every other value
 * is redacted: a build parameter in the query may be a password, and only the job knows.
 */
const LOGGED_VALUES = new Set(['tree', 'depth', 'pretty', 'xpath', 'wrapper', 'exclude', 'start', 'delay', 'name', 'mode', 'from', 'id', 'job', 'item', 'limit', 'since', 'until', 'before', 'actor', 'action', 'outcome', 'reason', 'wait', 'timeout']);

/**
 * Logged values that are themselves a URL on this server (the login's `from=/job/x/build?token=…`):
 * their own query is redacted by the same rules, however deeply nested.
 */
const NESTED_URLS = new Set(['from']);

/** A request URL (path and query) fit for a log line: values of parameters not known to be harmless are `[redacted]`. */
export function redactUrl(pathAndQuery: string): string {
  const question = pathAndQuery.indexOf('?');
  if (question < 0) return pathAndQuery;
  const parts = pathAndQuery
    .slice(question + 1)
    .split('&')
    .map((part) => {
      const equals = part.indexOf('=');
      if (equals < 0) return part;
      const name = safeDecode(part.slice(0, equals));
      if (!LOGGED_VALUES.has(name)) return `${part.slice(0, equals)}=[redacted]`;
      if (!NESTED_URLS.has(name)) return part;
      const value = decodeFully(part.slice(equals + 1).replaceAll('+', ' '));
      if (value === null) return `${part.slice(0, equals)}=[redacted]`;
      const redacted = redactUrl(value);
      return redacted === value ? part : `${part.slice(0, equals)}=${encodeURIComponent(redacted)}`;
    });
  return `${pathAndQuery.slice(0, question)}?${parts.join('&')}`;
}

/** A path and query with secret parameters removed, fit to put in a URL we hand out (a login redirect). */
export function withoutSecrets(pathAndQuery: string): string {
  const question = pathAndQuery.indexOf('?');
  if (question < 0) return pathAndQuery;
  const query = new URLSearchParams(pathAndQuery.slice(question + 1));
  for (const name of [...query.keys()]) if (SECRET_NAMES.test(name)) query.delete(name);
  const rest = query.toString();
  return pathAndQuery.slice(0, question) + (rest ? `?${rest}` : '');
}

/**
 * A value decoded until nothing is left to decode (a URL encoded twice hides its `?` from one
 * decoding), or null when it cannot be decoded (then it is not logged at all).
 */
function decodeFully(text: string): string | null {
  let current = text;
  for (let round = 0; round < 5; round++) {
    let next: string;
    try {
      next = decodeURIComponent(current);
    } catch {
      return null;
    }
    if (next === current) return current;
    current = next;
  }
  return null;
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}
