import { type BuildSource, type Change, type ChangedPath, MAX_CHANGED_PATHS, MAX_CHANGES } from '../core/revision.js';

/**
 * An agent's report of what a build checked out (`POST …/builds/J/N/source`), read without trusting
 * it further than its shape: strings of bounded length, at most MAX_CHANGES commits of at most
 * MAX_CHANGED_PATHS paths. Null when it is not a report.
 */
export function readSourceReport(body: unknown): BuildSource | null {
  const report = body as { revision?: unknown; changes?: unknown; changesTruncated?: unknown } | null;
  const revision = report?.revision as { sha?: unknown; branch?: unknown; remoteUrl?: unknown } | undefined;
  if (!revision || !isSha(revision.sha) || !(revision.branch === null || isText(revision.branch)) || !isText(revision.remoteUrl)) return null;
  if (!Array.isArray(report?.changes)) return null;
  const changes: Change[] = [];
  for (const entry of report.changes.slice(0, MAX_CHANGES) as Array<Record<string, unknown>>) {
    if (!entry || !isSha(entry.sha) || typeof entry.message !== 'string' || !isText(entry.authorName) || !isText(entry.authorEmail) || !Number.isFinite(entry.timestamp) || !Array.isArray(entry.paths)) return null;
    const paths: ChangedPath[] = (entry.paths as Array<Record<string, unknown>>)
      .slice(0, MAX_CHANGED_PATHS)
      .filter((path) => path && (path.editType === 'add' || path.editType === 'edit' || path.editType === 'delete') && isText(path.file))
      .map((path) => ({ editType: path.editType as ChangedPath['editType'], file: path.file as string }));
    changes.push({ sha: entry.sha, message: entry.message.slice(0, 64 * 1024), authorName: entry.authorName, authorEmail: entry.authorEmail, timestamp: entry.timestamp as number, paths });
  }
  return {
    revision: { sha: revision.sha, branch: revision.branch as string | null, remoteUrl: revision.remoteUrl },
    changes,
    changesTruncated: report.changesTruncated === true || report.changes.length > MAX_CHANGES,
  };
}

function isSha(value: unknown): value is string {
  return typeof value === 'string' && /^([0-9a-f]{40}|[0-9a-f]{64})$/.test(value);
}

function isText(value: unknown): value is string {
  return typeof value === 'string' && value.length <= 4096;
}
