/** Query parameters whose values are secrets and must never reach a log line. */
const SECRET_PARAMETERS = /([?&](?:token|password|j_password|Jenkins-Crumb)=)[^&#]*/gi;

/** A request URL (path and query) fit for a log line. */
export function redactUrl(pathAndQuery: string): string {
  return pathAndQuery.replace(SECRET_PARAMETERS, '$1[redacted]');
}
