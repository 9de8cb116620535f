import { triggeredJob } from './jenkins/trigger-path.js';

/**
 * What kind of URL a request was for, as a label of the request metrics. The set of values is small
 * and fixed: a raw path would make one time series per job and build (and could carry a token), so
 * only the first segment is kept, and the Jenkins item space is told apart only by what matters for
 * load: triggers, console reads and the rest.
 */
export function routeKind(pathname: string): string {
  const segments = pathname.split('/').filter((segment) => segment !== '');
  const [head, second] = segments;
  if (head === undefined) return 'root';
  if (head === 'job') {
    if (triggeredJob(segments) !== null) return 'trigger';
    return segments.some((segment) => CONSOLE.has(segment)) ? 'console' : 'job';
  }
  if (head === 'steward') return second !== undefined && STEWARD.has(second) ? `steward/${second}` : 'other';
  return HEADS.has(head) ? head : 'other';
}

const CONSOLE = new Set(['consoleText', 'console', 'consoleFull', 'logText']);
const STEWARD = new Set(['agent', 'api', 'hooks', 'health', 'ready']);
const HEADS = new Set([
  'api',
  'buildByToken',
  'computer',
  'crumbIssuer',
  'login',
  'loginError',
  'logout',
  'j_spring_security_check',
  'manage',
  'me',
  'pluginManager',
  'prometheus',
  'queue',
  'static',
  'user',
  'whoAmI',
]);

/** The methods Steward answers; others are refused with 405. */
export const ANSWERED_METHODS: ReadonlySet<string> = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE']);

/** The request's method as a label: one of those Steward answers, or `other`. */
export function methodLabel(method: string): string {
  return ANSWERED_METHODS.has(method) ? method : 'other';
}
