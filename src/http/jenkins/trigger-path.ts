/** The actions that trigger a build, by their last path segment. */
const TRIGGER_ACTIONS = new Set(['build', 'buildWithParameters', 'polling']);

/**
 * The full name of the job a Jenkins URL triggers (`job/a/job/b/build` → `a/b`, or `job=` of a
 * `/buildByToken/…` URL), or null when the URL is not a trigger. A trailing `api/json` or `api/xml`
 * is ignored, as the routes ignore it.
 */
export function triggeredJob(segments: readonly string[], query?: URLSearchParams): string | null {
  if (segments[0] === 'buildByToken' && segments.length === 2 && TRIGGER_ACTIONS.has(segments[1] as string)) return query?.get('job') ?? '';
  let end = segments.length;
  if (end >= 3 && segments[end - 2] === 'api' && (segments[end - 1] === 'json' || segments[end - 1] === 'xml')) end -= 2;
  const action = segments[end - 1];
  if (action === undefined || !TRIGGER_ACTIONS.has(action) || end < 3 || (end - 1) % 2 !== 0) return null;
  const names: string[] = [];
  for (let index = 0; index < end - 1; index += 2) {
    if (segments[index] !== 'job') return null;
    names.push(segments[index + 1] as string);
  }
  return names.join('/');
}

export function isTriggerPath(segments: readonly string[]): boolean {
  return triggeredJob(segments) !== null;
}
