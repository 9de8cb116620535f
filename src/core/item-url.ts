/**
 * The web address of items and builds below the server's root URL, in Jenkins' scheme: every level
 * is `job/<name>/`, so `team/app/deploy` lives at `job/team/job/app/job/deploy/`.
 */
export function itemPath(fullName: string): string {
  return fullName
    .split('/')
    .map((segment) => `job/${encodeURIComponent(segment)}/`)
    .join('');
}

export function buildPath(fullName: string, number: number): string {
  return `${itemPath(fullName)}${number}/`;
}

export function queueItemPath(id: number): string {
  return `queue/item/${id}/`;
}
