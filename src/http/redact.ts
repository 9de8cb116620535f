/** Query parameters whose values are secrets and must never reach a URL we render. */
const SECRET_NAMES = /^(token|password|j_password|jenkins-crumb|tokenvalue)$/i;

/**
 * Query parameters whose values are known to be harmless and help reading a log. Every other value
 * is redacted: a build parameter in the query may be a password, and only the job knows.
 */
const LOGGED_VALUES = new Set(['tree', 'depth', 'pretty', 'xpath', 'wrapper', 'exclude', 'start', 'delay', 'name', 'mode', 'from', 'id', 'job', 'item', 'limit', 'since', 'until', 'before', 'actor', 'action', 'outcome', 'reason', 'wait', 'timeout']);

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
      const name = part.slice(0, equals);
      return LOGGED_VALUES.has(safeDecode(name)) ? part : `${name}=[redacted]`;
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

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}
