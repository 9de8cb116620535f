import type { Result } from './build.js';
import { DomainError } from './errors.js';

/**
 * Upstream and downstream jobs: a finished build of an upstream job queues a build of each of its
 * downstream jobs whose threshold its result meets. A job names the edges in two ways, as Jenkins
 * does: its "Build after other projects are built" (`upstreamTrigger`) names upstream jobs, its
 * "Build other projects" (`downstreamTrigger`) names downstream jobs.
 */

/** The worst upstream result that still queues the downstream build. */
export type Threshold = 'SUCCESS' | 'UNSTABLE' | 'FAILURE';
export const THRESHOLDS: readonly Threshold[] = ['SUCCESS', 'UNSTABLE', 'FAILURE'];

/** Jobs named in a job's settings, relative to its folder, with one threshold for all of them. */
export interface ProjectTrigger {
  readonly projects: readonly string[];
  readonly threshold: Threshold;
}

/** One edge between two jobs, by id, and the job whose settings declare it. */
export interface JobEdge {
  readonly ownerId: number;
  readonly upstreamId: number;
  readonly downstreamId: number;
  readonly threshold: Threshold;
}

/**
 * An edge as the job that declares it stores it: `other` is upstream of the declaring job (its
 * `upstreamTrigger`) or downstream of it (its `downstreamTrigger`).
 */
export interface OwnEdge {
  readonly other: number;
  readonly direction: 'upstream' | 'downstream';
  readonly threshold: Threshold;
}

/** Jenkins' order of results, best first (`Result.isBetterOrEqualTo` compares ordinals). */
const ORDER: readonly Result[] = ['SUCCESS', 'UNSTABLE', 'FAILURE', 'NOT_BUILT', 'ABORTED'];

/** Whether an upstream result queues the downstream build: it is at least as good as the threshold. NOT_BUILT and ABORTED never are. */
export function meetsThreshold(result: Result | null, threshold: Threshold): boolean {
  return result !== null && ORDER.indexOf(result) <= ORDER.indexOf(threshold);
}

export function isThreshold(value: string): value is Threshold {
  return (THRESHOLDS as readonly string[]).includes(value);
}

/** Jenkins' comma-separated project list (`a, folder/b`): trimmed, blanks dropped. */
export function projectNames(list: string): string[] {
  return list
    .split(',')
    .map((name) => name.trim())
    .filter((name) => name !== '');
}

/**
 * The full names a project name in a job of folder `folder` may mean, in the order Jenkins tries them
 * (`Jenkins.getItem(name, context)`): a leading `/` is a full name; otherwise the name is relative to
 * the folder (`..` goes up, `.` stays), and then, failing that, a full name.
 */
export function candidateFullNames(folder: string | null, name: string): string[] {
  if (name.startsWith('/')) return [name.replace(/^\/+/, '')];
  const path = folder === null ? [] : folder.split('/');
  for (const segment of name.split('/')) {
    if (segment === '' || segment === '.') continue;
    if (segment === '..') {
      if (path.length === 0) return [name];
      path.pop();
    } else path.push(segment);
  }
  const relative = path.join('/');
  return relative === name || relative === '' ? [name] : [relative, name];
}

/** Checks a trigger's own shape: at least one project, and a threshold Steward knows. */
export function checkProjectTrigger(trigger: ProjectTrigger, field: 'upstreamTrigger' | 'downstreamTrigger'): void {
  if (trigger.projects.length === 0) {
    throw new DomainError('config_invalid', 'No project specified.', 'Name at least one job (comma-separated, relative to the job\'s folder), or remove the trigger.').at(`${field}.projects`);
  }
  if (!isThreshold(trigger.threshold)) {
    throw new DomainError('config_invalid', `"${String(trigger.threshold)}" is not a threshold.`, `Use one of ${THRESHOLDS.join(', ')}.`).at(`${field}.threshold`);
  }
}

/**
 * The path of a cycle through `start` (its first and last elements are `start`), or null: follows the
 * downstream edges `next` gives (which must cover every job reachable from `start`). A job that reaches
 * itself through upstream and downstream edges would build for ever.
 */
export function findCycle(start: number, next: (job: number) => readonly number[]): number[] | null {
  const visited = new Set<number>();
  const path: number[] = [start];
  const walk = (job: number): number[] | null => {
    for (const downstream of next(job)) {
      if (downstream === start) return [...path, start];
      if (visited.has(downstream)) continue;
      visited.add(downstream);
      path.push(downstream);
      const found = walk(downstream);
      if (found) return found;
      path.pop();
    }
    return null;
  };
  return walk(start);
}
