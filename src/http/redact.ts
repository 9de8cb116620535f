/** Query parameters whose values are secrets and must never reach a log line or a URL we render. */
const SECRET_NAMES = /^(token|password|j_password|jenkins-crumb|tokenvalue)$/i;
const SECRET_PARAMETERS = /([?&](?:token|password|j_password|Jenkins-Crumb|tokenValue)=)[^&#]*/gi;

/** A request URL (path and query) fit for a log line. */
export function redactUrl(pathAndQuery: string): string {
  return pathAndQuery.replace(SECRET_PARAMETERS, '$1[redacted]');
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
