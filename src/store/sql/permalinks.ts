import { type BuildFilter, PERMALINKS, type PermalinkName } from '../../core/build.js';

/**
 * SQL for the number of a job's newest build that a permalink points to (`job` is the SQL of the job
 * id), the same in both SQL backends. Each result is its own seek in the (job_id, result, number)
 * index, so a result that no build has costs one seek, not a scan of the history; running builds have
 * no result.
 */
export function newestNumber(name: PermalinkName, job: string): string {
  const filter: BuildFilter = PERMALINKS[name];
  if (!filter.completedOnly) return `(SELECT MAX(number) FROM builds WHERE job_id = ${job})`;
  if (!filter.results) return `(SELECT number FROM builds WHERE job_id = ${job} AND state = 'completed' ORDER BY number DESC LIMIT 1)`;
  const seeks = filter.results.map((result) => `SELECT MAX(number) AS n FROM builds WHERE job_id = ${job} AND result = '${result}'`);
  return `(SELECT MAX(n) FROM (${seeks.join(' UNION ALL ')}) AS seeks)`;
}
